"""What the client-editing pages need around the card services: one all-or-nothing save that reports every
field error at once, the users an actor may make responsible, the region directory, and paged change history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from crm.access import can_view_client, ensure_can_edit_client
from crm.accounts.models import ADMINISTRATOR, EMPLOYEE, MANAGER, Role, User
from crm.clients.contacts import clean_contact_fields, get_contact, update_contact_in_session
from crm.clients.duplicates import find_duplicate_clients
from crm.clients.leads import clean_lead_fields, get_lead, update_lead_in_session
from crm.clients.models import LEAD_CONVERTED, BusinessRegion, Client, ContactPerson, Lead, Segment
from crm.clients.portrait import clean_portrait, portrait_attributes_for
from crm.clients.services import (
    check_responsible,
    clean_channels,
    clean_client_fields,
    get_client,
    update_client_in_session,
    validate_all,
)
from crm.edit_conflicts import save_unless_overwriting
from crm.errors import AccessDenied, CrmError, DuplicateFound, NotFound, ValidationFailed
from crm.history import ChangeLogEntry
from crm.messages import N_
from engine.db import db

HISTORY_ENTITIES = ("client", "contact", "lead")


@dataclass(frozen=True)
class HistoryRow:
    """One change of a card as the history page shows it."""

    at: Any
    user_name: str | None  # None: a route map (the system) made the change
    action: str
    field: str
    old_value: str | None
    new_value: str | None


def client_for_editing(actor: User, client_id: int) -> Client:
    """The live card ``actor`` may change (a merged card resolves to the one it was merged into)."""
    client = get_client(actor, client_id)
    ensure_can_edit_client(actor, client)
    return client


def save_client(
    actor: User,
    client_id: int,
    changes: Mapping[str, Any],
    *,
    allow_duplicate: bool = False,
    seen_mark: int | None = None,
) -> Client:
    """Validate every field of ``changes`` first (one ``ValidationFailed`` naming all bad fields), then apply
    them with ``update_client`` in one commit; on any error nothing of the change stays in the session.

    Unless ``allow_duplicate``, raises ``DuplicateFound`` with the cards the *changed* data newly looks like
    (same INN, phone, e-mail or a similar name) — look-alikes the card already had are not repeated.
    ``seen_mark`` (the card's ``history_mark`` when the form was opened): raises ``EditConflict`` instead of
    overwriting a field changed since then.
    """
    client = client_for_editing(actor, client_id)
    kind = changes.get("kind") or client.kind
    if kind != client.kind and client.portrait:
        # A company that turns out to be a person: values of attributes the new kind does not have are removed
        # (each removal is recorded in the history), otherwise the card could not be saved at all.
        defined = {a.code for a in portrait_attributes_for(kind)}
        dropped = {code: None for code in client.portrait if code not in defined}
        changes = {**changes, "portrait": {**dropped, **dict(changes.get("portrait") or {})}}
    portrait = {**(client.portrait or {}), **dict(changes.get("portrait") or {})}
    try:
        validate_all(
            lambda: clean_client_fields({"kind": kind, **changes}, partial=True),
            lambda: clean_channels(
                changes.get("phones", client.phones), changes.get("emails", client.emails)
            ),
            lambda: clean_portrait(kind, {k: v for k, v in portrait.items() if v is not None}),
            lambda: _check_new_responsible(actor, client, changes),
        )
        if not allow_duplicate:
            _refuse_new_duplicates(client, changes)
        return save_unless_overwriting(
            "client",
            client.id,
            seen_mark,
            Client,
            lambda: update_client_in_session(actor, client.id, changes),
        )
    except CrmError:
        db.session.rollback()
        raise


def _refuse_new_duplicates(client: Client, changes: Mapping[str, Any]) -> None:
    before = find_duplicate_clients(
        name=client.name,
        inn=client.inn,
        phones=client.phones,
        emails=client.emails,
        exclude_client_id=client.id,
    )
    phones, emails = clean_channels(
        changes.get("phones", client.phones), changes.get("emails", client.emails)
    )
    inn = str(changes.get("inn", client.inn) or "").replace(" ", "") or None
    after = find_duplicate_clients(
        name=str(changes.get("name", client.name)), inn=inn, phones=phones, emails=emails,
        exclude_client_id=client.id,
    )  # fmt: skip
    known = {c.id for c in before}
    fresh = [c for c in after if c.id not in known]
    if fresh:
        raise DuplicateFound(fresh)


def editable_client_ids(actor: User, client_ids: Iterable[int]) -> set[int]:
    """Which of these (live) clients ``actor`` may change — e.g. which look-alikes offer "Merge"."""
    ids = set(client_ids)
    if not ids:
        return set()
    stmt = select(Client).where(Client.id.in_(ids), Client.merged_into_id.is_(None))
    return {c.id for c in db.session.scalars(stmt) if can_view_client(actor, c)}


def contact_for_editing(actor: User, contact_id: int) -> ContactPerson:
    """A contact person whose client ``actor`` may change."""
    contact = get_contact(actor, contact_id)
    ensure_can_edit_client(actor, contact.client)
    return contact


def save_contact(
    actor: User, contact_id: int, changes: Mapping[str, Any], *, seen_mark: int | None = None
) -> ContactPerson:
    """Validate all of ``changes`` (fields, phones/e-mails, portrait) first, then ``update_contact`` in one
    commit; on any error nothing of the change stays in the session. ``seen_mark``: as for ``save_client``."""
    contact = contact_for_editing(actor, contact_id)
    portrait = {**(contact.portrait or {}), **dict(changes.get("portrait") or {})}
    try:
        validate_all(
            lambda: clean_contact_fields(changes, partial=True),
            lambda: clean_channels(
                changes.get("phones", contact.phones), changes.get("emails", contact.emails)
            ),
            lambda: clean_portrait("contact", {k: v for k, v in portrait.items() if v is not None}),
        )
        return save_unless_overwriting(
            "contact", contact.id, seen_mark, ContactPerson,
            lambda: update_contact_in_session(actor, contact.id, changes),
        )  # fmt: skip
    except CrmError:
        db.session.rollback()
        raise


def save_lead(actor: User, lead_id: int, changes: Mapping[str, Any], *, seen_mark: int | None = None) -> Lead:
    """Validate all of ``changes`` and the new responsible user first, then ``update_lead`` in one commit;
    on any error nothing of the change stays in the session. ``seen_mark``: as for ``save_client``."""
    lead = get_lead(actor, lead_id)
    if lead.status == LEAD_CONVERTED:
        raise ValidationFailed({"status": N_("a converted potential client is kept as it was")})
    try:
        validate_all(
            lambda: clean_lead_fields(changes, partial=True),
            lambda: _check_new_responsible(actor, lead, changes),
        )
        return save_unless_overwriting(
            "lead", lead.id, seen_mark, Lead, lambda: update_lead_in_session(actor, lead.id, changes)
        )
    except CrmError:
        db.session.rollback()
        raise


def _check_new_responsible(actor: User, card: Client | Lead, changes: Mapping[str, Any]) -> None:
    if "responsible_id" in changes and changes["responsible_id"] != card.responsible_id:
        try:
            check_responsible(actor, changes["responsible_id"])
        except AccessDenied:
            raise ValidationFailed({"responsible_id": N_("you may not make this user responsible")}) from None


def assignable_responsibles(actor: User) -> list[tuple[int, str]]:
    """``(id, full name)`` of the active working users ``actor`` may make responsible for a client: anyone
    for an administrator, the own department for a manager, else only the actor."""
    stmt = select(User.id, User.full_name).where(
        User.is_active.is_(True), User.roles.any(Role.code.in_((MANAGER, EMPLOYEE)))
    )
    if not actor.has_role(ADMINISTRATOR):
        if actor.has_role(MANAGER) and actor.department_id is not None:
            stmt = stmt.where((User.department_id == actor.department_id) | (User.id == actor.id))
        else:
            stmt = stmt.where(User.id == actor.id)
    rows = db.session.execute(stmt.order_by(User.full_name, User.id)).tuples()
    return [(int(user_id), str(name)) for user_id, name in rows]


def region_choices() -> list[tuple[int, str]]:
    """Business regions with their time zones, as ``(id, "Name (Time/Zone)")``."""
    stmt = select(BusinessRegion.id, BusinessRegion.name, BusinessRegion.timezone).order_by(
        BusinessRegion.name
    )
    return [(int(i), f"{name} ({zone})") for i, name, zone in db.session.execute(stmt).tuples()]


def history_page(
    actor: User, entity: str, entity_id: int, *, offset: int = 0, limit: int = 50
) -> tuple[list[HistoryRow], int]:
    """One page (newest first) of a client's, contact person's or lead's change history and the total;
    ``actor`` must be able to see the card."""
    if entity not in HISTORY_ENTITIES:
        raise NotFound(f"no history of {entity}")
    opener = {"client": get_client, "contact": get_contact, "lead": get_lead}[entity]
    entity_id = opener(actor, entity_id).id
    where = (ChangeLogEntry.entity == entity, ChangeLogEntry.entity_id == entity_id)
    total = db.session.scalar(select(func.count()).select_from(ChangeLogEntry).where(*where)) or 0
    stmt = (
        select(ChangeLogEntry, User.full_name)
        .outerjoin(User, User.id == ChangeLogEntry.user_id)
        .where(*where)
        .order_by(ChangeLogEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    entries = list(db.session.execute(stmt).tuples())
    return _readable([e for e, _name in entries], {e.user_id: name for e, name in entries if name}), int(
        total
    )


def history_rows(entries: list[ChangeLogEntry]) -> list[HistoryRow]:
    """Change-history entries as people read them: who by name, ids of reference fields as names."""
    return _readable(entries, user_names({e.user_id for e in entries}))


def _readable(entries: list[ChangeLogEntry], names: Mapping[Any, str]) -> list[HistoryRow]:
    readable = _reference_names(entries)
    return [
        HistoryRow(
            e.at, names.get(e.user_id) if e.user_id is not None else None, e.action, e.field,
            readable.get((e.field, e.old_value), e.old_value), readable.get((e.field, e.new_value), e.new_value),
        )
        for e in entries
    ]  # fmt: skip


def _reference_names(entries: list[ChangeLogEntry]) -> dict[tuple[str, str | None], str]:
    """Names for the ids stored in history rows of reference fields (responsible, region, segment)."""
    columns = {"responsible_id": (User.id, User.full_name), "region_id": (BusinessRegion.id, BusinessRegion.name),
               "segment_id": (Segment.id, Segment.name)}  # fmt: skip
    names: dict[tuple[str, str | None], str] = {}
    for field_name, (id_column, name_column) in columns.items():
        ids = {int(v) for e in entries if e.field == field_name for v in (e.old_value, e.new_value)
               if v and v.isdigit()}  # fmt: skip
        if ids:
            for ident, name in db.session.execute(select(id_column, name_column).where(id_column.in_(ids))):
                names[(field_name, str(ident))] = name
    return names


def user_names(user_ids: set[int | None]) -> dict[int, str]:
    """Full names of users by id (for showing responsible users in history and previews)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).tuples().all())
