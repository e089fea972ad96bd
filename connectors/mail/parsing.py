"""``parse_message(raw)``: everything the CRM needs from the bytes of a letter, never raising.

The standard ``email`` package (policy=default) splits the MIME structure; header values, charsets and file
names are decoded here by hand (``headers``, ``charsets``) because the package turns unknown or wrong charsets
into replacement characters. Whatever went wrong is listed in ``ParsedMessage.errors``; the raw bytes stay the
truth, so a letter that parses badly is still stored and shown as well as it can be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import errors as email_errors
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from connectors.mail.charsets import codec_name, decode_bytes, recover_surrogates
from connectors.mail.headers import (
    Address,
    decode_header_text,
    first_message_id,
    message_ids,
    parse_addresses,
    parse_date,
    unfold,
)
from connectors.mail.htmltext import html_to_text
from connectors.mail.mimeparts import (
    attachment_filename,
    content_id,
    content_type,
    disposition,
    is_body_part,
    payload_bytes,
    type_param,
    unflow,
)

__all__ = ["Address", "ParsedAttachment", "ParsedMessage", "parse_message"]

_MAX_DEPTH = 30
_ROBOT_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+\-.].*)?@", re.I
)
_DEFECT_WORDS = {
    email_errors.NoBoundaryInMultipartDefect: "a multipart part declares no boundary; its body is kept as text",
    email_errors.StartBoundaryNotFoundDefect: "the multipart boundary never appears; the body is kept as text",
    email_errors.CloseBoundaryNotFoundDefect: "the last MIME part is not closed (the message may be truncated)",
    email_errors.FirstHeaderLineIsContinuationDefect: "the first header line is a continuation line",
    email_errors.MisplacedEnvelopeHeaderDefect: "an envelope 'From ' line sits among the headers",
    email_errors.MissingHeaderBodySeparatorDefect: "a line without a colon ended the headers early",
    email_errors.MultipartInvariantViolationDefect: "a multipart part has no subparts",
    email_errors.InvalidMultipartContentTransferEncodingDefect: "a multipart part has a transfer encoding",
    email_errors.UndecodableBytesDefect: "a header holds bytes that are not text",
    email_errors.InvalidBase64PaddingDefect: "broken base64 (padding); decoded what was there",
    email_errors.InvalidBase64CharactersDefect: "broken base64 (stray characters); they were skipped",
    email_errors.InvalidBase64LengthDefect: "broken base64 (length); the last bytes may be lost",
}


@dataclass
class ParsedAttachment:
    """A file of a letter. ``content`` is the decoded bytes (never copied after decoding)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without angle brackets; an HTML body refers to it as cid:<content_id>
    is_inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedMessage:
    """What a letter says. Missing parts are empty (or None for ``date``); ``errors`` says what went wrong."""

    message_id: str = ""  # without angle brackets
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_: Address = field(default_factory=lambda: Address("", ""))
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    date: datetime | None = None  # aware, UTC
    text: str = ""  # the text body; derived from the HTML one when the letter has no text part
    html: str = ""  # as sent (not sanitised); empty when the letter has no HTML part
    attachments: list[ParsedAttachment] = field(default_factory=list)
    # RFC 3834 and list headers, lower-cased: an auto-responder must not answer robots or mailing lists.
    auto_submitted: str = ""
    precedence: str = ""
    list_id: str = ""
    robot_signals: list[str] = field(default_factory=list)
    size: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def from_name(self) -> str:
        return self.from_.name

    @property
    def from_address(self) -> str:
        return self.from_.address

    @property
    def is_automated(self) -> bool:
        """Sent by a program (auto-reply, bounce, list, bulk mail): never answer it automatically."""
        return bool(self.robot_signals)

    @property
    def thread_key(self) -> str:
        """The id of the letter that started the thread (References' first id, else In-Reply-To, else ours)."""
        return (self.references[0] if self.references else "") or self.in_reply_to or self.message_id

    @property
    def has_attachments(self) -> bool:
        return any(not attachment.is_inline for attachment in self.attachments)

    def snippet(self, length: int = 200) -> str:
        """The start of the text on one line."""
        return " ".join(self.text[: length * 4].split())[:length]


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse the bytes of a letter. Never raises: what cannot be read is left empty and noted in ``errors``."""
    result = ParsedMessage(size=len(raw or b""))
    if not raw or not raw.strip():
        result.errors.append("the message is empty")
        return result
    try:
        message: Message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the modern header parser has bugs on some broken headers: use the old one
        result.errors.append(f"read with the legacy parser ({type(exc).__name__}: {exc})")
        try:
            message = BytesParser(policy=policy.compat32).parsebytes(raw)
        except Exception as legacy_exc:
            result.errors.append(
                f"the message could not be parsed ({type(legacy_exc).__name__}: {legacy_exc})"
            )
            result.text, note = decode_bytes(raw, None)
            _note(result, note)
            return result
    hint = _charset_hint(message)
    for step in (_read_headers, _read_body):
        try:
            step(message, result, hint)
        except Exception as exc:  # keep what the other steps found
            result.errors.append(
                f"{step.__name__.strip('_').replace('_', ' ')} failed: {type(exc).__name__}: {exc}"
            )
    _collect_defects(message, result)
    result.errors = list(dict.fromkeys(result.errors))
    return result


def _note(result: ParsedMessage, *notes: str) -> None:
    result.errors.extend(note for note in notes if note)


def _raw_values(message: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _raw_value(message: Message, name: str) -> str:
    values = _raw_values(message, name)
    return values[0] if values else ""


def _charset_hint(message: Message) -> str | None:
    """The first declared, known charset of a text part: the best guess for raw 8-bit header bytes."""
    for part in message.walk():
        declared = type_param(part, "charset") if content_type(part).startswith("text/") else ""
        charset = codec_name(declared)
        if charset:
            return charset
    return None


def _read_headers(message: Message, result: ParsedMessage, hint: str | None) -> None:
    result.message_id = first_message_id(recover_surrogates(_raw_value(message, "Message-ID"))[0])
    result.in_reply_to = first_message_id(recover_surrogates(_raw_value(message, "In-Reply-To"))[0])
    result.references = message_ids(recover_surrogates(" ".join(_raw_values(message, "References")))[0])
    result.subject, notes = decode_header_text(unfold(_raw_value(message, "Subject")), hint)
    _note(result, *notes)
    senders, notes = parse_addresses(_raw_values(message, "From"), hint)
    _note(result, *notes)
    if senders:
        result.from_ = senders[0]
    for attribute, header in (("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"), ("reply_to", "Reply-To")):
        addresses, notes = parse_addresses(_raw_values(message, header), hint)
        _note(result, *notes)
        setattr(result, attribute, addresses)
    result.date, note = parse_date(recover_surrogates(_raw_value(message, "Date"))[0])
    _note(result, note)
    _read_robot_headers(message, result)


def _read_robot_headers(message: Message, result: ParsedMessage) -> None:
    def value(name: str) -> str:
        return " ".join(unfold(recover_surrogates(_raw_value(message, name))[0]).split()).lower()

    result.auto_submitted = value("Auto-Submitted")
    result.precedence = value("Precedence")
    result.list_id = value("List-Id")
    signals = result.robot_signals
    if result.auto_submitted and result.auto_submitted.split(";")[0].strip() != "no":
        signals.append(f"Auto-Submitted: {result.auto_submitted}")
    if result.precedence in ("bulk", "junk", "list", "auto_reply"):
        signals.append(f"Precedence: {result.precedence}")
    if result.list_id:
        signals.append(f"List-Id: {result.list_id}")
    for header in ("List-Unsubscribe", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _raw_value(message, header):
            if header == "X-Auto-Response-Suppress" and value(header) in ("", "none"):
                continue
            signals.append(header)
    if result.from_.address and _ROBOT_SENDERS.match(result.from_.address):
        signals.append(f"sender {result.from_.address}")
    if content_type(message) == "multipart/report":
        signals.append("delivery or read report")


def _read_body(message: EmailMessage | Message, result: ParsedMessage, hint: str | None) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    _walk(message, result, texts, htmls, depth=0)
    result.text = "\n\n".join(text.rstrip() for text in texts if text.strip())
    result.html = "\n".join(html for html in htmls if html.strip())
    if not result.text and result.html:
        result.text = html_to_text(result.html)


def _walk(part: Message, result: ParsedMessage, texts: list[str], htmls: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        result.errors.append(f"MIME parts nested deeper than {_MAX_DEPTH} levels were skipped")
        return
    kind = content_type(part)
    if kind in ("message/rfc822", "message/global") and depth > 0:
        _add_attachment(part, result)
        return
    if part.is_multipart():
        for child in part.get_payload():
            if not isinstance(child, Message):
                continue
            try:
                _walk(child, result, texts, htmls, depth + 1)
            except Exception as exc:  # one unreadable part must not cost the others
                result.errors.append(f"a MIME part could not be read ({type(exc).__name__}: {exc})")
        return
    if kind.startswith("multipart/"):  # no boundary, or one that never appears: keep the text
        texts.append(_decode_text_part(part, result))
        return
    if is_body_part(part):
        text = _decode_text_part(part, result)
        (htmls if kind == "text/html" else texts).append(text)
        return
    _add_attachment(part, result)


def _decode_text_part(part: Message, result: ParsedMessage) -> str:
    text, note = decode_bytes(payload_bytes(part), type_param(part, "charset") or None)
    _note(result, note)
    text = text.replace("\r\n", "\n")
    if content_type(part) == "text/plain" and type_param(part, "format").lower() == "flowed":
        text = unflow(text, delsp=type_param(part, "delsp").lower() == "yes")
    return text


def _add_attachment(part: Message, result: ParsedMessage) -> None:
    filename, notes = attachment_filename(part, len(result.attachments) + 1)
    _note(result, *notes)
    how = disposition(part)
    cid = content_id(part)
    result.attachments.append(
        ParsedAttachment(
            filename=filename,
            content_type=content_type(part),
            content=payload_bytes(part),
            content_id=cid,
            is_inline=how == "inline" or (how is None and bool(cid)),
        )
    )


def _collect_defects(message: Message, result: ParsedMessage) -> None:
    for part in message.walk():
        for defect in getattr(part, "defects", ()):
            words = _DEFECT_WORDS.get(type(defect))
            result.errors.append(words or f"{type(defect).__name__}: {defect}".rstrip(": "))
