"""Read queries of the Clients workplace that no single service answers: the filtered client list with each
row's status and quality, filter choices, and the note bodies a Feed page shows.

Access: every query here goes through ``crm.access`` clauses, so a list never shows a card its reader may
not open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from crm.access import visible_clients_clause
from crm.accounts.models import User
from crm.activities.models import Note
from crm.clients.models import Client, Segment
from crm.errors import ValidationFailed
from crm.messages import N_
from crm.quality.services import AMBER, GREEN, RED, QualityResult, quality_for_clients
from crm.statuses.models import DEFAULT_STATUS, STATUS_CODES, ClientWorkState, WorkStatus
from crm.statuses.services import statuses_for_clients
from engine.db import db

QUALITY_COLOURS = (RED, AMBER, GREEN)
# "Not calculable" is a colour of its own in the filter: the card then lists the setup actions.
QUALITY_NONE = "none"
QUALITY_FILTERS = (*QUALITY_COLOURS, QUALITY_NONE)
# The quality filter evaluates the indicator in batches of this many clients.
QUALITY_BATCH = 500


@dataclass(frozen=True)
class ClientFilters:
    """What the client list is narrowed by (all optional)."""

    search: str = ""
    status: str | None = None
    segment_id: int | None = None
    responsible_id: int | None = None
    quality: str | None = None  # red | amber | green | none


@dataclass(frozen=True)
class ClientRow:
    client: Client
    status: WorkStatus
    quality: QualityResult


@dataclass(frozen=True)
class ClientListPage:
    rows: list[ClientRow]
    total: int


def client_list_page(
    actor: User, filters: ClientFilters, *, offset: int = 0, limit: int = 50
) -> ClientListPage:
    """One page of the clients ``actor`` may see, by name, with each one's work status and quality.

    ``search`` matches the name, legal name or INN. The quality colour is computed, not stored, so with that
    filter the other filters narrow the set first and the indicator is evaluated over it in batches.
    """
    conditions = _conditions(actor, filters)
    order = (Client.name, Client.id)
    if filters.quality:
        ids = _ids_with_quality(conditions, order, filters.quality)
        page_ids = ids[offset : offset + limit]
        clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(page_ids)))}
        page = [clients[i] for i in page_ids]
        total = len(ids)
    else:
        total = db.session.scalar(select(func.count()).select_from(Client).where(*conditions)) or 0
        page = list(
            db.session.scalars(select(Client).where(*conditions).order_by(*order).offset(offset).limit(limit))
        )
    ids = [c.id for c in page]
    statuses = statuses_for_clients(ids)
    qualities = quality_for_clients(ids)
    return ClientListPage([ClientRow(c, statuses[c.id], qualities[c.id]) for c in page], total)


def _conditions(actor: User, filters: ClientFilters) -> list:  # type: ignore[type-arg]
    conditions = [visible_clients_clause(actor), Client.merged_into_id.is_(None), Client.is_active.is_(True)]
    text = filters.search.strip()
    if text:
        needle = text.lower()
        conditions.append(
            func.lower(Client.name).contains(needle, autoescape=True)
            | func.lower(Client.legal_name).contains(needle, autoescape=True)
            | (Client.inn == text.replace(" ", ""))
        )
    if filters.status:
        if filters.status not in STATUS_CODES:
            raise ValidationFailed({"status": N_("no such work status")})
        stored = select(ClientWorkState.client_id).where(ClientWorkState.status == filters.status)
        if filters.status == DEFAULT_STATUS:
            # Clients never calculated are "New" too.
            calculated = select(ClientWorkState.client_id)
            conditions.append(Client.id.in_(stored) | Client.id.not_in(calculated))
        else:
            conditions.append(Client.id.in_(stored))
    if filters.segment_id is not None:
        conditions.append(Client.segment_id == filters.segment_id)
    if filters.responsible_id is not None:
        conditions.append(Client.responsible_id == filters.responsible_id)
    if filters.quality and filters.quality not in QUALITY_FILTERS:
        raise ValidationFailed({"quality": N_("red, amber, green or none")})
    return conditions


def _ids_with_quality(conditions: list, order: tuple, quality: str) -> list[int]:  # type: ignore[type-arg]
    all_ids = list(db.session.scalars(select(Client.id).where(*conditions).order_by(*order)))
    matching: list[int] = []
    for start in range(0, len(all_ids), QUALITY_BATCH):
        batch = all_ids[start : start + QUALITY_BATCH]
        results = quality_for_clients(batch)
        for cid in batch:
            colour = results[cid].colour or QUALITY_NONE
            if colour == quality:
                matching.append(cid)
    return matching


def segment_choices() -> list[tuple[int, str]]:
    """Every client segment as ``(id, name)``, by name (for the list filter and the client form)."""
    return [(s.id, s.name) for s in db.session.scalars(select(Segment).order_by(Segment.name))]


def responsible_choices(actor: User) -> list[tuple[int, str]]:
    """Users responsible for at least one client ``actor`` may see, as ``(id, full name)``."""
    responsible = (
        select(Client.responsible_id)
        .where(visible_clients_clause(actor), Client.merged_into_id.is_(None))
        .distinct()
    )
    stmt = select(User.id, User.full_name).where(User.id.in_(responsible)).order_by(User.full_name)
    return [(row.id, row.full_name) for row in db.session.execute(stmt)]


def note_bodies(note_ids: Iterable[int]) -> dict[int, str]:
    """The sanitized HTML of notes by id, in one query (a Feed page already checked access to them)."""
    ids = sorted(set(note_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Note.id, Note.body_html).where(Note.id.in_(ids))).tuples().all())
