"""Reading one MIME part: its decoded bytes, its file name (RFC 2231, encoded words, raw 8-bit), its
Content-ID, whether it is a body, and undoing ``format=flowed`` line breaks.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from email import errors, policy
from email.message import Message

from connectors.mail.charsets import decode_bytes, recover_surrogates
from connectors.mail.headers import decode_header_text, unfold

_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")
# Regenerate an attached message as close to its source as the email package allows.
_EML_POLICY = policy.default.clone(linesep="\r\n", refold_source="none", max_line_length=0)


def _raw_header(part: Message, name: str) -> str:
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return unfold(str(value))
    return ""


def _legacy(part: Message, header: str) -> Message:
    """A compat32 message holding one raw header of ``part`` (one Latin-1 character per byte): its simple
    parser never raises, where policy.default's can (IndexError on ``filename*`` with nothing after it).
    """
    legacy = Message()
    raw = _raw_header(part, header)
    if raw:
        legacy[header] = raw.encode("utf-8", errors="surrogateescape").decode("latin-1")
    return legacy


def content_type(part: Message) -> str:
    """The part's content type, lower-case ("text/plain" when missing or unreadable)."""
    try:
        return part.get_content_type()
    except Exception:
        return _legacy(part, "Content-Type").get_content_type()


def disposition(part: Message) -> str | None:
    """ "inline", "attachment" or None."""
    try:
        return part.get_content_disposition()
    except Exception:
        return _legacy(part, "Content-Disposition").get_content_disposition()


def type_param(part: Message, name: str) -> str:
    """A Content-Type parameter as text ("" when missing)."""
    try:
        value = part.get_param(name)
    except Exception:
        value = _legacy(part, "Content-Type").get_param(name)
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = value[2]
    return str(value).strip() if value is not None else ""


def payload_bytes(part: Message) -> bytes:
    """The decoded content of a leaf part, or the bytes of an attached message (message/rfc822)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        inner = payload[0] if payload else None
        if isinstance(inner, Message):
            try:
                return inner.as_bytes(policy=_EML_POLICY)
            except Exception:  # a message too broken to regenerate: its text is still worth keeping
                return str(inner).encode("utf-8", errors="surrogateescape")
        return b""
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64" and isinstance(
        payload, str
    ):
        return _decode_base64(part, payload.encode("utf-8", errors="surrogateescape"))
    try:
        decoded = part.get_payload(decode=True)
    except Exception:
        decoded = None
    if isinstance(decoded, bytes):
        return decoded
    return str(payload or "").encode("utf-8", errors="surrogateescape")


def _decode_base64(part: Message, data: bytes) -> bytes:
    """Base64 without giving up: the C decoder skips line breaks; on a bad length or stray characters decode
    every whole 4-character group and what the last partial one holds (a truncated attachment keeps its start).
    """
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        pass
    clean = _NOT_BASE64.sub(b"", data)
    whole = len(clean) // 4 * 4
    try:
        decoded = base64.b64decode(clean[:whole])
    except (binascii.Error, ValueError):  # padding in the middle: decode group by group
        decoded = b"".join(_quietly(clean[index : index + 4]) for index in range(0, whole, 4))
    rest = clean[whole:]
    if len(rest) >= 2:
        decoded += _quietly(rest + b"=" * (4 - len(rest)))
    part.defects.append(errors.InvalidBase64LengthDefect())
    return decoded


def _quietly(group: bytes) -> bytes:
    try:
        return base64.b64decode(group)
    except (binascii.Error, ValueError):
        return b""


def content_id(part: Message) -> str:
    value, _ = recover_surrogates(_raw_header(part, "Content-ID"))
    return value.strip().strip("<>").strip()


def _param(part: Message, header: str, name: str) -> tuple[str, list[str]] | None:
    """A header parameter decoded by hand: RFC 2231 (any charset, continuations), encoded words, raw 8-bit."""
    raw = _raw_header(part, header)
    if not raw:
        return None
    # compat32 keeps RFC 2231 values as (charset, language, one char per byte); it would turn raw 8-bit
    # bytes into replacement characters, so it gets one Latin-1 character per byte, mapped back below.
    legacy = _legacy(part, header)
    try:
        value = legacy.get_param(name, header=header)
    except Exception:
        return None
    if value is None:
        return None
    if isinstance(value, tuple):
        charset, _language, text = value
        data = str(text).encode("latin-1", errors="replace")
        decoded, note = decode_bytes(data, charset or None)
        return decoded, [note] if note else []
    text = str(value).strip('"').encode("latin-1", errors="replace").decode("ascii", errors="surrogateescape")
    if "=?" in text:
        return decode_header_text(text)
    decoded, note = recover_surrogates(text)
    return decoded, [note] if note else []


def _clean_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # never a path: "C:\\fakepath\\a.pdf", "../../x"
    name = _UNSAFE_IN_NAME.sub("", name).strip().strip(".").strip()
    return name[:255]


def declared_filename(part: Message) -> str:
    """The file name the part declares (Content-Disposition filename, else Content-Type name), or ""."""
    for header, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        found = _param(part, header, param)
        if found and found[0].strip():
            return _clean_filename(found[0])
    return ""


def attachment_filename(part: Message, index: int) -> tuple[str, list[str]]:
    """A safe file name for an attachment: the declared one, else one made from the subject or the type."""
    notes: list[str] = []
    for header, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        found = _param(part, header, param)
        if found and found[0].strip():
            notes.extend(found[1])
            name = _clean_filename(found[0])
            if name:
                return name, notes
    kind = content_type(part)
    if kind in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject, _ = decode_header_text(_raw_header(inner[0], "Subject"))
            name = _clean_filename(subject.replace("/", "_").replace("\\", "_"))
            if name:
                return f"{name[:200]}.eml", notes
        return "message.eml", notes
    extension = mimetypes.guess_extension(kind) or ".bin"
    return f"attachment-{index}{extension}", notes


def is_body_part(part: Message) -> bool:
    """A text/plain or text/html part that is the letter's text, not a file attached to it."""
    if content_type(part) not in ("text/plain", "text/html"):
        return False
    if disposition(part) == "attachment":
        return False
    return not declared_filename(part)


def unflow(text: str, delsp: bool = False) -> str:
    """Join the soft line breaks of a ``format=flowed`` text (RFC 3676), keeping quote levels apart."""
    lines_out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if pending is not None and depth != pending_depth:
            lines_out.append(pending)
            pending = None
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if pending is None:
            pending, pending_depth = (">" * depth + (" " if depth else "") + content), depth
        else:
            pending += content
        if not soft:
            lines_out.append(pending)
            pending = None
    if pending is not None:
        lines_out.append(pending)
    return "\n".join(lines_out)
