"""Read-only previews for the merge tool and the lead conversion: what would move, what would be filled,
who would become responsible, and which existing cards look like duplicates (nothing is changed here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from crm.access import can_view_client, ensure_can_edit_client
from crm.accounts.models import User
from crm.clients.duplicates import DuplicateCandidate, find_duplicate_clients
from crm.clients.leads import get_lead
from crm.clients.merge import FILLABLE_FIELDS
from crm.clients.models import (
    LEAD_CONVERTED,
    Client,
    ClientRelation,
    ContactPerson,
    Lead,
)
from crm.errors import NotFound, ValidationFailed
from crm.messages import N_
from engine.db import db


@dataclass
class MergePreview:
    """Both cards side by side and what merging ``gone`` into ``keep`` would do."""

    keep: Client
    gone: Client
    filled_fields: list[str]  # empty on the kept card, taken from the merged one
    filled_portrait: list[str]  # portrait codes the kept card gains
    moving: dict[str, int] = field(default_factory=dict)  # what moves, by kind, with counts


@dataclass
class ConversionPreview:
    """What converting a potential client would move, who becomes responsible, and look-alike clients."""

    lead: Lead
    moving: dict[str, int]
    new_responsible_id: int | None
    new_responsible_name: str
    duplicates: list[DuplicateCandidate]  # look-alikes the actor may open (convert into one of them)
    hidden_duplicates: int  # look-alikes of other managers (not shown)


def merge_candidates(actor: User, client_id: int) -> list[DuplicateCandidate]:
    """Cards that look like this one (same INN, phone, e-mail or a similar name) and that ``actor`` may
    edit, so may merge."""
    client = _live(client_id)
    ensure_can_edit_client(actor, client)
    found = find_duplicate_clients(
        name=client.name,
        inn=client.inn,
        phones=client.phones,
        emails=client.emails,
        exclude_client_id=client.id,
    )
    visible = {c.id for c in db.session.scalars(select(Client).where(Client.id.in_([f.id for f in found])))
               if can_view_client(actor, c)}  # fmt: skip
    return [c for c in found if c.id in visible]


def merge_preview(actor: User, keep_id: int, merge_id: int) -> MergePreview:
    """What ``merge_clients(actor, keep_id, merge_id)`` would do; the actor must be able to edit both."""
    from crm.activities.models import Interaction, Note
    from crm.deals.models import Interest
    from crm.feed.models import FeedEntry
    from crm.support.models import Ticket

    if keep_id == merge_id:
        raise ValidationFailed({"merge_id": N_("choose two different clients")})
    keep, gone = _live(keep_id), _live(merge_id)
    ensure_can_edit_client(actor, keep)
    ensure_can_edit_client(actor, gone)
    filled = [f for f in FILLABLE_FIELDS if not getattr(keep, f) and getattr(gone, f)]
    portrait = sorted(set(gone.portrait or {}) - set(keep.portrait or {}))
    have = {(d.kind, d.normalized) for d in keep.details}
    new_channels = [d for d in gone.details if (d.kind, d.normalized) not in have]
    moving = {
        "contacts": _count(ContactPerson, ContactPerson.client_id == gone.id),
        "phones": sum(1 for d in new_channels if d.kind == "phone"),
        "emails": sum(1 for d in new_channels if d.kind == "email"),
        "interests": _count(Interest, Interest.client_id == gone.id),
        "tickets": _count(Ticket, Ticket.client_id == gone.id),
        "interactions": _count(Interaction, Interaction.client_id == gone.id),
        "notes": _count(Note, Note.client_id == gone.id),
        "relations": _count(
            ClientRelation,
            or_(ClientRelation.from_client_id == gone.id, ClientRelation.to_client_id == gone.id),
            ClientRelation.from_client_id != keep.id,
            ClientRelation.to_client_id != keep.id,
        ),
        "leads": _count(Lead, Lead.converted_client_id == gone.id),
        "feed": _count(FeedEntry, FeedEntry.client_id == gone.id),
    }
    return MergePreview(keep, gone, filled, portrait, moving)


def conversion_preview(actor: User, lead_id: int) -> ConversionPreview:
    """What ``convert_lead`` would move for this potential client and who would become responsible (the
    manager of its latest interest, else its responsible user, else the actor)."""
    from crm.activities.models import Interaction, Note
    from crm.deals.models import Interest
    from crm.feed.models import FeedEntry
    from crm.support.models import Ticket

    lead = get_lead(actor, lead_id)
    if lead.status == LEAD_CONVERTED:
        raise ValidationFailed({"status": N_("this potential client is already converted")})
    moving = {
        "interests": _count(Interest, Interest.lead_id == lead.id),
        "tickets": _count(Ticket, Ticket.lead_id == lead.id),
        "interactions": _count(Interaction, Interaction.lead_id == lead.id),
        "notes": _count(Note, Note.lead_id == lead.id),
        "feed": _count(FeedEntry, FeedEntry.lead_id == lead.id),
    }
    manager_id = db.session.scalar(
        select(Interest.responsible_id)
        .where(Interest.lead_id == lead.id, Interest.responsible_id.is_not(None))
        .order_by(Interest.id.desc())
        .limit(1)
    )
    manager_id = manager_id or lead.responsible_id or actor.id
    manager_name = db.session.scalar(select(User.full_name).where(User.id == manager_id)) or ""
    found = find_duplicate_clients(
        name=lead.company_name or lead.name,
        phones=[lead.phone] if lead.phone else [],
        emails=[lead.email] if lead.email else [],
    )
    clients = {
        c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_([f.id for f in found])))
    }
    shown = [f for f in found if f.id in clients and can_view_client(actor, clients[f.id])]
    return ConversionPreview(lead, moving, manager_id, manager_name, shown, len(found) - len(shown))


def _count(model: Any, *conditions: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def _live(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or client.merged_into_id is not None:
        raise NotFound(f"client {client_id} not found")
    return client
