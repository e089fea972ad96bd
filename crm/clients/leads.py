"""Potential clients (leads) and their conversion into a real client (SPEC #19)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update

from crm.access import ensure_can_view_client, ensure_can_view_lead, visible_leads_clause
from crm.accounts.models import EMPLOYEE, MANAGER, User
from crm.clients.contacts import add_contact_in_session
from crm.clients.models import LEAD_CONVERTED, LEAD_OPEN, LEAD_REJECTED, PERSON, Client, ContactPerson, Lead
from crm.clients.normalize import is_valid_email, is_valid_phone, normalize_email, normalize_phone
from crm.clients.services import check_responsible, create_client_in_session
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.posting import post_feed_entry, reassign_feed_entries
from crm.history import (
    ACTION_CONVERT,
    ACTION_CREATE,
    ChangeLogEntry,
    apply_changes,
    history_of,
    record_change,
)
from crm.messages import N_
from engine.db import db, utcnow

LEAD_FIELDS = ("name", "company_name", "phone", "email", "source", "comment", "region_id", "status")


def create_lead(actor: User | None, data: Mapping[str, Any]) -> Lead:
    """Register a potential client and commit. Keys: ``name`` (required), ``company_name``, ``phone``,
    ``email``, ``source``, ``comment``, ``region_id``, ``responsible_id`` (default: the actor)."""
    lead = create_lead_in_session(actor, data)
    db.session.commit()
    return lead


def create_lead_in_session(actor: User | None, data: Mapping[str, Any]) -> Lead:
    """``create_lead`` without the commit."""
    if actor is not None and not actor.has_role(MANAGER, EMPLOYEE):
        raise AccessDenied(N_("you may not register potential clients"))
    fields = clean_lead_fields(data, partial=False)
    responsible = check_responsible(actor, data.get("responsible_id", actor.id if actor else None))
    lead = Lead(
        **fields,
        phone_normalized=normalize_phone(fields.get("phone", "")),
        email_normalized=normalize_email(fields.get("email", "")),
        responsible_id=responsible.id if responsible else None,
        department_id=responsible.department_id if responsible else None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(lead)
    db.session.flush()
    record_change("lead", lead.id, actor.id if actor else None, action=ACTION_CREATE, new=lead.name)
    post_feed_entry(
        kind="lead", ref_id=lead.id, title=lead.name, summary=lead.comment, lead_id=lead.id,
        author_id=actor.id if actor else None, details={"source": lead.source},
    )  # fmt: skip
    return lead


def get_lead(actor: User, lead_id: int) -> Lead:
    """A potential client, if ``actor`` may see it."""
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"potential client {lead_id} not found")
    ensure_can_view_lead(actor, lead)
    return lead


def list_leads(
    actor: User, *, status: str | None = LEAD_OPEN, name_contains: str = "", offset: int = 0, limit: int = 50
) -> tuple[list[Lead], int]:
    """One page of visible potential clients (newest first) and the filtered total."""
    conditions = [visible_leads_clause(actor)]
    if status:
        conditions.append(Lead.status == status)
    if name_contains.strip():
        conditions.append(func.lower(Lead.name).contains(name_contains.strip().lower(), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(Lead).where(*conditions)) or 0
    stmt = select(Lead).where(*conditions).order_by(Lead.id.desc()).offset(offset).limit(limit)
    return list(db.session.scalars(stmt)), total


def update_lead(actor: User | None, lead_id: int, changes: Mapping[str, Any]) -> Lead:
    """Change a potential client and commit; changes go to the change history."""
    lead = update_lead_in_session(actor, lead_id, changes)
    db.session.commit()
    return lead


def update_lead_in_session(actor: User | None, lead_id: int, changes: Mapping[str, Any]) -> Lead:
    """``update_lead`` without the commit."""
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"potential client {lead_id} not found")
    if actor is not None:
        ensure_can_view_lead(actor, lead)
    user_id = actor.id if actor else None
    applied = apply_changes(lead, "lead", clean_lead_fields(changes, partial=True), user_id, LEAD_FIELDS)
    if "phone" in applied:
        lead.phone_normalized = normalize_phone(lead.phone)
    if "email" in applied:
        lead.email_normalized = normalize_email(lead.email)
    if "responsible_id" in changes and changes["responsible_id"] != lead.responsible_id:
        responsible = check_responsible(actor, changes["responsible_id"])
        new_id = responsible.id if responsible else None
        record_change("lead", lead.id, user_id, field="responsible_id", old=lead.responsible_id, new=new_id)
        lead.responsible_id = new_id
        lead.department_id = responsible.department_id if responsible else None
    db.session.flush()
    return lead


def lead_history(actor: User, lead_id: int, limit: int = 200) -> list[ChangeLogEntry]:
    """The change history of a potential client, newest first."""
    return history_of("lead", get_lead(actor, lead_id).id, limit)


def convert_lead(
    actor: User,
    lead_id: int,
    *,
    client_data: Mapping[str, Any] | None = None,
    into_client_id: int | None = None,
    allow_duplicate: bool = False,
) -> tuple[Client, ContactPerson]:
    """Turn a potential client into a client with a contact person and commit (SPEC #19).

    Creates the client (a company when the lead names one, else a person; ``client_data`` overrides the
    fields) — or uses ``into_client_id`` when the client already exists — adds the lead as a contact
    person, moves every interest, interaction, note and ticket of the lead to the client (they keep
    ``lead_id`` as provenance) and makes the manager of the lead's latest interest responsible for the new
    client (else the lead's responsible user, else the actor). ``DuplicateFound`` is raised as on create.
    """
    from crm.activities.models import Interaction, Note
    from crm.deals.models import Interest
    from crm.support.models import Ticket

    lead = get_lead(actor, lead_id)
    if lead.status == LEAD_CONVERTED:
        raise ValidationFailed({"status": N_("this potential client is already converted")})
    latest_interest_manager = db.session.scalar(
        select(Interest.responsible_id)
        .where(Interest.lead_id == lead.id, Interest.responsible_id.is_not(None))
        .order_by(Interest.id.desc())
        .limit(1)
    )
    manager_id = latest_interest_manager or lead.responsible_id or actor.id
    if into_client_id is not None:
        client = db.session.get(Client, into_client_id)
        if client is None or client.merged_into_id is not None:
            raise NotFound(f"client {into_client_id} not found")
        ensure_can_view_client(actor, client)
    else:
        data: dict[str, Any] = {
            "name": lead.company_name or lead.name,
            "kind": "company" if lead.company_name else PERSON,
            "phones": [lead.phone] if lead.phone and not lead.company_name else [],
            "emails": [lead.email] if lead.email and not lead.company_name else [],
            "region_id": lead.region_id,
            "responsible_id": manager_id,
            **dict(client_data or {}),
        }
        client = create_client_in_session(actor, data, allow_duplicate=allow_duplicate, any_responsible=True)
        client.created_by_id = actor.id
    contact = add_contact_in_session(
        None,
        client.id,
        {"full_name": lead.name, "phones": [lead.phone] if lead.phone else [],
         "emails": [lead.email] if lead.email else [], "comment": lead.comment},
        allow_duplicate=True,
    )  # fmt: skip
    for model in (Interest, Interaction, Note, Ticket):
        db.session.execute(
            update(model).where(model.lead_id == lead.id).values(client_id=client.id),
            execution_options={"synchronize_session": False},
        )
        db.session.execute(
            update(model)
            .where(model.lead_id == lead.id, model.contact_id.is_(None))
            .values(contact_id=contact.id),
            execution_options={"synchronize_session": False},
        )
    reassign_feed_entries(from_lead_id=lead.id, to_client_id=client.id, contact_id=contact.id)
    record_change("lead", lead.id, actor.id, field="status", old=lead.status, new=LEAD_CONVERTED,
                  action=ACTION_CONVERT)  # fmt: skip
    record_change("client", client.id, actor.id, field="lead_id", new=lead.id, action=ACTION_CONVERT)
    lead.status = LEAD_CONVERTED
    lead.converted_client_id = client.id
    lead.converted_contact_id = contact.id
    lead.converted_at = utcnow()
    db.session.commit()
    db.session.expire_all()
    return client, contact


def clean_lead_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate the lead fields present in ``data``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in ("name", "company_name", "phone", "email", "source", "comment"):
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
    if (not partial or "name" in data) and not cleaned.get("name"):
        errors["name"] = N_("a potential client needs a name")
    if cleaned.get("phone") and not is_valid_phone(cleaned["phone"]):
        errors["phone"] = N_("not a phone number")
    if cleaned.get("email") and not is_valid_email(cleaned["email"]):
        errors["email"] = N_("not an e-mail address")
    if "region_id" in data:
        cleaned["region_id"] = data["region_id"] or None
    if "status" in data:
        if data["status"] not in (LEAD_OPEN, LEAD_REJECTED):
            errors["status"] = N_("open or rejected (conversion sets converted)")
        cleaned["status"] = data["status"]
    if errors:
        raise ValidationFailed(errors)
    return cleaned
