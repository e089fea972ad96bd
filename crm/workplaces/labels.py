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
    """``{business key: Subject}`` for ``interest:<id>`` / ``ticket:<id>`` keys, one query per kind."""
    interest_ids: set[int] = set()
    ticket_ids: set[int] = set()
    for key in business_keys:
        interest_id, ticket_id = owner_of(key)
        if interest_id:
            interest_ids.add(interest_id)
        if ticket_id:
            ticket_ids.add(ticket_id)
    rows: list[tuple[str, int, str, int | None, int | None, str | None, str | None]] = []
    # One query per kind, the client's or potential client's name joined in.
    for kind, model, title, ids in (
        ("interest", Interest, Interest.title, interest_ids),
        ("ticket", Ticket, Ticket.subject, ticket_ids),
    ):
        if not ids:
            continue
        query = (
            select(model.id, title, model.client_id, model.lead_id, Client.name, Lead.name)
            .outerjoin(Client, Client.id == model.client_id)
            .outerjoin(Lead, Lead.id == model.lead_id)
            .where(model.id.in_(ids))
        )
        rows += [(kind, *r) for r in db.session.execute(query).tuples()]
    return {
        f"{kind}:{ident}": Subject(kind, ident, title, client_id, client_name or lead_name or "", lead_id)
        for kind, ident, title, client_id, lead_id, client_name, lead_name in rows
    }
