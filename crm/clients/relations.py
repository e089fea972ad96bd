"""Relationships between clients (parent/subsidiary, partner, competitor, counterparty), seen from both sides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from crm.access import ensure_can_edit_client, ensure_can_view_client
from crm.accounts.models import User
from crm.clients.models import RELATION_INVERSE, RELATION_TYPES, Client, ClientRelation
from crm.errors import NotFound, ValidationFailed
from crm.history import ACTION_CREATE, ACTION_DELETE, record_change
from crm.messages import N_, Message
from engine.db import db


@dataclass(frozen=True)
class RelationView:
    """A link as one client sees it: ``relation_type`` is what the *other* client is to this one."""

    relation_id: int
    other_client_id: int
    other_client_name: str
    relation_type: str
    comment: str


def link_clients(
    actor: User, from_client_id: int, to_client_id: int, relation_type: str, comment: str = ""
) -> ClientRelation:
    """Record that ``to`` is ``relation_type`` of ``from`` (e.g. "subsidiary") and commit.

    The other card shows the inverse type ("parent"). The actor must be able to edit ``from`` and see ``to``.
    """
    if relation_type not in RELATION_TYPES:
        raise ValidationFailed(
            {"relation_type": Message(N_("one of %(choices)s"), choices=", ".join(RELATION_TYPES))}
        )
    if from_client_id == to_client_id:
        raise ValidationFailed({"to_client_id": N_("a client cannot be linked to itself")})
    source, target = _client(from_client_id), _client(to_client_id)
    ensure_can_edit_client(actor, source)
    ensure_can_view_client(actor, target)
    existing = db.session.scalars(
        select(ClientRelation).where(
            or_(
                (ClientRelation.from_client_id == source.id)
                & (ClientRelation.to_client_id == target.id)
                & (ClientRelation.relation_type == relation_type),
                (ClientRelation.from_client_id == target.id)
                & (ClientRelation.to_client_id == source.id)
                & (ClientRelation.relation_type == RELATION_INVERSE[relation_type]),
            )
        )
    ).first()
    if existing is not None:
        return existing
    relation = ClientRelation(
        from_client_id=source.id,
        to_client_id=target.id,
        relation_type=relation_type,
        comment=comment,
        created_by_id=actor.id,
    )
    db.session.add(relation)
    record_change("client", source.id, actor.id, field="relation", new=f"{relation_type}: {target.name}",
                  action=ACTION_CREATE)  # fmt: skip
    record_change("client", target.id, actor.id, field="relation",
                  new=f"{RELATION_INVERSE[relation_type]}: {source.name}", action=ACTION_CREATE)  # fmt: skip
    db.session.commit()
    return relation


def unlink_clients(actor: User, relation_id: int) -> None:
    """Remove a relationship (the actor must be able to edit one of the two clients) and commit."""
    relation = db.session.get(ClientRelation, relation_id)
    if relation is None:
        raise NotFound(f"relationship {relation_id} not found")
    source = _client(relation.from_client_id)
    target = _client(relation.to_client_id)
    try:
        ensure_can_edit_client(actor, source)
    except Exception:
        ensure_can_edit_client(actor, target)
    for client, kind, other in ((source, relation.relation_type, target),
                                (target, RELATION_INVERSE[relation.relation_type], source)):  # fmt: skip
        record_change("client", client.id, actor.id, field="relation", old=f"{kind}: {other.name}",
                      action=ACTION_DELETE)  # fmt: skip
    db.session.delete(relation)
    db.session.commit()


def relations_of(actor: User, client_id: int) -> list[RelationView]:
    """Every relationship of a client, whichever side recorded it, typed from this client's point of view."""
    client = _client(client_id)
    ensure_can_view_client(actor, client)
    stmt = select(ClientRelation).where(
        or_(ClientRelation.from_client_id == client.id, ClientRelation.to_client_id == client.id)
    )
    relations = list(db.session.scalars(stmt))
    other_ids = {r.to_client_id if r.from_client_id == client.id else r.from_client_id for r in relations}
    names: dict[int, str] = {}
    if other_ids:
        rows = db.session.execute(select(Client.id, Client.name).where(Client.id.in_(other_ids)))
        names = {row.id: row.name for row in rows}
    views = []
    for relation in relations:
        outgoing = relation.from_client_id == client.id
        other_id = relation.to_client_id if outgoing else relation.from_client_id
        kind = relation.relation_type if outgoing else RELATION_INVERSE[relation.relation_type]
        views.append(RelationView(relation.id, other_id, names.get(other_id, ""), kind, relation.comment))
    return sorted(views, key=lambda v: (v.relation_type, v.other_client_name))


def _client(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or client.merged_into_id is not None:
        raise NotFound(f"client {client_id} not found")
    return client
