"""JSON Schemas (OpenAPI 3.1 components) of every API response body, plus the request bodies
(``webui.api.schema_inputs``): ``COMPONENTS`` is what the document publishes and requests are checked against."""

from __future__ import annotations

from typing import Any

from crm.activities.models import DIRECTIONS, INTERACTION_KINDS, INTERACTION_STATUSES
from crm.support.models import CHANNELS, TICKET_STATUSES
from webui.api.schema_inputs import INPUTS
from webui.api.schema_types import (
    BOOL,
    CLIENT_TEXT,
    INT,
    LINKS,
    STR,
    STRINGS,
    TIME,
    nullable,
    obj,
    output,
    page,
    ref,
)

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
    "InterestPage": page("Interest"),
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
    "TicketPage": page("Ticket"),
    "Note": output(
        {"id": INT, "body_html": STR, "author_id": nullable(INT), "created_at": TIME}
        | {name: nullable(INT) for name in LINKS}
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
    "Delivery": output(
        {
            "delivered_to": {"type": "array", "items": INT, "description": "Instances that caught it."},
            "started": {"type": "array", "items": INT, "description": "Instances it started."},
            "unmatched_id": nullable({**INT, "description": "Stored for later when nobody waited for it."}),
        }
    ),
    **INPUTS,
}
