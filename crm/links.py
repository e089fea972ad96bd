"""Resolving what a document (ticket, interaction, note) is attached to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.errors import NotFound
from engine.db import db


def resolve_links(
    data: Mapping[str, Any], keys: tuple[str, ...] = ("client", "contact", "lead", "interest")
) -> dict[str, Any]:
    """Load the client/contact/lead/interest/ticket rows named by ``<key>_id`` in ``data``.

    The client (and lead) follow from a contact, interest or ticket when not given, so every document carries
    the client it belongs to — access rules and the client's Feed rely on that. A merged client resolves to
    the card it was merged into. Raises ``NotFound`` for an id that does not exist.
    """
    from crm.clients.models import Client, ContactPerson, Lead
    from crm.deals.models import Interest
    from crm.support.models import Ticket

    models = {
        "client": Client,
        "contact": ContactPerson,
        "lead": Lead,
        "interest": Interest,
        "ticket": Ticket,
    }
    loaded: dict[str, Any] = {key: None for key in models}
    for key in keys:
        ident = data.get(f"{key}_id")
        loaded[key] = db.session.get(models[key], ident) if ident else None
        if ident and loaded[key] is None:
            raise NotFound(f"{key} {ident} not found")
    for parent in ("ticket", "interest", "contact"):
        row = loaded[parent]
        if row is None:
            continue
        if loaded["client"] is None and getattr(row, "client_id", None):
            loaded["client"] = db.session.get(Client, row.client_id)
        if loaded["lead"] is None and getattr(row, "lead_id", None):
            loaded["lead"] = db.session.get(Lead, row.lead_id)
        if loaded["interest"] is None and getattr(row, "interest_id", None):
            loaded["interest"] = db.session.get(Interest, row.interest_id)
        if loaded["contact"] is None and getattr(row, "contact_id", None):
            loaded["contact"] = db.session.get(ContactPerson, row.contact_id)
    if loaded["client"] is not None and loaded["client"].merged_into_id is not None:
        loaded["client"] = db.session.get(Client, loaded["client"].merged_into_id)
    return loaded


def link_ids(links: Mapping[str, Any]) -> dict[str, int | None]:
    """``{"client_id": ..., "contact_id": ..., ...}`` of resolved links."""
    return {f"{key}_id": (row.id if row is not None else None) for key, row in links.items()}
