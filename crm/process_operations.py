"""Operations the shipped route maps call besides ``crm.operations``: notifications, appeal status, triggers.

Like ``crm.operations`` they act as the system and join the engine step's transaction (flush, never commit).

- ``notify/in_app``: a notification row for a user (in-app) and/or for a client address (kept as a message
  for that address; letters to clients go out with ``mail/send``, which falls back to this when there is no
  address or mail account), plus a system note in the Feed of the linked interest/appeal/client/lead.
- ``support/set_ticket_status``: move an appeal through its statuses; ``first_answer`` stamps reaction time.
- ``triggers/settings``, ``triggers/clients_registered``, ``triggers/lost_interests``,
  ``triggers/register_lead``: what the trigger library reads and creates.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from crm.activities.notes import add_note_in_session
from crm.clients.leads import create_lead_in_session
from crm.clients.models import Client, ContactDetail
from crm.deals.models import OUTCOME_LOST, Interest
from crm.errors import ValidationFailed
from crm.messages import N_
from crm.processes_models import CHANNEL_EMAIL, CHANNEL_IN_APP, ProcessNotification
from crm.support.models import TICKET_STATUSES, Ticket
from crm.support.services import record_first_response_in_session, set_ticket_status_in_session
from crm.triggers import TRIGGERS, settings_for_run
from engine.calendar_service import get_default_calendar
from engine.db import db
from engine.operations import register_operation

OPTIONAL_ID = {"type": ["integer", "null"], "minimum": 1}
BUSINESS_KEY = {"type": ["string", "null"], "pattern": "^(interest|ticket):[0-9]+$"}


def _links(business_key: str | None, client_id: int | None, lead_id: int | None) -> dict[str, int]:
    links: dict[str, int] = {}
    if business_key:
        kind, _, ident = business_key.partition(":")
        links[f"{kind}_id"] = int(ident)
    if client_id:
        links["client_id"] = client_id
    if lead_id:
        links["lead_id"] = lead_id
    return links


def _responsible_of(business_key: str | None) -> int | None:
    kind, _, ident = (business_key or "").partition(":")
    model = {"interest": Interest, "ticket": Ticket}.get(kind)
    row = db.session.get(model, int(ident)) if model and ident.isdigit() else None
    return row.responsible_id if row is not None else None


def notify_operation(
    text: str,
    user_id: int | None = None,
    notify_responsible: bool = False,
    to_email: str = "",
    business_key: str | None = None,
    client_id: int | None = None,
    lead_id: int | None = None,
    feed: bool = True,
) -> dict[str, Any]:
    """Write the notification rows (user and/or client address) and a Feed note on the linked record."""
    recipients = {user_id} if user_id else set()
    if notify_responsible:
        responsible = _responsible_of(business_key)
        if responsible is not None:
            recipients.add(responsible)
    if not recipients and not to_email:
        raise ValidationFailed(
            {"user_id": N_("nobody to notify: give a user, the responsible or an address")}
        )
    common = {"text": text, "business_key": business_key, "client_id": client_id, "lead_id": lead_id}
    rows = [ProcessNotification(channel=CHANNEL_IN_APP, user_id=uid, **common) for uid in sorted(recipients)]
    if to_email:
        rows.append(ProcessNotification(channel=CHANNEL_EMAIL, to_email=to_email, **common))
    db.session.add_all(rows)
    links = _links(business_key, client_id, lead_id)
    note_id = None
    if feed and links:
        prefix = f"To {to_email}: " if to_email else ""
        body = "<p>" + html.escape(prefix + text).replace("\n", "<br>") + "</p>"
        note_id = add_note_in_session(None, {**links, "body_html": body}).id
    db.session.flush()
    return {"notification_ids": [r.id for r in rows], "note_id": note_id}


def set_ticket_status_operation(ticket_id: int, status: str, first_answer: bool = False) -> dict[str, Any]:
    """Move the appeal to ``status``; ``first_answer`` also stamps the first answer (reaction time)."""
    ticket = set_ticket_status_in_session(None, ticket_id, status)
    stamped = record_first_response_in_session(ticket_id) if first_answer else False
    db.session.flush()
    return {"ticket_id": ticket.id, "status": ticket.status, "first_answer_stamped": stamped}


def trigger_settings_operation(key: str, as_of: str | None = None) -> dict[str, Any]:
    """The trigger's switch, parameters and whether a scheduled run at ``as_of`` is due today."""
    return settings_for_run(key, as_of)


def _local_day_bounds(as_of: str, days_back: int) -> tuple[datetime, datetime]:
    zone = get_default_calendar().zone
    day = datetime.fromisoformat(as_of).astimezone(zone).date() - timedelta(days=days_back)
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, start + timedelta(days=1)


def clients_registered_operation(days: int, as_of: str) -> list[dict[str, Any]]:
    """Active clients registered exactly ``days`` days before ``as_of`` (calendar days, local time),
    with their first e-mail address; clients without one are skipped."""
    start, end = _local_day_bounds(as_of, days)
    first_email = (
        select(func.min(ContactDetail.value))
        .where(ContactDetail.client_id == Client.id, ContactDetail.kind == "email")
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Client.id, Client.name, first_email)
        .where(
            Client.created_at >= start,
            Client.created_at < end,
            Client.is_active.is_(True),
            Client.merged_into_id.is_(None),
        )
        .order_by(Client.id)
    ).all()
    return [{"client_id": cid, "name": name, "email": email} for cid, name, email in rows if email]


def lost_interests_operation(days: int, as_of: str) -> list[dict[str, Any]]:
    """Interests lost exactly ``days`` days before ``as_of`` (local calendar day), to open them again."""
    start, end = _local_day_bounds(as_of, days)
    rows = db.session.scalars(
        select(Interest)
        .where(Interest.outcome == OUTCOME_LOST, Interest.closed_at >= start, Interest.closed_at < end)
        .order_by(Interest.id)
    ).all()
    return [
        {
            "interest_id": i.id,
            "client_id": i.client_id,
            "lead_id": i.lead_id,
            "title": i.title,
            "amount": str(i.amount),
            "responsible_id": i.responsible_id,
        }
        for i in rows
    ]


def register_lead_operation(
    name: str, email: str = "", comment: str = "", source: str = ""
) -> dict[str, Any]:
    """A potential client from a request (e.g. a website form letter)."""
    lead = create_lead_in_session(None, {"name": name, "email": email, "comment": comment, "source": source})
    db.session.flush()
    return {"lead_id": lead.id}


def _object(properties: dict[str, Any], required: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False,
            **extra}  # fmt: skip


def register_process_operations() -> None:
    """Register the route maps' own operations with the engine (the app factory calls this once)."""
    register_operation(
        "notify/in_app",
        notify_operation,
        _object(
            {
                "text": {"type": "string", "minLength": 1},
                "user_id": OPTIONAL_ID,
                "notify_responsible": {"type": "boolean"},
                "to_email": {"type": ["string", "null"]},
                "business_key": BUSINESS_KEY,
                "client_id": OPTIONAL_ID,
                "lead_id": OPTIONAL_ID,
                "feed": {"type": "boolean"},
            },
            ["text"],
        ),
        description="Notify a user in the app (or the interest's/appeal's responsible) and/or keep a message "
        "for a client address; a system note goes to the linked record's Feed.",
    )
    register_operation(
        "support/set_ticket_status",
        set_ticket_status_operation,
        _object(
            {
                "ticket_id": {"type": "integer", "minimum": 1},
                "status": {"enum": list(TICKET_STATUSES)},
                "first_answer": {"type": "boolean"},
            },
            ["ticket_id", "status"],
        ),
        description="Move an appeal to a status; first_answer stamps the first answer to the client.",
    )
    register_operation(
        "triggers/settings",
        trigger_settings_operation,
        _object({"key": {"enum": sorted(TRIGGERS)}, "as_of": {"type": ["string", "null"]}}, ["key"]),
        description="Read a trigger's switch and parameters (set by an administrator).",
    )
    days_as_of = {"days": {"type": "integer", "minimum": 0}, "as_of": {"type": "string", "minLength": 10}}
    register_operation(
        "triggers/clients_registered",
        clients_registered_operation,
        _object(days_as_of, ["days", "as_of"]),
        description="Clients registered exactly N days before a date, with an e-mail address.",
    )
    register_operation(
        "triggers/lost_interests",
        lost_interests_operation,
        _object(days_as_of, ["days", "as_of"]),
        description="Interests lost exactly N days before a date.",
    )
    register_operation(
        "triggers/register_lead",
        register_lead_operation,
        _object(
            {
                "name": {"type": "string", "minLength": 1},
                "email": {"type": "string"},
                "comment": {"type": "string"},
                "source": {"type": "string"},
            },
            ["name"],
        ),
        description="Register a potential client from a request.",
    )
