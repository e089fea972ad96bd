"""The mail part of the JSON API: ``GET /api/v1/mail/letters`` (the letters of the caller's mailboxes, filtered
like the mail page, newest first, keyset-paged with ``after``) and ``GET /api/v1/mail/letters/{id}``.

Imported by ``webui.views.mail.register`` before the API blueprint is registered, so its operations join the
``v1`` blueprint and the OpenAPI document like every other API module.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from crm.errors import ValidationFailed
from crm.mail import letters as letter_service
from crm.mail import queries as mail_queries
from crm.mail.models import MailMessage
from crm.mail.queries import LINK_FILTERS, RESPONSIBLE_FILTERS, SORTS, LetterFilters
from webui.api.core import ApiProblem, Param, actor, link_with, operation, query_int
from webui.api.schema_types import BOOL, INT, LINKS, STR, TIME, nullable, output, ref
from webui.api.schemas import COMPONENTS
from webui.views.mail_render import clean_letter_html

MAX_LIMIT = 100
ADDRESS = output({"name": STR, "address": STR})
LETTER_FIELDS: dict[str, Any] = {
    "id": INT,
    "account_id": INT,
    "folder_id": nullable(INT),
    "direction": {"enum": ["in", "out"]},
    "status": STR,
    "subject": STR,
    "from_name": STR,
    "from_address": STR,
    "to": {"type": "array", "items": ADDRESS},
    "cc": {"type": "array", "items": ADDRESS},
    "occurred_at": TIME,
    "sent_at": nullable(TIME),
    "snippet": STR,
    "size": INT,
    "has_attachments": BOOL,
    "is_read": BOOL,
    "is_flagged": BOOL,
    "marked_for_deletion": BOOL,
    "responsible_id": nullable(INT),
    "responsible_group_id": nullable(INT),
    "lead_scenario": nullable(STR),
} | {name: nullable(INT) for name in LINKS}
COMPONENTS.setdefault("MailLetter", output(LETTER_FIELDS))
COMPONENTS.setdefault(
    "MailLetterDetail",
    output(
        LETTER_FIELDS
        | {
            "text": STR,
            "html": {**STR, "description": "The HTML part, sanitised (no scripts, handlers, forms)."},
        }
    ),
)
COMPONENTS.setdefault(
    "MailLetterPage",
    output(
        {
            "items": {"type": "array", "items": ref("MailLetter")},
            "total": INT,
            "next": {**nullable(STR), "description": "Link to the next page; null on the last page."},
        }
    ),
)

LETTER_PARAMS = (
    Param("folder_id", {"type": "integer", "minimum": 1}, "Only this folder (of a mailbox the caller uses)."),
    Param("account_id", {"type": "integer", "minimum": 1}, "Only this mailbox."),
    Param("q", {"type": "string"}, "Text in the subject or the sender's name or address."),
    Param("from", {"type": "string"}, "The sender's address, exactly."),
    Param("unread", {"type": "boolean"}, "Only unread incoming letters."),
    Param("flagged", {"type": "boolean"}, "Only flagged letters."),
    Param("with_attachments", {"type": "boolean"}, "Only letters with files."),
    Param("responsible", {"enum": list(RESPONSIBLE_FILTERS)}, "me, none, or group (waiting in my groups)."),
    Param("linked", {"enum": list(LINK_FILTERS)}, "Linked to a client, interest, ticket, or to nothing."),
    Param("client_id", {"type": "integer", "minimum": 1}, "Letters of this client."),
    Param("interest_id", {"type": "integer", "minimum": 1}, "Letters of this interest."),
    Param("ticket_id", {"type": "integer", "minimum": 1}, "Letters of this appeal."),
    Param("date_from", {"type": "string", "format": "date"}, "From this day (the caller's time zone)."),
    Param("date_to", {"type": "string", "format": "date"}, "Up to this day, inclusive."),
    Param("lead", {"enum": ["any", "sales", "support"]}, "Only lead letters (of a scenario)."),
    Param("sort", {"enum": list(SORTS), "default": "newest"}, "newest or oldest first."),
    Param("after", {"type": "string"}, "The cursor from the previous page's `next` link."),
    Param(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}, "Letters per page."
    ),
)


def _flag(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise ApiProblem(400, "Bad parameter", f"{name} must be true or false.", errors={name: "not a boolean"})


def _day(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ApiProblem(
            400, "Bad parameter", f"{name} must be a date like 2025-03-31.", errors={name: "not a date"}
        ) from None


def letter_json(letter: MailMessage) -> dict[str, Any]:
    """A letter as the API shows it (the list's fields; no body)."""

    def people(items: Any) -> list[dict[str, str]]:
        return [{"name": a.get("name", ""), "address": a.get("address", "")} for a in items or []]

    def moment(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        **{name: getattr(letter, name) for name in LETTER_FIELDS if name not in ("to", "cc")},
        "to": people(letter.to_addresses),
        "cc": people(letter.cc_addresses),
        "occurred_at": moment(letter.occurred_at),
        "sent_at": moment(letter.sent_at),
    }


@operation(
    "GET",
    "/mail/letters",
    summary="Letters of my mailboxes",
    tag="Mail",
    params=LETTER_PARAMS,
    ok=(200, "MailLetterPage"),
    problems=(403, 404, 422),
    roles=("employee", "manager"),
)
def mail_letters() -> Any:
    """The letters of the mailboxes the caller uses, filtered like the mail page, newest first."""
    user = actor()
    filters = LetterFilters(
        folder_id=query_int("folder_id", minimum=1),
        account_id=query_int("account_id", minimum=1),
        text=request.args.get("q", "").strip()[:200],
        from_address=request.args.get("from", "").strip()[:254],
        unread=_flag("unread"),
        flagged=_flag("flagged"),
        with_attachments=_flag("with_attachments"),
        responsible=request.args.get("responsible", "").strip(),
        linked=request.args.get("linked", "").strip(),
        client_id=query_int("client_id", minimum=1),
        interest_id=query_int("interest_id", minimum=1),
        ticket_id=query_int("ticket_id", minimum=1),
        date_from=_day("date_from"),
        date_to=_day("date_to"),
        lead_scenario=request.args.get("lead", "").strip(),
        sort=request.args.get("sort", "").strip() or "newest",
    )
    limit = min(query_int("limit", 50, minimum=1) or 50, MAX_LIMIT)
    zone = getattr(user, "timezone", None) or "UTC"
    try:
        found = mail_queries.letter_page(
            user, filters, after=request.args.get("after") or None, limit=limit, timezone=zone
        )
    except ValidationFailed as exc:
        raise ApiProblem(
            422, "Invalid input", "Some parameters are invalid.", errors=exc.field_errors
        ) from exc
    return {
        "items": [letter_json(m) for m in found.letters],
        "total": found.total,
        "next": link_with(after=found.next_cursor) if found.next_cursor else None,
    }


@operation(
    "GET",
    "/mail/letters/{letter_id}",
    summary="One letter with its text",
    tag="Mail",
    ok=(200, "MailLetterDetail"),
    problems=(403, 404),
    roles=("employee", "manager"),
)
def mail_letter(letter_id: int) -> Any:
    """A letter the caller may open, with its text part and its sanitised HTML part."""
    letter = letter_service.get_letter(actor(), letter_id)
    return {
        **letter_json(letter),
        "text": letter.text_body or "",
        "html": clean_letter_html(letter.html_body).html if letter.html_body else "",
    }
