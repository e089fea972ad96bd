"""Reading a Feed: everything about a client, contact, lead, interest or ticket, newest first, keyset-paged.

One page = one index range scan of ``feed_entries`` for the owner (documents) + one query of the engine's
event log by business key (the processes of the owner's interests and tickets), merged in memory by the
shared sort key. See docs/decisions/feed.md for why and for the measured times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, union_all

from crm.access import ensure_can_view_client, ensure_can_view_lead, ensure_can_view_record
from crm.accounts.models import User
from crm.clients.models import Client, ContactPerson, Lead
from crm.deals.models import Interest
from crm.errors import NotFound, ValidationFailed
from crm.feed.cursor import (
    DOCUMENT,
    PROCESS,
    SOURCE_RANK,
    FeedKey,
    decode_cursor,
    encode_cursor,
    merge_newest_first,
)
from crm.feed.errors import FeedScopeInvalid
from crm.feed.models import DOCUMENT_KINDS, LETTER, MAIL, FeedEntry
from crm.feed.process_items import FEED_PROCESS_KINDS, PROCESS_ALIAS, describe, owner_of
from crm.messages import N_, Message
from crm.support.models import Ticket
from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.events import ProcessEvent

MAX_LIMIT = 200


@dataclass(frozen=True)
class FeedItem:
    """One line of a Feed, whichever source it came from."""

    source: str  # "document" | "process"
    id: int  # feed_entries.id or process_events.id
    kind: str  # a document kind (note, call, letter...) or a process event kind (variant_chosen...)
    occurred_at: datetime
    title: str
    summary: str
    author_id: int | None
    author_name: str
    ref_id: int | None  # the document's own id (None for process events)
    client_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None
    interest_id: int | None = None
    ticket_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> FeedKey:
        return FeedKey(self.occurred_at, SOURCE_RANK[self.source], self.id)


@dataclass(frozen=True)
class FeedPage:
    entries: list[FeedItem]
    next_cursor: str | None  # pass as ``before`` for the next (older) page; None on the last page


@dataclass(frozen=True)
class _Scope:
    """Which rows belong to the Feed asked for."""

    document_filter: Any  # SQL condition on FeedEntry
    business_keys: list[str]


def feed_for(
    actor: User,
    *,
    client_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
    kinds: Sequence[str] | None = None,
    before: str | None = None,
    limit: int = 30,
) -> FeedPage:
    """One page of the Feed of exactly one owner, newest first.

    ``kinds`` keeps only those kinds (document kinds such as ``letter``, process kinds such as
    ``variant_chosen``, or ``process`` for every process kind). ``before`` is the ``next_cursor`` of the
    previous page. Raises ``AccessDenied`` when ``actor`` may not see the owner's client, ``NotFound`` for an
    unknown owner, ``ValidationFailed`` for unknown kinds or a bad cursor.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed({"limit": Message(N_("Between 1 and %(limit)s."), limit=MAX_LIMIT)})
    doc_kinds, process_kinds = _split_kinds(kinds)
    scope = _resolve_scope(actor, client_id, contact_id, lead_id, interest_id, ticket_id)
    cursor = decode_cursor(before) if before else None

    documents = _document_items(scope, doc_kinds, cursor, limit + 1) if doc_kinds else []
    processes = _process_items(scope, process_kinds, cursor, limit + 1) if process_kinds else []
    page, more = merge_newest_first([documents, processes], limit)
    return FeedPage(_with_author_names(page), encode_cursor(page[-1].key) if more and page else None)


def _split_kinds(kinds: Sequence[str] | None) -> tuple[list[str], list[str]]:
    if not kinds:
        return list(DOCUMENT_KINDS), list(FEED_PROCESS_KINDS)
    wanted = set(kinds)
    if LETTER in wanted:  # "letters" are the recorded ones and the CRM's mail alike
        wanted.add(MAIL)
    if PROCESS_ALIAS in wanted:
        wanted |= set(FEED_PROCESS_KINDS)
        wanted.discard(PROCESS_ALIAS)
    unknown = wanted - set(DOCUMENT_KINDS) - set(FEED_PROCESS_KINDS)
    if unknown:
        raise ValidationFailed(
            {"kinds": Message(N_("Unknown Feed kind(s): %(kinds)s"), kinds=", ".join(sorted(unknown)))}
        )
    return [k for k in DOCUMENT_KINDS if k in wanted], [k for k in FEED_PROCESS_KINDS if k in wanted]


def _resolve_scope(
    actor: User,
    client_id: int | None,
    contact_id: int | None,
    lead_id: int | None,
    interest_id: int | None,
    ticket_id: int | None,
) -> _Scope:
    given = [x for x in (client_id, contact_id, lead_id, interest_id, ticket_id) if x is not None]
    if len(given) != 1:
        raise FeedScopeInvalid(N_("A Feed belongs to exactly one client, contact, lead, interest or ticket."))
    if client_id is not None:
        ensure_can_view_client(actor, _get(Client, client_id))
        keys = _business_keys(Interest.client_id == client_id, Ticket.client_id == client_id)
        return _Scope(FeedEntry.client_id == client_id, keys)
    if contact_id is not None:
        contact = _get(ContactPerson, contact_id)
        ensure_can_view_client(actor, _get(Client, contact.client_id))
        # Through the client's indexed foreign key, then narrowed to this contact.
        keys = _business_keys(
            and_(Interest.client_id == contact.client_id, Interest.contact_id == contact_id),
            and_(Ticket.client_id == contact.client_id, Ticket.contact_id == contact_id),
        )
        return _Scope(FeedEntry.contact_id == contact_id, keys)
    if lead_id is not None:
        ensure_can_view_lead(actor, _get(Lead, lead_id))
        keys = _business_keys(Interest.lead_id == lead_id, Ticket.lead_id == lead_id)
        return _Scope(FeedEntry.lead_id == lead_id, keys)
    if interest_id is not None:
        interest = _get(Interest, interest_id)
        ensure_can_view_record(actor, interest)
        return _Scope(FeedEntry.interest_id == interest_id, [f"interest:{interest_id}"])
    assert ticket_id is not None
    ticket = _get(Ticket, ticket_id)
    ensure_can_view_record(actor, ticket)
    return _Scope(FeedEntry.ticket_id == ticket_id, [f"ticket:{ticket_id}"])


def _get(model: Any, ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(f"{model.__name__} {ident} does not exist.")
    return row


def _business_keys(interests: Any, tickets: Any) -> list[str]:
    """The engine business keys of the interests and tickets matching the two conditions, in one query."""
    query = union_all(
        select(literal("interest").label("kind"), Interest.id.label("id")).where(interests),
        select(literal("ticket").label("kind"), Ticket.id.label("id")).where(tickets),
    )
    return [f"{kind}:{ident}" for kind, ident in db.session.execute(query)]


def _below(at_col: Any, id_col: Any, cursor: FeedKey | None, source: str) -> Any:
    """Rows of ``source`` strictly after ``cursor`` in newest-first order (see crm.feed.cursor)."""
    if cursor is None:
        return None
    if cursor.source == source:
        # ``at <= t`` first so PostgreSQL/SQLite use it as an index bound; the OR only settles ties.
        return and_(at_col <= cursor.occurred_at, or_(at_col < cursor.occurred_at, id_col < cursor.id))
    if SOURCE_RANK[source] < cursor.rank:
        return at_col <= cursor.occurred_at
    return at_col < cursor.occurred_at


def _document_items(scope: _Scope, kinds: list[str], cursor: FeedKey | None, n: int) -> list[FeedItem]:
    q: Select[tuple[FeedEntry]] = select(FeedEntry).where(scope.document_filter)
    if len(kinds) != len(DOCUMENT_KINDS):
        q = q.where(FeedEntry.kind.in_(kinds))
    bound = _below(FeedEntry.occurred_at, FeedEntry.id, cursor, DOCUMENT)
    if bound is not None:
        q = q.where(bound)
    q = q.order_by(FeedEntry.occurred_at.desc(), FeedEntry.id.desc()).limit(n)
    return [
        FeedItem(
            source=DOCUMENT,
            id=row.id,
            kind=row.kind,
            occurred_at=row.occurred_at,
            title=row.title,
            summary=row.summary,
            author_id=row.author_id,
            author_name="",
            ref_id=row.ref_id,
            client_id=row.client_id,
            contact_id=row.contact_id,
            lead_id=row.lead_id,
            interest_id=row.interest_id,
            ticket_id=row.ticket_id,
            details=dict(row.details or {}),
        )
        for row in db.session.scalars(q)
    ]


def _process_items(scope: _Scope, kinds: list[str], cursor: FeedKey | None, n: int) -> list[FeedItem]:
    if not scope.business_keys:
        return []
    q = select(ProcessEvent).where(ProcessEvent.business_key.in_(scope.business_keys))
    q = q.where(ProcessEvent.kind.in_(kinds))
    bound = _below(ProcessEvent.at, ProcessEvent.id, cursor, PROCESS)
    if bound is not None:
        q = q.where(bound)
    rows = list(db.session.scalars(q.order_by(ProcessEvent.at.desc(), ProcessEvent.id.desc()).limit(n)))
    names = _process_names({r.definition_id for r in rows})
    items = []
    for row in rows:
        title, summary, details = describe(row, names.get(row.definition_id, ""))
        interest_id, ticket_id = owner_of(row.business_key)
        items.append(
            FeedItem(
                source=PROCESS,
                id=row.id,
                kind=row.kind,
                occurred_at=row.at,
                title=title,
                summary=summary,
                author_id=row.user_id,
                author_name="",
                ref_id=None,
                interest_id=interest_id,
                ticket_id=ticket_id,
                details=details,
            )
        )
    return items


def _process_names(definition_ids: set[int]) -> dict[int, str]:
    if not definition_ids:
        return {}
    q = select(ProcessDefinition.id, ProcessDefinition.name, ProcessDefinition.key).where(
        ProcessDefinition.id.in_(definition_ids)
    )
    return {row.id: row.name or row.key for row in db.session.execute(q)}


def _with_author_names(items: list[FeedItem]) -> list[FeedItem]:
    """The page's items with their authors' names, looked up in one query."""
    ids = {i.author_id for i in items if i.author_id is not None}
    if not ids:
        return items
    q = select(User.id, User.full_name).where(User.id.in_(ids))
    names = {row.id: row.full_name for row in db.session.execute(q)}
    return [
        replace(i, author_name=names.get(i.author_id, "")) if i.author_id is not None else i for i in items
    ]
