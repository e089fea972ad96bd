"""Folder roles: from SPECIAL-USE flags (RFC 6154) when the server gives them, else from well-known names
in English and Russian. A role found by flag is never given to a second folder by its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectors.mail.interfaces import FolderInfo

ROLE_BY_FLAG = {
    "\\sent": "sent",
    "\\drafts": "drafts",
    "\\trash": "trash",
    "\\junk": "junk",
    "\\spam": "junk",  # Gmail's XLIST
    "\\archive": "archive",
    "\\inbox": "inbox",  # Gmail's XLIST
}
ROLE_BY_NAME = {
    "sent": "sent", "sent items": "sent", "sent messages": "sent", "sent mail": "sent",
    "отправленные": "sent", "отправленные письма": "sent",
    "drafts": "drafts", "draft": "drafts", "черновики": "drafts",
    "trash": "trash", "deleted": "trash", "deleted items": "trash", "deleted messages": "trash", "bin": "trash",
    "корзина": "trash", "удаленные": "trash", "удаленные письма": "trash",
    "junk": "junk", "spam": "junk", "junk e-mail": "junk", "junk email": "junk", "bulk mail": "junk",
    "спам": "junk", "нежелательная почта": "junk",
    "archive": "archive", "archives": "archive", "архив": "archive",
}  # fmt: skip
_NOT_SELECTABLE = {"\\noselect", "\\nonexistent"}


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def role_by_name(name: str, delimiter: str = "") -> str | None:
    """The role a folder's own name suggests ("INBOX/Отправленные" -> sent; "Удалённые" -> trash)."""
    leaf = name.rsplit(delimiter, 1)[-1] if delimiter else name
    return ROLE_BY_NAME.get(" ".join(leaf.lower().replace("ё", "е").split()))


def folder_infos(entries: Iterable[tuple[Any, Any, Any]]) -> list[FolderInfo]:
    """FolderInfo for each (flags, delimiter, name) of an IMAP LIST answer, with roles."""
    rows: list[tuple[str, str, tuple[str, ...], str | None, bool]] = []
    taken: set[str] = set()
    for flags, delimiter, name in entries:
        flag_texts = tuple(_text(flag) for flag in flags or ())
        lowered = {flag.lower() for flag in flag_texts}
        text_name = _text(name)
        role = "inbox" if text_name.upper() == "INBOX" else None
        role = role or next((ROLE_BY_FLAG[flag] for flag in lowered if flag in ROLE_BY_FLAG), None)
        if role:
            taken.add(role)
        rows.append((text_name, _text(delimiter or ""), flag_texts, role, not (lowered & _NOT_SELECTABLE)))
    infos = []
    for name, delimiter, flags, role, selectable in rows:
        if role is None and selectable:
            guess = role_by_name(name, delimiter)
            if guess and guess not in taken:
                role = guess
                taken.add(guess)
        infos.append(FolderInfo(name=name, role=role, flags=flags, selectable=selectable))
    return infos
