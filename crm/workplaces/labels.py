"""Names for ids, loaded in one query per kind (task lists, histories, Feeds show people and clients)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from crm.accounts.models import User
from crm.clients.models import Client, Lead
from crm.deals.models import Interest
from crm.feed.process_items import owner_of
from crm.support.models import Ticket
from engine.db import db


@dataclass(frozen=True)
class Subject:
    """What a business key names: an interest or a ticket, with its client (or potential client)."""

    kind: str  # "interest" | "ticket"
    id: int
    title: str
    client_id: int | None
    client_name: str
    lead_id: int | None


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """``{user id: full name}`` for the given ids (unknown ids are left out)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}


def subjects_for(business_keys: Iterable[str | None]) -> dict[str, Subject]:
    """``{business key: Subject}`` for ``interest:<id>`` / ``ticket:<id>`` keys, three queries at most."""
    interest_ids: set[int] = set()
    ticket_ids: set[int] = set()
    for key in business_keys:
        interest_id, ticket_id = owner_of(key)
        if interest_id:
            interest_ids.add(interest_id)
        if ticket_id:
            ticket_ids.add(ticket_id)
    rows: list[tuple[str, int, str, int | None, int | None]] = []
    if interest_ids:
        query = select(Interest.id, Interest.title, Interest.client_id, Interest.lead_id)
        rows += [("interest", *r) for r in db.session.execute(query.where(Interest.id.in_(interest_ids)))]
    if ticket_ids:
        query = select(Ticket.id, Ticket.subject, Ticket.client_id, Ticket.lead_id)
        rows += [("ticket", *r) for r in db.session.execute(query.where(Ticket.id.in_(ticket_ids)))]
    clients = _names(Client, {r[3] for r in rows if r[3]})
    leads = _names(Lead, {r[4] for r in rows if r[4]})
    return {
        f"{kind}:{ident}": Subject(
            kind, ident, title, client_id, clients.get(client_id or 0) or leads.get(lead_id or 0, ""), lead_id
        )
        for kind, ident, title, client_id, lead_id in rows
    }


def _names(model: type[Client] | type[Lead], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return {row.id: row.name for row in rows}
