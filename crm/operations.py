"""CRM operations that route-map service tasks call by name (``engine.operations`` registry).

They act as the system: no access check, the change log records no user. They join the engine step's
transaction — they flush, never commit — so a failing step leaves no half-done CRM change behind. Each
returns a small JSON-serialisable dict.
"""

from __future__ import annotations

import html
from typing import Any

from crm.activities.models import Interaction
from crm.activities.notes import add_note_in_session
from crm.activities.services import add_interaction_in_session
from crm.clients.models import Lead
from crm.clients.services import check_responsible, update_client_in_session
from crm.deals.models import Interest
from crm.deals.services import (
    assign_interest_responsible_in_session,
    close_interest_in_session,
    create_interest_in_session,
    set_interest_stage_in_session,
)
from crm.errors import NotFound, ValidationFailed
from crm.history import record_change
from crm.mail.operations import register_mail_operations
from crm.messages import N_
from crm.support.models import Ticket
from crm.support.services import assign_ticket_responsible_in_session, create_ticket_in_session
from engine.db import db
from engine.operations import register_operation

ID = {"type": "integer", "minimum": 1}
OPTIONAL_ID = {"type": ["integer", "null"], "minimum": 1}
TEXT = {"type": "string"}
BUSINESS_KEY = {"type": "string", "pattern": "^(interest|ticket):[0-9]+$"}


def set_interest_stage_operation(interest_id: int, stage: str, lost_reason: str = "") -> dict[str, Any]:
    interest = set_interest_stage_in_session(None, interest_id, stage, lost_reason)
    db.session.flush()
    return {
        "interest_id": interest.id,
        "stage": interest.stage.code,
        "closed": interest.closed_at is not None,
    }


def create_interest_operation(**params: Any) -> dict[str, Any]:
    interest = create_interest_in_session(None, params)
    db.session.flush()
    return {"interest_id": interest.id, "business_key": interest.business_key}


def close_interest_operation(interest_id: int, outcome: str, lost_reason: str = "") -> dict[str, Any]:
    interest = close_interest_in_session(None, interest_id, outcome, lost_reason)
    db.session.flush()
    return {"interest_id": interest.id, "outcome": interest.outcome}


def create_ticket_operation(**params: Any) -> dict[str, Any]:
    ticket = create_ticket_in_session(None, params)
    db.session.flush()
    return {"ticket_id": ticket.id, "business_key": ticket.business_key}


def add_interaction_operation(**params: Any) -> dict[str, Any]:
    interaction = add_interaction_in_session(None, params)
    db.session.flush()
    return {"interaction_id": interaction.id, "status": interaction.status}


def assign_responsible_operation(entity: str, id: int, user_id: int) -> dict[str, Any]:
    if entity == "client":
        update_client_in_session(None, id, {"responsible_id": user_id})
    elif entity == "interest":
        assign_interest_responsible_in_session(None, _get(Interest, id), user_id)
    elif entity == "ticket":
        assign_ticket_responsible_in_session(None, _get(Ticket, id), user_id)
    else:
        row = _get(Lead if entity == "lead" else Interaction, id)
        user = check_responsible(None, user_id)
        if row.responsible_id != user_id:
            record_change(entity, row.id, None, field="responsible_id", old=row.responsible_id, new=user_id)
            row.responsible_id = user_id
            if entity == "lead" and user is not None:
                row.department_id = user.department_id
    db.session.flush()
    return {"entity": entity, "id": id, "responsible_id": user_id}


def post_to_feed_operation(
    text: str, business_key: str | None = None, client_id: int | None = None
) -> dict[str, Any]:
    """A system note (plain ``text``) on the interest/ticket of ``business_key`` or on a client."""
    links: dict[str, Any] = {}
    if business_key:
        kind, _, ident = business_key.partition(":")
        links[f"{kind}_id"] = int(ident)
    if client_id:
        links["client_id"] = client_id
    if not links:
        raise ValidationFailed({"business_key": N_("give a business key or a client id")})
    body = "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
    note = add_note_in_session(None, {**links, "body_html": body})
    db.session.flush()
    return {"note_id": note.id}


def _get(model: Any, ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(f"{model.__name__.lower()} {ident} not found")
    return row


def _object(properties: dict[str, Any], required: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        **extra,
    }


def register_crm_operations() -> None:
    """Register every CRM operation with the engine's registry (the app factory calls this once)."""
    links = {"client_id": OPTIONAL_ID, "contact_id": OPTIONAL_ID, "lead_id": OPTIONAL_ID}
    register_operation(
        "crm/set_interest_stage",
        set_interest_stage_operation,
        _object({"interest_id": ID, "stage": TEXT, "lost_reason": TEXT}, ["interest_id", "stage"]),
        description="Move an interest to a stage (code); won/lost stages close it (lost needs lost_reason).",
    )
    register_operation(
        "crm/create_interest",
        create_interest_operation,
        _object(
            {
                **links,
                "title": {"type": "string", "minLength": 1},
                "amount": {"type": ["number", "string"]},
                "currency": TEXT,
                "source": TEXT,
                "stage": TEXT,
                "description": TEXT,
                "responsible_id": OPTIONAL_ID,
                "expected_close_date": {"type": ["string", "null"], "format": "date"},
            },
            ["title"],
            anyOf=[{"required": ["client_id"]}, {"required": ["lead_id"]}],
        ),
        description="Open an interest for a client or potential client; returns interest_id and business_key.",
    )
    register_operation(
        "crm/close_interest",
        close_interest_operation,
        _object(
            {"interest_id": ID, "outcome": {"enum": ["won", "lost"]}, "lost_reason": TEXT},
            ["interest_id", "outcome"],
            allOf=[
                {
                    "if": {"properties": {"outcome": {"const": "lost"}}},
                    "then": {"required": ["lost_reason"], "properties": {"lost_reason": {"minLength": 1}}},
                }
            ],
        ),
        description="Close an interest as won, or lost with a reason.",
    )
    register_operation(
        "crm/create_ticket",
        create_ticket_operation,
        _object(
            {
                **links,
                "interest_id": OPTIONAL_ID,
                "subject": {"type": "string", "minLength": 1},
                "description": TEXT,
                "appeal_type_id": OPTIONAL_ID,
                "responsible_id": OPTIONAL_ID,
                "priority": {"enum": ["low", "normal", "high", "urgent"]},
                "channel": {"enum": ["phone", "email", "web", "messenger"]},
            },
            ["subject"],
        ),
        description="Register an appeal; returns ticket_id and business_key.",
    )
    register_operation(
        "crm/assign_responsible",
        assign_responsible_operation,
        _object(
            {
                "entity": {"enum": ["client", "lead", "interest", "ticket", "interaction"]},
                "id": ID,
                "user_id": ID,
            },
            ["entity", "id", "user_id"],
        ),
        description="Make a user responsible for a client, lead, interest, ticket or interaction.",
    )
    register_operation(
        "crm/add_interaction",
        add_interaction_operation,
        _object(
            {
                **links,
                "interest_id": OPTIONAL_ID,
                "ticket_id": OPTIONAL_ID,
                "kind": {"enum": ["call", "meeting", "letter", "message"]},
                "direction": {"enum": ["incoming", "outgoing"]},
                "status": {"enum": ["planned", "done"]},
                "subject": TEXT,
                "description": TEXT,
                "result": TEXT,
                "responsible_id": OPTIONAL_ID,
                "planned_at": {"type": ["string", "null"]},
                "actual_at": {"type": ["string", "null"]},
                "duration_minutes": {"type": ["integer", "null"], "minimum": 0},
            },
            ["kind"],
        ),
        description="Record or plan a call/meeting/letter/message (times as ISO strings with offset).",
    )
    register_operation(
        "feed/post",
        post_to_feed_operation,
        _object(
            {
                "text": {"type": "string", "minLength": 1},
                "business_key": BUSINESS_KEY,
                "client_id": OPTIONAL_ID,
            },
            ["text"],
            anyOf=[{"required": ["business_key"]}, {"required": ["client_id"]}],
        ),
        description="Post a system note to the Feed of an interest/ticket (business key) or a client.",
    )
    register_mail_operations()  # mail/send (crm.mail.operations)
