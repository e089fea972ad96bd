"""Rows to JSON objects, exactly as ``webui.api.schemas`` describes them (a test validates them against it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from crm.activities.models import Interaction, Note
from crm.clients.duplicates import DuplicateCandidate
from crm.clients.models import Client, ContactPerson, Lead
from crm.deals.models import Interest
from crm.feed.services import FeedItem
from crm.search import SearchHit
from crm.support.models import Ticket
from crm.workplaces.labels import Subject
from engine.definitions import DefinitionSummary
from engine.humantask_model import HumanTask
from engine.messages import Delivery

LINKS = ("client_id", "contact_id", "lead_id", "interest_id", "ticket_id")


def when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def client_json(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "kind": client.kind,
        "name": client.name,
        "legal_name": client.legal_name or "",
        "inn": client.inn,
        "kpp": client.kpp or "",
        "legal_address": client.legal_address or "",
        "actual_address": client.actual_address or "",
        "website": client.website or "",
        "description": client.description or "",
        "region_id": client.region_id,
        "segment_id": client.segment_id,
        "responsible_id": client.responsible_id,
        "department_id": client.department_id,
        "phones": client.phones,
        "emails": client.emails,
        "portrait": dict(client.portrait or {}),
        "is_active": client.is_active,
        "created_at": when(client.created_at),
        "updated_at": when(client.updated_at),
    }


def candidate_json(candidate: DuplicateCandidate, accessible: bool) -> dict[str, Any]:
    return {
        "entity": candidate.entity,
        "id": candidate.id,
        "name": candidate.name,
        "reason": candidate.reason,
        "client_id": candidate.client_id,
        "accessible": accessible,
    }


def search_hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "entity": hit.entity,
        "id": hit.id,
        "title": hit.title,
        "subtitle": hit.subtitle,
        "client_id": hit.client_id,
        "matched": hit.matched,
    }


def contact_json(contact: ContactPerson) -> dict[str, Any]:
    return {
        "id": contact.id,
        "client_id": contact.client_id,
        "full_name": contact.full_name,
        "position": contact.position or "",
        "is_key_person": contact.is_key_person,
        "birthday": when(contact.birthday),
        "comment": contact.comment or "",
        "phones": contact.phones,
        "emails": contact.emails,
        "portrait": dict(contact.portrait or {}),
        "is_active": contact.is_active,
    }


def lead_json(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "name": lead.name,
        "company_name": lead.company_name or "",
        "phone": lead.phone or "",
        "email": lead.email or "",
        "source": lead.source or "",
        "comment": lead.comment or "",
        "region_id": lead.region_id,
        "responsible_id": lead.responsible_id,
        "status": lead.status,
        "converted_client_id": lead.converted_client_id,
        "created_at": when(lead.created_at),
    }


def interest_json(interest: Interest) -> dict[str, Any]:
    stage = interest.stage
    return {
        "id": interest.id,
        "client_id": interest.client_id,
        "lead_id": interest.lead_id,
        "contact_id": interest.contact_id,
        "title": interest.title,
        "description": interest.description or "",
        "stage": {
            "code": stage.code,
            "name": stage.name,
            "kind": stage.kind,
            "probability": stage.probability,
        },
        "amount": f"{interest.amount or 0:.2f}",
        "currency": interest.currency,
        "source": interest.source or "",
        "responsible_id": interest.responsible_id,
        "expected_close_date": when(interest.expected_close_date),
        "outcome": interest.outcome,
        "lost_reason": interest.lost_reason or "",
        "process_instance_id": interest.process_instance_id,
        "created_at": when(interest.created_at),
        "closed_at": when(interest.closed_at),
    }


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "subject": ticket.subject,
        "description": ticket.description or "",
        "appeal_type_id": ticket.appeal_type_id,
        "client_id": ticket.client_id,
        "contact_id": ticket.contact_id,
        "lead_id": ticket.lead_id,
        "interest_id": ticket.interest_id,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "status": ticket.status,
        "responsible_id": ticket.responsible_id,
        "process_instance_id": ticket.process_instance_id,
        "created_at": when(ticket.created_at),
        "first_response_at": when(ticket.first_response_at),
        "resolved_at": when(ticket.resolved_at),
        "closed_at": when(ticket.closed_at),
    }


def note_json(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "body_html": note.body_html,
        "author_id": note.author_id,
        "created_at": when(note.created_at),
        **{name: getattr(note, name) for name in LINKS},
    }


def interaction_json(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "kind": interaction.kind,
        "direction": interaction.direction,
        "status": interaction.status,
        "subject": interaction.subject or "",
        "description": interaction.description or "",
        "result": interaction.result or "",
        "planned_at": when(interaction.planned_at),
        "actual_at": when(interaction.actual_at),
        "duration_minutes": interaction.duration_minutes,
        "responsible_id": interaction.responsible_id,
        "created_at": when(interaction.created_at),
        **{name: getattr(interaction, name) for name in LINKS},
    }


def feed_item_json(item: FeedItem) -> dict[str, Any]:
    return {
        "source": item.source,
        "id": item.id,
        "kind": item.kind,
        "occurred_at": when(item.occurred_at),
        "title": item.title,
        "summary": item.summary,
        "author_id": item.author_id,
        "author_name": item.author_name,
        "ref_id": item.ref_id,
        "details": _plain(item.details),
        **{name: getattr(item, name) for name in LINKS},
    }


def task_json(task: HumanTask, process_name: str, subject: Subject | None) -> dict[str, Any]:
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "process": process_name,
        "business_key": task.business_key,
        "element_id": task.element_id,
        "name": task.element_name or task.element_id,
        "lane": task.lane,
        "assignee_id": task.assignee_id,
        "priority": task.priority,
        "status": task.status,
        "created_at": when(task.created_at),
        "due_at": when(task.due_at),
        "completed_by": task.completed_by,
        "completed_at": when(task.completed_at),
        "subject": (
            {"kind": subject.kind, "id": subject.id, "title": subject.title, "client_id": subject.client_id}
            if subject is not None
            else None
        ),
    }


def definition_json(summary: DefinitionSummary) -> dict[str, Any]:
    return {
        "key": summary.key,
        "name": summary.name or summary.key,
        "versions": summary.versions,
        "latest_version": summary.latest_version,
        "latest_id": summary.latest_id,
        "deployed_at": when(summary.deployed_at),
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivered_to": list(delivery.delivered_to),
        "started": list(delivery.started),
        "unmatched_id": delivery.unmatched_id,
    }


def _plain(value: Any) -> Any:
    """Feed details as JSON: dates and other objects become strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
