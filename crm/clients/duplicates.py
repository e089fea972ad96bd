"""Duplicate control for clients and contact persons: same INN, phone or e-mail, or a similar name.

Names are compared normalised (legal forms, quotes and punctuation stripped) with a difflib ratio of at least
``NAME_SIMILARITY_THRESHOLD``. Candidates for the name comparison come from an index range on the
normalised name's first letters, so the check stays cheap on a large base; two names that differ in their
very first letters are only caught by INN/phone/e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from crm.clients.models import EMAIL, PHONE, Client, ContactDetail, ContactPerson
from crm.clients.normalize import (
    NAME_SIMILARITY_THRESHOLD,
    name_similarity,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from engine.db import db

NAME_PREFIX_LEN = 3
NAME_CANDIDATES_LIMIT = 500


@dataclass(frozen=True)
class DuplicateCandidate:
    """A card that looks like the one being saved, and why (``inn``, ``phone``, ``email``, ``name``)."""

    entity: str  # client | contact
    id: int
    name: str
    reason: str
    client_id: int
    responsible_id: int | None
    score: float = 1.0


def find_duplicate_clients(
    *,
    name: str = "",
    inn: str | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_client_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Existing (not merged) clients that look like the given data, strongest reason first, one per client."""
    found: dict[int, DuplicateCandidate] = {}

    def add(client: Client, reason: str, score: float = 1.0) -> None:
        if client.id != exclude_client_id and client.id not in found:
            found[client.id] = DuplicateCandidate(
                "client", client.id, client.name, reason, client.id, client.responsible_id, score
            )

    live = (Client.merged_into_id.is_(None), Client.is_active.is_(True))
    if inn:
        for client in db.session.scalars(select(Client).where(Client.inn == inn.strip(), *live)):
            add(client, "inn")
    for kind, values in ((PHONE, _phones(phones)), (EMAIL, _emails(emails))):
        if not values:
            continue
        stmt = (
            select(Client)
            .join(ContactDetail, ContactDetail.client_id == Client.id)
            .where(ContactDetail.kind == kind, ContactDetail.normalized.in_(values), *live)
        )
        for client in db.session.scalars(stmt):
            add(client, kind)
    normalized = normalize_name(name)
    if normalized:
        prefix = normalized[:NAME_PREFIX_LEN]
        stmt = (
            select(Client)
            .where(Client.name_normalized >= prefix, Client.name_normalized < prefix + "\U0010ffff", *live)
            .limit(NAME_CANDIDATES_LIMIT)
        )
        for client in db.session.scalars(stmt):
            score = name_similarity(normalized, client.name_normalized)
            if score >= NAME_SIMILARITY_THRESHOLD:
                add(client, "name", score)
    return list(found.values())


def find_duplicate_contacts(
    *,
    client_id: int | None,
    full_name: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_contact_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Contact persons with the same phone or e-mail anywhere, or a similar name at the same client."""
    found: dict[int, DuplicateCandidate] = {}

    def add(contact: ContactPerson, reason: str, score: float = 1.0) -> None:
        if contact.id != exclude_contact_id and contact.id not in found:
            found[contact.id] = DuplicateCandidate(
                "contact", contact.id, contact.full_name, reason, contact.client_id, None, score
            )

    for kind, values in ((PHONE, _phones(phones)), (EMAIL, _emails(emails))):
        if not values:
            continue
        stmt = (
            select(ContactPerson)
            .join(ContactDetail, ContactDetail.contact_id == ContactPerson.id)
            .where(ContactDetail.kind == kind, ContactDetail.normalized.in_(values))
            .where(ContactPerson.is_active.is_(True))
        )
        for contact in db.session.scalars(stmt):
            add(contact, kind)
    normalized = normalize_name(full_name)
    if normalized and client_id is not None:
        stmt = select(ContactPerson).where(
            ContactPerson.client_id == client_id, ContactPerson.is_active.is_(True)
        )
        for contact in db.session.scalars(stmt):
            score = name_similarity(normalized, normalize_name(contact.full_name))
            if score >= NAME_SIMILARITY_THRESHOLD:
                add(contact, "name", score)
    return list(found.values())


def _phones(values: Iterable[str]) -> list[str]:
    return sorted({p for p in (normalize_phone(v) for v in values) if p})


def _emails(values: Iterable[str]) -> list[str]:
    return sorted({e for e in (normalize_email(v) for v in values) if e})
