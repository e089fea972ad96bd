"""The client and contact pickers of task forms: search among what the user may see, and check a choice."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.access import visible_clients_clause
from crm.accounts.models import User
from crm.clients.models import Client, ContactPerson
from engine.db import db

PICKER_LIMIT = 20
KINDS = ("client", "contact")


def search_pickable(actor: User, kind: str, text: str, limit: int = PICKER_LIMIT) -> list[tuple[int, str]]:
    """``(id, label)`` of clients (``kind="client"``) or contact persons matching ``text``, visible to ``actor``."""
    like = f"%{text.strip().lower()}%"
    if kind == "client":
        query = select(Client.id, Client.name).where(visible_clients_clause(actor), Client.is_active)
        if text.strip():
            query = query.where(func.lower(Client.name).like(like))
        rows = query.order_by(Client.name).limit(limit)
    elif kind == "contact":
        label = ContactPerson.full_name + " (" + Client.name + ")"
        query = (
            select(ContactPerson.id, label)
            .join(Client, Client.id == ContactPerson.client_id)
            .where(visible_clients_clause(actor), ContactPerson.is_active)
        )
        if text.strip():
            query = query.where(func.lower(ContactPerson.full_name).like(like))
        rows = query.order_by(ContactPerson.full_name).limit(limit)
    else:
        raise ValueError(f"unknown picker {kind!r}")
    return [(int(i), str(name)) for i, name in db.session.execute(rows).tuples()]


def pickable_label(actor: User, kind: str, ident: int) -> str | None:
    """The label of one client/contact if ``actor`` may pick it, else None (the form rejects the value)."""
    if kind == "client":
        query = select(Client.name).where(Client.id == ident, visible_clients_clause(actor))
    elif kind == "contact":
        query = (
            select(ContactPerson.full_name + " (" + Client.name + ")")
            .join(Client, Client.id == ContactPerson.client_id)
            .where(ContactPerson.id == ident, visible_clients_clause(actor))
        )
    else:
        raise ValueError(f"unknown picker {kind!r}")
    return db.session.scalar(query)
