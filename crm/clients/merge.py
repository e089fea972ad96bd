"""Merging duplicate client cards: everything moves to the kept card, the other one points at it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update

from crm.access import ensure_can_edit_client
from crm.accounts.models import User
from crm.clients.models import Client, ClientRelation, ContactDetail, ContactPerson, Lead
from crm.errors import NotFound, ValidationFailed
from crm.feed.posting import reassign_feed_entries
from crm.history import ACTION_MERGE, ChangeLogEntry, record_change
from crm.messages import N_
from engine.db import db

# Fields copied from the merged card when the kept one has them empty.
FILLABLE_FIELDS = (
    "legal_name", "inn", "kpp", "legal_address", "actual_address", "website", "description",
    "region_id", "segment_id",
)  # fmt: skip


def merge_clients(actor: User, keep_id: int, merge_id: int) -> Client:
    """Merge card ``merge_id`` into ``keep_id`` and commit; the actor must be able to edit both.

    Moves contact persons, phones/e-mails (skipping ones the kept card already has), interests, tickets,
    interactions, notes, relationships, converted leads and the Feed; fills the kept card's empty fields and
    missing portrait values from the merged one; marks the merged card inactive with ``merged_into_id`` and
    records the merge in both cards' history.
    """
    from crm.activities.models import Interaction, Note
    from crm.deals.models import Interest
    from crm.support.models import Ticket

    if keep_id == merge_id:
        raise ValidationFailed({"merge_id": N_("choose two different clients")})
    keep, gone = _live(keep_id), _live(merge_id)
    ensure_can_edit_client(actor, keep)
    ensure_can_edit_client(actor, gone)

    for field in FILLABLE_FIELDS:
        if not getattr(keep, field) and getattr(gone, field):
            record_change("client", keep.id, actor.id, field=field, old=getattr(keep, field),
                          new=getattr(gone, field), action=ACTION_MERGE)  # fmt: skip
            setattr(keep, field, getattr(gone, field))
    if gone.inn == keep.inn:
        gone.inn = None
    portrait: dict[str, Any] = dict(gone.portrait or {})
    portrait.update(keep.portrait or {})
    keep.portrait = portrait

    _move_client_channels(keep.id, gone.id)
    for model in (ContactPerson, Interest, Ticket, Interaction, Note):
        _move(model, model.client_id, gone.id, keep.id)
    db.session.execute(
        update(ContactDetail).where(ContactDetail.client_id == gone.id).values(client_id=keep.id),
        execution_options={"synchronize_session": False},
    )
    _move(Lead, Lead.converted_client_id, gone.id, keep.id)
    _move_relations(keep.id, gone.id)
    reassign_feed_entries(from_client_id=gone.id, to_client_id=keep.id)

    record_change(
        "client", keep.id, actor.id, field="merged", new=f"{gone.id}: {gone.name}", action=ACTION_MERGE
    )
    record_change("client", gone.id, actor.id, field="merged_into_id", new=keep.id, action=ACTION_MERGE)
    gone.merged_into_id = keep.id
    gone.is_active = False
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Client, keep.id)  # type: ignore[return-value]


def merge_history(actor: User, client_id: int) -> list[ChangeLogEntry]:
    """The merge records of a client card (what was merged into it, and when)."""
    client = _live(client_id)
    ensure_can_edit_client(actor, client)
    stmt = (
        select(ChangeLogEntry)
        .where(ChangeLogEntry.entity == "client", ChangeLogEntry.entity_id == client.id)
        .where(ChangeLogEntry.action == ACTION_MERGE)
        .order_by(ChangeLogEntry.id.desc())
    )
    return list(db.session.scalars(stmt))


def _live(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or client.merged_into_id is not None:
        raise NotFound(f"client {client_id} not found")
    return client


def _move(model: Any, column: Any, old_id: int, new_id: int) -> None:
    db.session.execute(
        update(model).where(column == old_id).values({column.key: new_id}),
        execution_options={"synchronize_session": False},
    )


def _move_client_channels(keep_id: int, gone_id: int) -> None:
    """Card-level phones/e-mails of the merged card move unless the kept card already has them."""
    have = set(
        db.session.execute(
            select(ContactDetail.kind, ContactDetail.normalized).where(
                ContactDetail.client_id == keep_id, ContactDetail.contact_id.is_(None)
            )
        ).tuples()
    )
    gone_details = db.session.scalars(
        select(ContactDetail).where(ContactDetail.client_id == gone_id, ContactDetail.contact_id.is_(None))
    )
    for detail in gone_details:
        if (detail.kind, detail.normalized) in have:
            db.session.delete(detail)
        else:
            have.add((detail.kind, detail.normalized))
    db.session.flush()


def _move_relations(keep_id: int, gone_id: int) -> None:
    """Relationships follow the kept card; links between the two cards, or already present ones, go."""
    db.session.execute(
        delete(ClientRelation).where(
            or_(
                (ClientRelation.from_client_id == gone_id) & (ClientRelation.to_client_id == keep_id),
                (ClientRelation.from_client_id == keep_id) & (ClientRelation.to_client_id == gone_id),
            )
        )
    )
    existing = {
        (r.from_client_id, r.to_client_id, r.relation_type)
        for r in db.session.scalars(
            select(ClientRelation).where(
                or_(ClientRelation.from_client_id == keep_id, ClientRelation.to_client_id == keep_id)
            )
        )
    }
    moving = db.session.scalars(
        select(ClientRelation).where(
            or_(ClientRelation.from_client_id == gone_id, ClientRelation.to_client_id == gone_id)
        )
    )
    for relation in moving:
        new_from = keep_id if relation.from_client_id == gone_id else relation.from_client_id
        new_to = keep_id if relation.to_client_id == gone_id else relation.to_client_id
        if (new_from, new_to, relation.relation_type) in existing:
            db.session.delete(relation)
        else:
            relation.from_client_id, relation.to_client_id = new_from, new_to
            existing.add((new_from, new_to, relation.relation_type))
    db.session.flush()
