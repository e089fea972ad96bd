"""Appeals (tickets) and the appeal-type directory. ``_in_session`` variants leave the commit to the caller."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from crm.access import (
    ensure_can_edit_client,
    ensure_can_edit_record,
    ensure_can_view_lead,
    ensure_can_view_record,
    visible_records_clause,
)
from crm.accounts.models import ADMINISTRATOR, User
from crm.clients.services import check_responsible
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.posting import post_feed_entry, update_feed_entry
from crm.history import ACTION_CREATE, ChangeLogEntry, apply_changes, history_of, record_change
from crm.links import resolve_links
from crm.messages import N_, Message
from crm.support.models import (
    CHANNELS,
    OPEN_TICKET_STATUSES,
    PRIORITIES,
    STATUS_CLOSED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_REOPENED,
    STATUS_RESOLVED,
    STATUS_WAITING_CLIENT,
    AppealType,
    Ticket,
)
from engine.db import db, utcnow

SLA_RE = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?( working)?$")
TICKET_FIELDS = ("subject", "description", "priority", "channel", "appeal_type_id")

# Allowed status moves (closing is possible from every open status, e.g. a spam appeal).
NEXT_STATUSES = {
    STATUS_NEW: {STATUS_IN_PROGRESS, STATUS_WAITING_CLIENT, STATUS_RESOLVED, STATUS_CLOSED},
    STATUS_IN_PROGRESS: {STATUS_WAITING_CLIENT, STATUS_RESOLVED, STATUS_CLOSED},
    STATUS_WAITING_CLIENT: {STATUS_IN_PROGRESS, STATUS_RESOLVED, STATUS_CLOSED},
    STATUS_REOPENED: {STATUS_IN_PROGRESS, STATUS_WAITING_CLIENT, STATUS_RESOLVED, STATUS_CLOSED},
    STATUS_RESOLVED: {STATUS_CLOSED, STATUS_REOPENED},
    STATUS_CLOSED: {STATUS_REOPENED},
}


def save_appeal_type(
    actor: User,
    *,
    name: str,
    route_map_key: str = "",
    reaction_sla: str = "",
    processing_sla: str = "",
    default_priority: str = "normal",
    is_active: bool = True,
    appeal_type_id: int | None = None,
) -> AppealType:
    """Create or change an appeal type (administrators); SLAs like ``"PT4H working"`` or ``"P2D"``."""
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may change appeal types"))
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = N_("give a name")
    for field, value in (("reaction_sla", reaction_sla), ("processing_sla", processing_sla)):
        if value and not SLA_RE.match(value.strip()):
            errors[field] = 'an ISO-8601 duration, optionally followed by " working", e.g. "PT4H working"'
    if default_priority not in PRIORITIES:
        errors["default_priority"] = Message(N_("one of %(choices)s"), choices=", ".join(PRIORITIES))
    if errors:
        raise ValidationFailed(errors)
    appeal_type = db.session.get(AppealType, appeal_type_id) if appeal_type_id else AppealType()
    if appeal_type is None:
        raise NotFound(f"appeal type {appeal_type_id} not found")
    appeal_type.name = name.strip()
    appeal_type.route_map_key = route_map_key.strip()
    appeal_type.reaction_sla = reaction_sla.strip()
    appeal_type.processing_sla = processing_sla.strip()
    appeal_type.default_priority = default_priority
    appeal_type.is_active = is_active
    db.session.add(appeal_type)
    db.session.commit()
    return appeal_type


def list_appeal_types(include_inactive: bool = False) -> list[AppealType]:
    """The appeal-type directory by name."""
    stmt = select(AppealType).order_by(AppealType.name)
    if not include_inactive:
        stmt = stmt.where(AppealType.is_active.is_(True))
    return list(db.session.scalars(stmt))


def create_ticket(actor: User | None, data: Mapping[str, Any]) -> Ticket:
    """Register an appeal and commit. Keys: ``subject`` (required), ``description``, ``appeal_type_id``,
    ``client_id``/``contact_id``/``lead_id``/``interest_id`` (the client is taken from the contact or
    interest when not given), ``priority`` (default: the type's), ``channel``, ``responsible_id``."""
    ticket = create_ticket_in_session(actor, data)
    db.session.commit()
    return ticket


def create_ticket_in_session(actor: User | None, data: Mapping[str, Any]) -> Ticket:
    """``create_ticket`` without the commit."""
    links = resolve_links(data)
    if actor is not None:
        if links["client"] is not None:
            ensure_can_edit_client(actor, links["client"])
        elif links["lead"] is not None:
            ensure_can_view_lead(actor, links["lead"])
        elif links["interest"] is not None:
            ensure_can_view_record(actor, links["interest"])
    appeal_type = db.session.get(AppealType, data["appeal_type_id"]) if data.get("appeal_type_id") else None
    if data.get("appeal_type_id") and appeal_type is None:
        raise ValidationFailed({"appeal_type_id": N_("no such appeal type")})
    priority = data.get("priority") or (appeal_type.default_priority if appeal_type else "normal")
    fields = clean_ticket_fields(
        {**data, "priority": priority, "channel": data.get("channel") or "phone"}, partial=False
    )
    owner = links["client"] or links["lead"]
    default_responsible = actor.id if actor else (owner.responsible_id if owner else None)
    responsible = check_responsible(actor, data.get("responsible_id", default_responsible))
    ticket = Ticket(
        **fields,
        client_id=links["client"].id if links["client"] else None,
        contact_id=links["contact"].id if links["contact"] else None,
        lead_id=links["lead"].id if links["lead"] else None,
        interest_id=links["interest"].id if links["interest"] else None,
        status=STATUS_NEW,
        responsible_id=responsible.id if responsible else None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(ticket)
    db.session.flush()
    record_change("ticket", ticket.id, actor.id if actor else None, action=ACTION_CREATE, new=ticket.subject)
    post_feed_entry(
        kind="ticket", ref_id=ticket.id, title=ticket.subject, summary=ticket.description,
        author_id=actor.id if actor else None, client_id=ticket.client_id, contact_id=ticket.contact_id,
        lead_id=ticket.lead_id, interest_id=ticket.interest_id, ticket_id=ticket.id, details=_details(ticket),
    )  # fmt: skip
    return ticket


def get_ticket(actor: User, ticket_id: int) -> Ticket:
    """An appeal, if ``actor`` may see it (through its client/lead or as its responsible)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"appeal {ticket_id} not found")
    ensure_can_view_record(actor, ticket)
    return ticket


def list_tickets(
    actor: User,
    *,
    client_id: int | None = None,
    responsible_id: int | None = None,
    statuses: tuple[str, ...] | None = None,
    open_only: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Ticket], int]:
    """One page of visible appeals (oldest open first, so the Support workplace works them in order)."""
    conditions = [visible_records_clause(Ticket, actor)]
    if client_id is not None:
        conditions.append(Ticket.client_id == client_id)
    if responsible_id is not None:
        conditions.append(Ticket.responsible_id == responsible_id)
    if statuses:
        conditions.append(Ticket.status.in_(statuses))
    if open_only:
        conditions.append(Ticket.status.in_(OPEN_TICKET_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    stmt = (
        select(Ticket).where(*conditions).order_by(Ticket.created_at, Ticket.id).offset(offset).limit(limit)
    )
    return list(db.session.scalars(stmt)), total


def update_ticket(actor: User | None, ticket_id: int, changes: Mapping[str, Any]) -> Ticket:
    """Change an appeal's fields (and ``responsible_id``) and commit; every change is logged."""
    ticket = _load(ticket_id)
    if actor is not None:
        ensure_can_edit_record(actor, ticket)
    user_id = actor.id if actor else None
    apply_changes(ticket, "ticket", clean_ticket_fields(changes, partial=True), user_id, TICKET_FIELDS)
    if "responsible_id" in changes:
        assign_ticket_responsible_in_session(actor, ticket, changes["responsible_id"])
    update_feed_entry("ticket", ticket.id, title=ticket.subject, details=_details(ticket))
    db.session.commit()
    return ticket


def assign_ticket_responsible_in_session(actor: User | None, ticket: Ticket, user_id: int | None) -> None:
    """Make ``user_id`` responsible for the appeal (logged, not committed)."""
    responsible = check_responsible(actor, user_id)
    new_id = responsible.id if responsible else None
    if new_id != ticket.responsible_id:
        record_change("ticket", ticket.id, actor.id if actor else None, field="responsible_id",
                      old=ticket.responsible_id, new=new_id)  # fmt: skip
        ticket.responsible_id = new_id


def set_ticket_status(actor: User | None, ticket_id: int, status: str) -> Ticket:
    """Move an appeal to ``status`` (see ``NEXT_STATUSES``) and commit; stamps resolved/closed times."""
    ticket = set_ticket_status_in_session(actor, ticket_id, status)
    db.session.commit()
    return ticket


def set_ticket_status_in_session(actor: User | None, ticket_id: int, status: str) -> Ticket:
    """``set_ticket_status`` without the commit."""
    ticket = _load(ticket_id)
    if actor is not None:
        ensure_can_edit_record(actor, ticket)
    if status == ticket.status:
        return ticket
    if status not in NEXT_STATUSES.get(ticket.status, set()):
        raise ValidationFailed(
            {
                "status": Message(
                    N_("an appeal that is %(status)s cannot become %(new_status)s"),
                    status=ticket.status,
                    new_status=status,
                )
            }
        )
    now = utcnow()
    record_change(
        "ticket", ticket.id, actor.id if actor else None, field="status", old=ticket.status, new=status
    )
    ticket.status = status
    if status == STATUS_RESOLVED:
        ticket.resolved_at = now
    elif status == STATUS_CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif status == STATUS_REOPENED:
        ticket.resolved_at = None
        ticket.closed_at = None
    update_feed_entry("ticket", ticket.id, details=_details(ticket))
    return ticket


def record_first_response_in_session(ticket_id: int, at: datetime | None = None) -> bool:
    """Stamp the appeal's first answer to the client (reaction time) unless already stamped; no commit."""
    ticket = _load(ticket_id)
    if ticket.first_response_at is not None:
        return False
    ticket.first_response_at = at or utcnow()
    return True


def ticket_history(actor: User, ticket_id: int, limit: int = 200) -> list[ChangeLogEntry]:
    """The change history of an appeal, newest first."""
    return history_of("ticket", get_ticket(actor, ticket_id).id, limit)


def link_ticket_process(ticket_id: int, process_instance_id: int) -> None:
    """Remember the engine instance that drives this appeal (business key ``ticket:<id>``); commit."""
    _load(ticket_id).process_instance_id = process_instance_id
    db.session.commit()


def clean_ticket_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate the appeal fields present in ``data``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in ("subject", "description"):
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
    if (not partial or "subject" in data) and not cleaned.get("subject"):
        errors["subject"] = N_("an appeal needs a subject")
    if "priority" in data:
        cleaned["priority"] = data["priority"]
        if data["priority"] not in PRIORITIES:
            errors["priority"] = Message(N_("one of %(choices)s"), choices=", ".join(PRIORITIES))
    if "channel" in data:
        cleaned["channel"] = data["channel"]
        if data["channel"] not in CHANNELS:
            errors["channel"] = Message(N_("one of %(choices)s"), choices=", ".join(CHANNELS))
    if "appeal_type_id" in data:
        cleaned["appeal_type_id"] = data["appeal_type_id"] or None
        if cleaned["appeal_type_id"] and db.session.get(AppealType, cleaned["appeal_type_id"]) is None:
            errors["appeal_type_id"] = N_("no such appeal type")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _load(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"appeal {ticket_id} not found")
    return ticket


def _details(ticket: Ticket) -> dict[str, Any]:
    return {"status": ticket.status, "priority": ticket.priority, "channel": ticket.channel}
