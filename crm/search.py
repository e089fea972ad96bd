"""One search box over clients, contact persons and potential clients (the appeal wizard's first step).

The query is read as what it looks like: an e-mail (contains "@"), a phone (mostly digits; a full number
hits the ``normalized`` index, a shorter one matches the number's end), an INN (10 or 12 digits), or else
a piece of a name (case-insensitive "contains"; trigram-indexed on PostgreSQL). Results are access-filtered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from crm.access import visible_clients_clause, visible_leads_clause
from crm.accounts.models import User
from crm.clients.models import EMAIL, LEAD_OPEN, PHONE, Client, ContactDetail, ContactPerson, Lead
from crm.clients.normalize import normalize_email, normalize_phone
from engine.db import db

MIN_PHONE_DIGITS = 5
FULL_PHONE_DIGITS = 10
PHONE_QUERY_RE = re.compile(r"^[\d\s()+\-.]+$")


@dataclass(frozen=True)
class SearchHit:
    """One found card: ``entity`` is ``client``, ``contact`` or ``lead``; ``matched`` says by what."""

    entity: str
    id: int
    title: str
    subtitle: str
    client_id: int | None
    matched: str


@dataclass(frozen=True)
class _Plan:
    matched: str  # email | phone | name
    client_match: ColumnElement[bool] | None  # on Client columns (name, INN)
    detail_match: ColumnElement[bool] | None  # on ContactDetail (phones, e-mails)
    contact_match: ColumnElement[bool] | None  # on ContactPerson columns (name)
    lead_match: ColumnElement[bool]


def search_everything(actor: User, query: str, limit: int = 20) -> list[SearchHit]:
    """Clients, contacts and open leads ``actor`` may see that match ``query``: clients first, then contacts,
    then leads; at most ``limit`` hits."""
    text = query.strip()
    if not text:
        return []
    plan = _plan(text)
    hits: list[SearchHit] = []
    seen: set[tuple[str, int]] = set()

    def add(hit: SearchHit) -> None:
        if (hit.entity, hit.id) not in seen and len(hits) < limit:
            seen.add((hit.entity, hit.id))
            hits.append(hit)

    live_visible = (
        Client.merged_into_id.is_(None),
        Client.is_active.is_(True),
        visible_clients_clause(actor),
    )
    client_conditions = [c for c in (plan.client_match,) if c is not None]
    if plan.detail_match is not None:
        by_detail = select(ContactDetail.client_id).where(
            plan.detail_match, ContactDetail.contact_id.is_(None)
        )
        client_conditions.append(Client.id.in_(by_detail))
    stmt = select(Client).where(or_(*client_conditions), *live_visible).order_by(Client.name).limit(limit)
    for client in db.session.scalars(stmt):
        matched = (
            "inn"
            if plan.matched == "phone" and client.inn and client.inn in text.replace(" ", "")
            else plan.matched
        )
        add(
            SearchHit(
                "client", client.id, client.name, client.legal_name or client.inn or "", client.id, matched
            )
        )

    contact_condition = plan.contact_match
    if contact_condition is None and plan.detail_match is not None:
        contact_condition = ContactPerson.id.in_(select(ContactDetail.contact_id).where(plan.detail_match))
    if contact_condition is not None:
        contacts = (
            select(ContactPerson, Client.name)
            .join(Client, Client.id == ContactPerson.client_id)
            .where(contact_condition, ContactPerson.is_active.is_(True), *live_visible)
            .order_by(ContactPerson.full_name)
            .limit(limit)
        )
        for contact, client_name in db.session.execute(contacts):
            add(
                SearchHit(
                    "contact", contact.id, contact.full_name, client_name, contact.client_id, plan.matched
                )
            )

    leads = (
        select(Lead)
        .where(plan.lead_match, Lead.status == LEAD_OPEN, visible_leads_clause(actor))
        .order_by(Lead.id.desc())
        .limit(limit)
    )
    for lead in db.session.scalars(leads):
        add(
            SearchHit(
                "lead", lead.id, lead.name, lead.company_name or lead.phone or lead.email, None, plan.matched
            )
        )
    return hits


def _plan(text: str) -> _Plan:
    if "@" in text:
        email = normalize_email(text)
        return _Plan(
            matched="email",
            client_match=None,
            detail_match=(ContactDetail.kind == EMAIL)
            & ContactDetail.normalized.startswith(email, autoescape=True),
            contact_match=None,
            lead_match=Lead.email_normalized.startswith(email, autoescape=True),
        )
    digits = re.sub(r"\D", "", text)
    if PHONE_QUERY_RE.match(text) and len(digits) >= MIN_PHONE_DIGITS:
        return _Plan(
            matched="phone",
            client_match=Client.inn == digits if len(digits) in (10, 12) else None,
            detail_match=(ContactDetail.kind == PHONE) & _phone_match(ContactDetail.normalized, digits),
            contact_match=None,
            lead_match=_phone_match(Lead.phone_normalized, digits),
        )
    needle = text.lower()
    return _Plan(
        matched="name",
        client_match=or_(
            func.lower(Client.name).contains(needle, autoescape=True),
            func.lower(Client.legal_name).contains(needle, autoescape=True),
        ),
        detail_match=None,
        contact_match=func.lower(ContactPerson.full_name).contains(needle, autoescape=True),
        lead_match=or_(
            func.lower(Lead.name).contains(needle, autoescape=True),
            func.lower(Lead.company_name).contains(needle, autoescape=True),
        ),
    )


def _phone_match(column: Any, digits: str) -> ColumnElement[bool]:
    """A full number hits the index exactly; a shorter piece matches the end of stored numbers."""
    if len(digits) >= FULL_PHONE_DIGITS:
        return column == normalize_phone(digits)  # type: ignore[no-any-return]
    return column.endswith(digits, autoescape=True)  # type: ignore[no-any-return]
