"""JSON Schemas (OpenAPI 3.1 components) of every API request and response body.

Input schemas reject unknown fields, so a typo in an integration fails loudly instead of being ignored.
The services still check the business rules (a valid INN, an existing stage, access).
"""

from __future__ import annotations

from typing import Any

from crm.activities.models import DIRECTIONS, INTERACTION_KINDS, INTERACTION_STATUSES
from crm.support.models import CHANNELS, TICKET_STATUSES

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
ID: dict[str, Any] = {"type": "integer", "minimum": 1}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (JSON Schema 2020-12 style, as OpenAPI 3.1 wants it)."""
    if "type" in schema and "enum" not in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*types, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: dict[str, Any], required: tuple[str, ...] = (), *, closed: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def output(properties: dict[str, Any]) -> dict[str, Any]:
    """A response object: every listed property is always present."""
    return obj(properties, tuple(properties))


def page(item: str) -> dict[str, Any]:
    return output(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": INT,
            "per_page": INT,
            "total": INT,
            "next": {**nullable(STR), "description": "Link to the next page; null on the last page."},
        }
    )


STRINGS = {"type": "array", "items": STR}
PHONES = {"anyOf": [STRINGS, STR], "description": "A list, or one string with values separated by commas."}
AMOUNT = {
    "anyOf": [{"type": "number", "minimum": 0}, STR],
    "description": "Decimal; a string keeps precision.",
}

CLIENT_TEXT = ("legal_name", "inn", "kpp", "legal_address", "actual_address", "website", "description")
LINKS = ("client_id", "contact_id", "lead_id", "interest_id", "ticket_id")

COMPONENTS: dict[str, Any] = {
    "Problem": obj(
        {"type": STR, "title": STR, "status": INT, "detail": STR},
        ("type", "title", "status", "detail"),
    ),
    "ValidationProblem": obj(
        {
            "type": STR,
            "title": STR,
            "status": {"const": 422},
            "detail": STR,
            "errors": {"type": "object", "additionalProperties": STR, "description": "field -> message"},
        },
        ("type", "title", "status", "detail", "errors"),
    ),
    "DuplicateProblem": obj(
        {
            "type": STR,
            "title": STR,
            "status": {"const": 409},
            "detail": STR,
            "candidates": {"type": "array", "items": ref("DuplicateCandidate")},
        },
        ("type", "title", "status", "detail", "candidates"),
    ),
    "DuplicateCandidate": output(
        {
            "entity": {"enum": ["client", "contact"]},
            "id": INT,
            "name": STR,
            "reason": {"enum": ["inn", "phone", "email", "name"]},
            "client_id": INT,
            "accessible": {**BOOL, "description": "Whether you may open this card."},
        }
    ),
    "Me": output(
        {
            "id": INT,
            "username": STR,
            "full_name": STR,
            "email": STR,
            "roles": STRINGS,
            "department_id": nullable(INT),
        }
    ),
    "Client": output(
        {
            "id": INT,
            "kind": {"enum": ["company", "person"]},
            "name": STR,
            **{name: nullable(STR) if name == "inn" else STR for name in CLIENT_TEXT},
            "region_id": nullable(INT),
            "segment_id": nullable(INT),
            "responsible_id": nullable(INT),
            "department_id": nullable(INT),
            "phones": STRINGS,
            "emails": STRINGS,
            "portrait": {"type": "object"},
            "is_active": BOOL,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
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
    "ClientPage": page("Client"),
    "SearchHit": output(
        {
            "entity": {"enum": ["client", "contact", "lead"]},
            "id": INT,
            "title": STR,
            "subtitle": STR,
            "client_id": nullable(INT),
            "matched": STR,
        }
    ),
    "SearchResult": output({"items": {"type": "array", "items": ref("SearchHit")}}),
    "Contact": output(
        {
            "id": INT,
            "client_id": INT,
            "full_name": STR,
            "position": STR,
            "is_key_person": BOOL,
            "birthday": nullable({"type": "string", "format": "date"}),
            "comment": STR,
            "phones": STRINGS,
            "emails": STRINGS,
            "portrait": {"type": "object"},
            "is_active": BOOL,
        }
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
    "ContactList": output({"items": {"type": "array", "items": ref("Contact")}}),
    "Lead": output(
        {
            "id": INT,
            "name": STR,
            "company_name": STR,
            "phone": STR,
            "email": STR,
            "source": STR,
            "comment": STR,
            "region_id": nullable(INT),
            "responsible_id": nullable(INT),
            "status": {"enum": ["open", "converted", "rejected"]},
            "converted_client_id": nullable(INT),
            "created_at": TIME,
        }
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
    "LeadPage": page("Lead"),
    "Stage": output(
        {"code": STR, "name": STR, "kind": {"enum": ["open", "won", "lost"]}, "probability": INT}
    ),
    "Interest": output(
        {
            "id": INT,
            "client_id": nullable(INT),
            "lead_id": nullable(INT),
            "contact_id": nullable(INT),
            "title": STR,
            "description": STR,
            "stage": ref("Stage"),
            "amount": {"type": "string", "description": "Decimal amount as a string."},
            "currency": STR,
            "source": STR,
            "responsible_id": nullable(INT),
            "expected_close_date": nullable({"type": "string", "format": "date"}),
            "outcome": nullable({"enum": ["won", "lost"]}),
            "lost_reason": STR,
            "process_instance_id": nullable(INT),
            "created_at": TIME,
            "closed_at": nullable(TIME),
        }
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
    "InterestPage": page("Interest"),
    "StageChange": obj(
        {"stage": {"type": "string", "minLength": 1}, "lost_reason": STR}, ("stage",), closed=True
    ),
    "InterestClose": obj(
        {"outcome": {"enum": ["won", "lost"]}, "lost_reason": {**STR, "description": "Required when lost."}},
        ("outcome",),
        closed=True,
    ),
    "Ticket": output(
        {
            "id": INT,
            "subject": STR,
            "description": STR,
            "appeal_type_id": nullable(INT),
            "client_id": nullable(INT),
            "contact_id": nullable(INT),
            "lead_id": nullable(INT),
            "interest_id": nullable(INT),
            "priority": STR,
            "channel": {"enum": list(CHANNELS)},
            "status": {"enum": list(TICKET_STATUSES)},
            "responsible_id": nullable(INT),
            "process_instance_id": nullable(INT),
            "created_at": TIME,
            "first_response_at": nullable(TIME),
            "resolved_at": nullable(TIME),
            "closed_at": nullable(TIME),
        }
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
    "TicketPage": page("Ticket"),
    "Note": output(
        {"id": INT, "body_html": STR, "author_id": nullable(INT), "created_at": TIME}
        | {name: nullable(INT) for name in LINKS}
    ),
    "NoteInput": obj(
        {"body_html": {"type": "string", "minLength": 1, "description": "HTML; sanitized on save."}}
        | {name: nullable(ID) for name in LINKS},
        ("body_html",),
        closed=True,
    ),
    "Interaction": output(
        {
            "id": INT,
            "kind": {"enum": list(INTERACTION_KINDS)},
            "direction": {"enum": list(DIRECTIONS)},
            "status": {"enum": list(INTERACTION_STATUSES)},
            "subject": STR,
            "description": STR,
            "result": STR,
            "planned_at": nullable(TIME),
            "actual_at": nullable(TIME),
            "duration_minutes": nullable(INT),
            "responsible_id": nullable(INT),
            "created_at": TIME,
        }
        | {name: nullable(INT) for name in LINKS}
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
            "duration_minutes": nullable({"type": "integer", "minimum": 0}),
            "responsible_id": nullable(ID),
        }
        | {name: nullable(ID) for name in LINKS},
        ("kind",),
        closed=True,
    ),
    "FeedItem": output(
        {
            "source": {"enum": ["document", "process"]},
            "id": INT,
            "kind": STR,
            "occurred_at": TIME,
            "title": STR,
            "summary": STR,
            "author_id": nullable(INT),
            "author_name": STR,
            "ref_id": nullable(INT),
            "details": {"type": "object"},
        }
        | {name: nullable(INT) for name in LINKS}
    ),
    "FeedPage": output(
        {
            "items": {"type": "array", "items": ref("FeedItem")},
            "next": {**nullable(STR), "description": "Link to the next (older) page; null on the last page."},
        }
    ),
    "TaskSubject": output(
        {"kind": {"enum": ["interest", "ticket"]}, "id": INT, "title": STR, "client_id": nullable(INT)}
    ),
    "Task": output(
        {
            "id": INT,
            "instance_id": INT,
            "process": STR,
            "business_key": nullable(STR),
            "element_id": STR,
            "name": STR,
            "lane": nullable(STR),
            "assignee_id": nullable(INT),
            "priority": INT,
            "status": STR,
            "created_at": TIME,
            "due_at": nullable(TIME),
            "completed_by": nullable(INT),
            "completed_at": nullable(TIME),
            "subject": nullable(ref("TaskSubject")),
        }
    ),
    "TaskDetail": {
        "allOf": [
            ref("Task"),
            output(
                {
                    "instructions": STR,
                    "workable": {**BOOL, "description": "Whether you may claim and complete it now."},
                    "form": nullable({"type": "object", "description": "The form's JSON Schema."}),
                }
            ),
        ]
    },
    "TaskPage": page("Task"),
    "TaskCompletion": obj(
        {"data": {"type": "object", "description": "Form data matching the task's form schema."}},
        ("data",),
        closed=True,
    ),
    "ProcessDefinition": output(
        {
            "key": STR,
            "name": STR,
            "versions": INT,
            "latest_version": INT,
            "latest_id": INT,
            "deployed_at": TIME,
        }
    ),
    "ProcessDefinitionList": output({"items": {"type": "array", "items": ref("ProcessDefinition")}}),
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
    "Delivery": output(
        {
            "delivered_to": {"type": "array", "items": INT, "description": "Instances that caught it."},
            "started": {"type": "array", "items": INT, "description": "Instances it started."},
            "unmatched_id": nullable({**INT, "description": "Stored for later when nobody waited for it."}),
        }
    ),
}
