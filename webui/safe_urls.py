"""Where a redirect may go: only to a path of this site (no open redirects through ``next=`` or Referer)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def local_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/tasks?x=1``), else None.

    Browsers read ``/\\evil.example`` and ``/<tab>/evil.example`` as ``//evil.example`` (another site), so
    backslashes and control characters are refused along with schemes, hosts and ``//``.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def local_referrer() -> str | None:
    """The page the request came from, as a local path, when it is a page of this site; else None."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if not parts.scheme and not parts.netloc:
        return local_target(referrer)  # a relative Referer (RFC 9110 allows one)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    path = parts.path or "/"
    return local_target(f"{path}?{parts.query}" if parts.query else path)
