"""Gathering what status rules look at, for a batch of clients at once (a handful of queries per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select, type_coerce

from crm.activities.models import INTERACTION_DONE, Interaction
from crm.clients.models import Client
from crm.deals.models import Interest
from crm.statuses.conditions import ClientFacts, InterestFact
from crm.statuses.models import ClientStatusChange, ClientWorkState
from engine.db import UTCDateTime, db


def facts_for_clients(client_ids: Sequence[int]) -> dict[int, ClientFacts]:
    """Facts of these clients (unknown ids are left out)."""
    if not client_ids:
        return {}
    ids = list(client_ids)
    facts = {
        row.id: ClientFacts(client_id=row.id, created_at=row.created_at)
        for row in db.session.execute(select(Client.id, Client.created_at).where(Client.id.in_(ids)))
    }
    for state in db.session.scalars(select(ClientWorkState).where(ClientWorkState.client_id.in_(ids))):
        if state.client_id in facts:
            facts[state.client_id].flags = state.flags

    interest_rows = db.session.execute(
        select(Interest.client_id, Interest.outcome, Interest.amount, Interest.created_at, Interest.closed_at)
        .where(Interest.client_id.in_(ids))
        .order_by(Interest.id)
    )
    for row in interest_rows:
        facts[row.client_id].interests.append(
            InterestFact(
                outcome=row.outcome if row.closed_at is not None else None,
                amount=Decimal(row.amount or 0),
                created_at=row.created_at,
                closed_at=row.closed_at,
            )
        )

    happened = func.coalesce(Interaction.actual_at, Interaction.planned_at, Interaction.created_at)
    last_rows = db.session.execute(
        select(Interaction.client_id, type_coerce(func.max(happened), UTCDateTime).label("last"))
        .where(Interaction.client_id.in_(ids), Interaction.status == INTERACTION_DONE)
        .group_by(Interaction.client_id)
    )
    for row in last_rows:
        facts[row.client_id].last_interaction_at = row.last

    entered_rows = db.session.execute(
        select(
            ClientStatusChange.client_id,
            ClientStatusChange.new_status,
            type_coerce(func.max(ClientStatusChange.at), UTCDateTime),
        )
        .where(ClientStatusChange.client_id.in_(ids))
        .group_by(ClientStatusChange.client_id, ClientStatusChange.new_status)
    )
    for client_id, status, at in entered_rows:
        facts[client_id].status_entered_at[status] = at
    return facts
