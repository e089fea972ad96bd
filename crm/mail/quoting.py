"""Replies and forwards: subjects ("Re:", "Fwd:"), the quoted original, the thread headers, the reply-all list."""

from __future__ import annotations

import html as html_lib
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.activities.sanitize import sanitize_note_html
from crm.mail.models import MailMessage
from crm.mail.outgoing import text_to_html

_PREFIX_RE = re.compile(r"^\s*((re|fwd?|aw|wg|ответ|пересл)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_WORDS = {
    "en": {"wrote": "{when}, {who} wrote:", "forwarded": "---------- Forwarded message ----------",
           "from": "From", "date": "Date", "subject": "Subject", "to": "To"},
    "ru": {"wrote": "{when}, {who} написал(а):", "forwarded": "---------- Пересылаемое сообщение ----------",
           "from": "От", "date": "Дата", "subject": "Тема", "to": "Кому"},
}  # fmt: skip


def _words(user: object) -> dict[str, str]:
    locale = str(getattr(user, "locale", "") or "en")
    return _WORDS["ru" if locale.startswith("ru") else "en"]


def bare_subject(subject: str) -> str:
    """The subject without its "Re:"/"Fwd:" prefixes."""
    return _PREFIX_RE.sub("", subject or "").strip()


def reply_subject(subject: str) -> str:
    return f"Re: {bare_subject(subject)}".strip()


def forward_subject(subject: str) -> str:
    return f"Fwd: {bare_subject(subject)}".strip()


def thread_headers(original: MailMessage) -> tuple[str, str, str]:
    """(In-Reply-To, References, thread key) of a reply to ``original`` (ids without brackets)."""
    references = original.references.split()
    if original.message_id and original.message_id not in references:
        references.append(original.message_id)
    return original.message_id, " ".join(references[-20:]), original.thread_key or original.message_id


def _when(original: MailMessage, user: object) -> str:
    moment = original.sent_at or original.occurred_at
    try:
        zone = ZoneInfo(str(getattr(user, "timezone", "") or "Europe/Moscow"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Moscow")
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else ""


def _who(original: MailMessage) -> str:
    if original.from_name:
        return f"{original.from_name} <{original.from_address}>"
    return original.from_address


def original_body_html(original: MailMessage) -> str:
    """The original's body as safe HTML (its HTML part sanitised, else its text)."""
    if original.html_body:
        return sanitize_note_html(original.html_body)
    return text_to_html(original.text_body)


def reply_quote_html(original: MailMessage, user: object) -> str:
    """ "On <date>, <sender> wrote:" and the original in a blockquote."""
    header = _words(user)["wrote"].format(when=_when(original, user), who=_who(original))
    return f"<p>{html_lib.escape(header)}</p><blockquote>{original_body_html(original)}</blockquote>"


def forward_header_html(original: MailMessage, user: object) -> str:
    """The forwarded-message header block: from, date, subject, to."""
    words = _words(user)
    to = ", ".join(a.get("address", "") for a in original.to_addresses)
    rows = [(words["from"], _who(original)), (words["date"], _when(original, user)),
            (words["subject"], original.subject), (words["to"], to)]  # fmt: skip
    lines = "<br>".join(f"{html_lib.escape(k)}: {html_lib.escape(v)}" for k, v in rows)
    return f"<p>{html_lib.escape(words['forwarded'])}<br>{lines}</p>"


def forward_block_html(original: MailMessage, user: object) -> str:
    """The forwarded-message header block and the original's body."""
    return forward_header_html(original, user) + original_body_html(original)


def reply_all_cc(
    original: MailMessage, own_addresses: set[str], to: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Everyone else of the original's To and Cc: not us, not those already in ``to``."""
    skip = {a.lower() for a in own_addresses} | {item["address"].lower() for item in to}
    found: list[dict[str, str]] = []
    for item in [*original.to_addresses, *original.cc_addresses]:
        address = (item.get("address") or "").lower()
        if address and address not in skip:
            skip.add(address)
            found.append({"name": item.get("name") or "", "address": address})
    return found
