"""Contact persons of a client: position, phones, e-mails, key-person flag, birthday, portrait."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.orm import selectinload

from crm.access import ensure_can_edit_client, ensure_can_view_client, visible_clients_clause
from crm.accounts.models import User
from crm.clients.duplicates import find_duplicate_contacts
from crm.clients.models import EMAIL, PHONE, Client, ContactPerson
from crm.clients.portrait import clean_portrait
from crm.clients.services import clean_channels, normalize_channel, replace_channels, validate_all
from crm.errors import DuplicateFound, NotFound, ValidationFailed
from crm.history import ACTION_CREATE, ChangeLogEntry, apply_changes, history_of, record_change
from crm.messages import N_
from engine.db import db

CONTACT_FIELDS = ("full_name", "position", "is_key_person", "birthday", "comment", "is_active")


def add_contact(
    actor: User | None, client_id: int, data: Mapping[str, Any], *, allow_duplicate: bool = False
) -> ContactPerson:
    """Add a contact person to a client and commit. Keys: ``full_name`` (required), ``position``,
    ``is_key_person``, ``birthday`` (date or ISO string), ``comment``, ``phones``, ``emails``, ``portrait``.
    Raises ``DuplicateFound`` for a contact with the same phone/e-mail or a similar name at this client."""
    contact = add_contact_in_session(actor, client_id, data, allow_duplicate=allow_duplicate)
    db.session.commit()
    return contact


def add_contact_in_session(
    actor: User | None, client_id: int, data: Mapping[str, Any], *, allow_duplicate: bool
) -> ContactPerson:
    """``add_contact`` without the commit."""
    client = db.session.get(Client, client_id)
    if client is None or client.merged_into_id is not None:
        raise NotFound(f"client {client_id} not found")
    if actor is not None:
        ensure_can_edit_client(actor, client)
    fields, (phones, emails), portrait = validate_all(
        lambda: clean_contact_fields(data, partial=False),
        lambda: clean_channels(data.get("phones", ()), data.get("emails", ())),
        lambda: clean_portrait("contact", data.get("portrait")),
    )
    if not allow_duplicate:
        candidates = find_duplicate_contacts(
            client_id=client.id, full_name=fields["full_name"], phones=phones, emails=emails
        )
        if candidates:
            raise DuplicateFound(candidates)
    contact = ContactPerson(client_id=client.id, portrait=portrait, **fields)
    db.session.add(contact)
    db.session.flush()
    replace_channels(client.id, contact.id, PHONE, phones)
    replace_channels(client.id, contact.id, EMAIL, emails)
    user_id = actor.id if actor else None
    record_change("contact", contact.id, user_id, action=ACTION_CREATE, new=contact.full_name)
    return contact


def get_contact(actor: User, contact_id: int) -> ContactPerson:
    """A contact person, if ``actor`` may see its client."""
    contact = db.session.get(ContactPerson, contact_id)
    if contact is None:
        raise NotFound(f"contact person {contact_id} not found")
    ensure_can_view_client(actor, contact.client)
    return contact


def list_contacts(actor: User, client_id: int, *, include_inactive: bool = False) -> list[ContactPerson]:
    """The contact persons of one client, key persons first."""
    client = db.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"client {client_id} not found")
    ensure_can_view_client(actor, client)
    stmt = select(ContactPerson).where(ContactPerson.client_id == client.id)
    if not include_inactive:
        stmt = stmt.where(ContactPerson.is_active.is_(True))
    stmt = stmt.order_by(ContactPerson.is_key_person.desc(), ContactPerson.full_name, ContactPerson.id)
    # The card shows every contact's phones and e-mails: load them all in one more query, not one per contact.
    return list(db.session.scalars(stmt.options(selectinload(ContactPerson.details))))


def contacts_with_birthday(actor: User, month: int, day: int) -> list[ContactPerson]:
    """Active contacts of visible clients whose birthday is on ``month``/``day`` (for reminders)."""
    stmt = (
        select(ContactPerson)
        .join(Client, Client.id == ContactPerson.client_id)
        .where(visible_clients_clause(actor), ContactPerson.is_active.is_(True))
        .where(
            extract("month", ContactPerson.birthday) == month, extract("day", ContactPerson.birthday) == day
        )
        .order_by(ContactPerson.full_name)
    )
    return list(db.session.scalars(stmt))


def update_contact(actor: User | None, contact_id: int, changes: Mapping[str, Any]) -> ContactPerson:
    """Change a contact person (fields, ``phones``/``emails`` lists, ``portrait`` values) and commit."""
    contact = update_contact_in_session(actor, contact_id, changes)
    db.session.commit()
    return contact


def update_contact_in_session(
    actor: User | None, contact_id: int, changes: Mapping[str, Any]
) -> ContactPerson:
    """``update_contact`` without the commit."""
    contact = db.session.get(ContactPerson, contact_id)
    if contact is None:
        raise NotFound(f"contact person {contact_id} not found")
    if actor is not None:
        ensure_can_edit_client(actor, contact.client)
    user_id = actor.id if actor else None
    apply_changes(contact, "contact", clean_contact_fields(changes, partial=True), user_id, CONTACT_FIELDS)
    if "phones" in changes or "emails" in changes:
        phones, emails = clean_channels(
            changes.get("phones", contact.phones), changes.get("emails", contact.emails)
        )
        for kind, values in ((PHONE, phones), (EMAIL, emails)):
            old = contact.phones if kind == PHONE else contact.emails
            if [normalize_channel(kind, v) for v in old] != [normalize_channel(kind, v) for v in values]:
                replace_channels(contact.client_id, contact.id, kind, values)
                record_change("contact", contact.id, user_id, field=f"{kind}s", old=", ".join(old),
                              new=", ".join(values))  # fmt: skip
        db.session.expire(contact, ["details"])
    if "portrait" in changes:
        merged = {**(contact.portrait or {}), **dict(changes["portrait"] or {})}
        cleaned = clean_portrait("contact", {k: v for k, v in merged.items() if v is not None})
        for code in sorted(set(cleaned) | set(contact.portrait or {})):
            if (contact.portrait or {}).get(code) != cleaned.get(code):
                record_change("contact", contact.id, user_id, field=f"portrait.{code}",
                              old=(contact.portrait or {}).get(code), new=cleaned.get(code))  # fmt: skip
        contact.portrait = cleaned
    db.session.flush()
    return contact


def contact_history(actor: User, contact_id: int, limit: int = 200) -> list[ChangeLogEntry]:
    """The change history of a contact person, newest first."""
    contact = get_contact(actor, contact_id)
    return history_of("contact", contact.id, limit)


def clean_contact_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate the plain contact-person fields present in ``data``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in ("full_name", "position", "comment"):
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
    if (not partial or "full_name" in data) and not cleaned.get("full_name"):
        errors["full_name"] = N_("a contact person needs a name")
    for flag in ("is_key_person", "is_active"):
        if flag in data:
            cleaned[flag] = bool(data[flag])
    if "birthday" in data:
        raw = data["birthday"]
        if raw in (None, ""):
            cleaned["birthday"] = None
        elif isinstance(raw, date):
            cleaned["birthday"] = raw
        else:
            try:
                cleaned["birthday"] = date.fromisoformat(str(raw).strip())
            except ValueError:
                errors["birthday"] = N_("a date YYYY-MM-DD is expected")
    if errors:
        raise ValidationFailed(errors)
    return cleaned
