"""``build_message(letter)``: the RFC 5322 bytes (CRLF line ends) of an outgoing letter.

Names, subjects and file names in any language are encoded (encoded words, RFC 2231); the bodies are
7-bit clean (quoted-printable or base64) so any SMTP server takes them; Bcc never appears in the headers
(``envelope_recipients`` gives the SMTP envelope, which includes it); an ``.eml`` attachment travels as
``message/rfc822`` with its bytes untouched.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from connectors.mail.htmltext import html_to_text

_POLICY = policy.SMTP  # CRLF, headers encoded to ASCII
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # printable ASCII without ":" or space
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_MANAGED_HEADERS = {
    "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references",
    "mime-version", "content-type", "content-transfer-encoding", "content-disposition",
}  # fmt: skip


@dataclass
class OutgoingAttachment:
    """A file to send. With ``content_id`` it is an inline part the HTML body shows as ``cid:<content_id>``."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""


@dataclass
class OutgoingLetter:
    """A letter to build. Addresses are (display name, address) pairs; ids are without angle brackets."""

    from_: tuple[str, str]
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    bcc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: list[OutgoingAttachment] = field(default_factory=list)
    message_id: str = ""  # made from the sender's domain when empty
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    date: datetime | None = None  # now when None
    headers: dict[str, str] = field(
        default_factory=dict
    )  # extra ones, e.g. {"Auto-Submitted": "auto-replied"}


def _ascii_domain(domain: str) -> str:
    domain = domain.strip().rstrip(".")
    if domain.isascii():
        return domain.lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"the mail domain {domain!r} is not a valid international domain name") from exc


def make_message_id(domain: str) -> str:
    """A new globally unique message id (without angle brackets) in ``domain``."""
    clean = _ascii_domain(domain) if domain and domain.strip() else ""
    return f"{uuid.uuid4().hex}@{clean or 'localhost'}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _checked_address(pair: tuple[str, str]) -> tuple[str, str]:
    """(one-line display name, address with an ASCII domain); ValueError for what is not an address."""
    name, address = pair
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(char in address for char in ' <>(),;:"\r\n'):
        raise ValueError(f"{address!r} is not an e-mail address")
    if not local.isascii():
        raise ValueError(f"{address!r}: a non-Latin mailbox name is not supported by the mail servers used")
    return _one_line(name or ""), f"{local}@{_ascii_domain(domain)}"


def _encoded(text: str, header_name: str = "") -> str:
    """A header text as RFC 2047 encoded words folded to short lines (the email package's own folding can
    drop the space between two encoded words, so non-ASCII headers are encoded here and stored as they are).
    """
    return Header(text, "utf-8", maxlinelen=76, header_name=header_name).encode(linesep="\r\n")


def _address_header(pairs: list[tuple[str, str]]) -> str:
    items = []
    for display, address in (_checked_address(pair) for pair in pairs):
        if not display:
            items.append(address)
        elif display.isascii():
            items.append(formataddr((display, address)))
        else:
            items.append(f"{_encoded(display)} <{address}>")
    return ",\r\n ".join(items)


def _set_text_header(message: EmailMessage, name: str, value: str) -> None:
    value = _one_line(value)
    if value.isascii():
        message[name] = value
    else:
        message.set_raw(name, _encoded(value, header_name=name))


def envelope_recipients(letter: OutgoingLetter) -> list[str]:
    """Everyone the letter goes to (To, Cc and Bcc), each address once: the SMTP RCPT TO list."""
    seen: dict[str, str] = {}
    for _name, address in [*letter.to, *letter.cc, *letter.bcc]:
        clean = address.strip()
        seen.setdefault(clean.lower(), clean)
    return list(seen.values())


def _text_encoding(text: str) -> str:
    if text.isascii() and all(len(line) <= 900 for line in text.splitlines()):
        return "7bit"
    non_ascii = sum(1 for char in text[:10000] if not char.isascii())
    return "base64" if non_ascii > len(text[:10000]) * 0.2 else "quoted-printable"


def _split_type(content_type: str) -> tuple[str, str]:
    content_type = (content_type or "").strip().lower()
    if not _CONTENT_TYPE.match(content_type):
        content_type = "application/octet-stream"
    maintype, subtype = content_type.split("/", 1)
    return maintype, subtype


def _attach_message(message: EmailMessage, attachment: OutgoingAttachment) -> None:
    """Attach an e-mail as message/rfc822 without re-encoding it (a forwarded letter keeps its signatures)."""
    raw = re.sub(rb"\r?\n", b"\r\n", attachment.content)
    part = EmailMessage(policy=_POLICY)
    part["Content-Type"] = "message/rfc822"
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename or "message.eml")
    part["Content-Transfer-Encoding"] = "7bit" if raw.isascii() else "8bit"
    part.set_payload(raw.decode("ascii", errors="surrogateescape"))
    if message.get_content_type() != "multipart/mixed":
        message.make_mixed()
    message.attach(part)


def _is_message(attachment: OutgoingAttachment) -> bool:
    return attachment.content_type.lower() in ("message/rfc822",) or attachment.filename.lower().endswith(
        ".eml"
    )


def build_message(letter: OutgoingLetter) -> bytes:
    """The bytes of ``letter``. Raises ``ValueError`` with a readable message for a bad address or header."""
    message = EmailMessage(policy=_POLICY)
    _sender_name, sender = _checked_address(letter.from_)
    message.set_raw("From", _address_header([letter.from_]))
    for header, pairs in (("To", letter.to), ("Cc", letter.cc), ("Reply-To", letter.reply_to)):
        if pairs:
            message.set_raw(header, _address_header(pairs))
    for pair in letter.bcc:
        _checked_address(pair)  # checked, never written
    _set_text_header(message, "Subject", letter.subject)
    message["Date"] = format_datetime((letter.date or datetime.now(UTC)).astimezone(UTC))
    domain = sender.rpartition("@")[2]
    message["Message-ID"] = f"<{(letter.message_id or make_message_id(domain)).strip('<> ')}>"
    if letter.in_reply_to:
        message["In-Reply-To"] = f"<{letter.in_reply_to.strip('<> ')}>"
    if letter.references:
        message["References"] = " ".join(f"<{ref.strip('<> ')}>" for ref in letter.references if ref.strip())
    for name, value in letter.headers.items():
        if not _HEADER_NAME.match(name) or name.lower() in _MANAGED_HEADERS:
            raise ValueError(f"{name!r} cannot be set as an extra header")
        _set_text_header(message, name, value)
    _add_bodies(message, letter)
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]  # the email package repeats it in every part it creates
    return message.as_bytes(policy=_POLICY)


def _add_bodies(message: EmailMessage, letter: OutgoingLetter) -> None:
    text = letter.text or (html_to_text(letter.html) if letter.html else "")
    text = text.replace("\r\n", "\n")
    message.set_content(text, charset="utf-8", cte=_text_encoding(text))
    inline = [attachment for attachment in letter.attachments if attachment.content_id]
    files = [attachment for attachment in letter.attachments if not attachment.content_id]
    if letter.html:
        message.add_alternative(letter.html, subtype="html", charset="utf-8", cte=_text_encoding(letter.html))
        html_part = list(message.iter_parts())[-1]
        for attachment in inline:
            maintype, subtype = _split_type(attachment.content_type)
            html_part.add_related(
                attachment.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{attachment.content_id.strip('<> ')}>",
                disposition="inline",
                filename=attachment.filename or None,
            )
    else:
        files = letter.attachments  # no HTML to show them in: inline parts become ordinary files
    for attachment in files:
        if _is_message(attachment):
            _attach_message(message, attachment)
            continue
        maintype, subtype = _split_type(attachment.content_type)
        name = attachment.filename or "attachment"
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=name, params={"name": name}
        )
