"""Request bodies of the API. They reject unknown fields, so a typo in an integration fails loudly instead
of being ignored; the services still check the business rules (a valid INN, an existing stage, access)."""

from __future__ import annotations

from typing import Any

from crm.activities.models import DIRECTIONS, INTERACTION_KINDS, INTERACTION_STATUSES
from crm.support.models import CHANNELS
from webui.api.schema_types import (
    AMOUNT,
    BOOL,
    CLIENT_TEXT,
    ID,
    LINKS,
    PHONES,
    STR,
    TIME,
    nullable,
    obj,
)

INPUTS: dict[str, Any] = {
    "ClientInput": obj(
        {
            "name": {"type": "string", "minLength": 1},
            "kind": {"enum": ["company", "person"]},
            **{name: nullable(STR) for name in CLIENT_TEXT},
            "region_id": nullable(ID),
            "segment_id": nullable(ID),
            "responsible_id": nullable(ID),
            "phones": PHONES,
            "emails": PHONES,
            "portrait": {"type": "object", "description": "Client portrait values by attribute code."},
            "allow_duplicate": {**BOOL, "description": "Create even when look-alike cards exist."},
        },
        ("name",),
        closed=True,
    ),
    "ContactInput": obj(
        {
            "full_name": {"type": "string", "minLength": 1},
            "position": STR,
            "is_key_person": BOOL,
            "birthday": nullable({"type": "string", "format": "date"}),
            "comment": STR,
            "phones": PHONES,
            "emails": PHONES,
            "portrait": {"type": "object"},
            "allow_duplicate": BOOL,
        },
        ("full_name",),
        closed=True,
    ),
    "LeadInput": obj(
        {
            "name": {"type": "string", "minLength": 1},
            "company_name": STR,
            "phone": STR,
            "email": STR,
            "source": STR,
            "comment": STR,
            "region_id": nullable(ID),
            "responsible_id": nullable(ID),
        },
        ("name",),
        closed=True,
    ),
    "InterestInput": obj(
        {
            "client_id": nullable(ID),
            "lead_id": nullable(ID),
            "contact_id": nullable(ID),
            "title": {"type": "string", "minLength": 1},
            "description": STR,
            "stage": {**STR, "description": "Stage code; default the first open stage."},
            "amount": AMOUNT,
            "currency": STR,
            "source": STR,
            "expected_close_date": nullable({"type": "string", "format": "date"}),
            "responsible_id": nullable(ID),
            "start_process": {
                **BOOL,
                "default": False,
                "description": "Also start the `sale` route map; the interest is stored only if it starts.",
            },
        },
        ("title",),
        closed=True,
    ),
    "StageChange": obj(
        {"stage": {"type": "string", "minLength": 1}, "lost_reason": STR}, ("stage",), closed=True
    ),
    "InterestClose": obj(
        {"outcome": {"enum": ["won", "lost"]}, "lost_reason": {**STR, "description": "Required when lost."}},
        ("outcome",),
        closed=True,
    ),
    "TicketInput": obj(
        {
            "subject": {"type": "string", "minLength": 1},
            "description": STR,
            "appeal_type_id": nullable(ID),
            **{name: nullable(ID) for name in LINKS if name != "ticket_id"},
            "priority": STR,
            "channel": {"enum": list(CHANNELS)},
            "responsible_id": nullable(ID),
            "start_process": {
                **BOOL,
                "default": True,
                "description": "Start the appeal type's route map (default `support_appeal`); the appeal "
                "is stored only if it starts.",
            },
        },
        ("subject",),
        closed=True,
    ),
    "NoteInput": obj(
        {"body_html": {"type": "string", "minLength": 1, "description": "HTML; sanitized on save."}}
        | {name: nullable(ID) for name in LINKS},
        ("body_html",),
        closed=True,
    ),
    "InteractionInput": obj(
        {
            "kind": {"enum": list(INTERACTION_KINDS)},
            "direction": {"enum": list(DIRECTIONS)},
            "status": {"enum": list(INTERACTION_STATUSES)},
            "subject": STR,
            "description": STR,
            "result": STR,
            "planned_at": nullable({**TIME, "description": "With a time zone offset."}),
            "actual_at": nullable(TIME),
            "duration_minutes": nullable({"type": "integer", "minimum": 0, "maximum": 100_000}),
            "responsible_id": nullable(ID),
        }
        | {name: nullable(ID) for name in LINKS},
        ("kind",),
        closed=True,
    ),
    "TaskCompletion": obj(
        {"data": {"type": "object", "description": "Form data matching the task's form schema."}},
        ("data",),
        closed=True,
    ),
    "MessageInput": obj(
        {
            "name": {
                "type": "string",
                "pattern": "\\S",
                "description": "Message name, e.g. payment.received.",
            },
            "correlation_key": nullable({**STR, "description": "e.g. ticket:42; null for none."}),
            "payload": {"type": "object", "description": "Variables handed to the catching process."},
        },
        ("name",),
        closed=True,
    ),
}
