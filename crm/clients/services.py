"""Client cards: create (with duplicate control), read, list, update — access-checked, change-logged."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select

from crm.access import ensure_can_edit_client, ensure_can_view_client, visible_clients_clause
from crm.accounts.models import ADMINISTRATOR, EMPLOYEE, MANAGER, User
from crm.clients.duplicates import find_duplicate_clients
from crm.clients.models import (
    CLIENT_KINDS,
    COMPANY,
    EMAIL,
    PHONE,
    BusinessRegion,
    Client,
    ContactDetail,
    Segment,
)
from crm.clients.normalize import (
    inn_error,
    is_valid_email,
    is_valid_phone,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from crm.clients.portrait import clean_portrait
from crm.errors import AccessDenied, DuplicateFound, NotFound, ValidationFailed
from crm.history import ACTION_CREATE, ChangeLogEntry, apply_changes, history_of, record_change
from crm.messages import N_, Message
from engine.db import db

# Plain fields a form may change (phones, e-mails, portrait and responsible are handled separately).
CLIENT_TEXT_FIELDS = (
    "name", "legal_name", "inn", "kpp", "legal_address", "actual_address", "website", "description",
)  # fmt: skip
CLIENT_REF_FIELDS = ("region_id", "segment_id")
CLIENT_FIELDS = (*CLIENT_TEXT_FIELDS, *CLIENT_REF_FIELDS, "kind", "is_active")


def create_client(actor: User, data: Mapping[str, Any], *, allow_duplicate: bool = False) -> Client:
    """Create a client card from form-like ``data`` and commit.

    Keys: ``name`` (required), ``kind`` (company|person), ``legal_name``, ``inn``, ``kpp``, addresses,
    ``website``, ``description``, ``region_id``, ``segment_id``, ``phones``/``emails`` (lists),
    ``portrait`` (dict), ``responsible_id`` (default: the actor). Raises ``ValidationFailed``, or
    ``DuplicateFound`` with the look-alikes unless ``allow_duplicate``.
    """
    client = create_client_in_session(actor, data, allow_duplicate=allow_duplicate)
    db.session.commit()
    return client


def create_client_in_session(
    actor: User | None, data: Mapping[str, Any], *, allow_duplicate: bool, any_responsible: bool = False
) -> Client:
    """``create_client`` without the commit (for imports, conversions and route-map operations).

    ``any_responsible`` lets a business rule (lead conversion) name any active user as responsible.
    """
    if actor is not None and not actor.has_role(MANAGER, EMPLOYEE):
        raise AccessDenied(N_("you may not create clients"))
    kind = data.get("kind") or COMPANY
    fields, (phones, emails), portrait = validate_all(
        lambda: clean_client_fields({**data, "kind": kind}, partial=False),
        lambda: clean_channels(data.get("phones", ()), data.get("emails", ())),
        lambda: clean_portrait(kind if kind in CLIENT_KINDS else COMPANY, data.get("portrait")),
    )
    responsible_id = data.get("responsible_id", actor.id if actor else None)
    responsible = check_responsible(None if any_responsible else actor, responsible_id)
    if not allow_duplicate:
        candidates = find_duplicate_clients(
            name=fields["name"], inn=fields.get("inn"), phones=phones, emails=emails
        )
        if candidates:
            raise DuplicateFound(candidates)
    client = Client(
        **fields,
        name_normalized=normalize_name(fields["name"]),
        portrait=portrait,
        responsible_id=responsible.id if responsible else None,
        department_id=responsible.department_id if responsible else None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(client)
    db.session.flush()
    replace_channels(client.id, None, PHONE, phones)
    replace_channels(client.id, None, EMAIL, emails)
    record_change("client", client.id, actor.id if actor else None, action=ACTION_CREATE, new=client.name)
    return client


def get_client(actor: User, client_id: int) -> Client:
    """The client card, if ``actor`` may see it (merged cards resolve to the card they were merged into)."""
    client = db.session.get(Client, client_id)
    seen = set()
    while client is not None and client.merged_into_id is not None and client.id not in seen:
        seen.add(client.id)
        client = db.session.get(Client, client.merged_into_id)
    if client is None:
        raise NotFound(f"client {client_id} not found")
    ensure_can_view_client(actor, client)
    return client


def list_clients(
    actor: User,
    *,
    name_contains: str = "",
    segment_id: int | None = None,
    responsible_id: int | None = None,
    kind: str | None = None,
    include_inactive: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Client], int]:
    """One page of the clients ``actor`` may see, by name, and the total count of the filtered list."""
    conditions = [visible_clients_clause(actor), Client.merged_into_id.is_(None)]
    if not include_inactive:
        conditions.append(Client.is_active.is_(True))
    if name_contains.strip():
        conditions.append(func.lower(Client.name).contains(name_contains.strip().lower(), autoescape=True))
    if segment_id is not None:
        conditions.append(Client.segment_id == segment_id)
    if responsible_id is not None:
        conditions.append(Client.responsible_id == responsible_id)
    if kind:
        conditions.append(Client.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(Client).where(*conditions)) or 0
    stmt = select(Client).where(*conditions).order_by(Client.name, Client.id).offset(offset).limit(limit)
    return list(db.session.scalars(stmt)), total


def update_client(actor: User | None, client_id: int, changes: Mapping[str, Any]) -> Client:
    """Change fields of a client card and commit; each changed field goes to the change history.

    ``changes`` may hold any of ``CLIENT_FIELDS``, ``phones``/``emails`` (full new lists), ``portrait``
    (values to set; None removes one) and ``responsible_id``. ``actor`` None means the system.
    """
    client = update_client_in_session(actor, client_id, changes)
    db.session.commit()
    return client


def update_client_in_session(actor: User | None, client_id: int, changes: Mapping[str, Any]) -> Client:
    """``update_client`` without the commit."""
    client = db.session.get(Client, client_id)
    if client is None or client.merged_into_id is not None:
        raise NotFound(f"client {client_id} not found")
    if actor is not None:
        ensure_can_edit_client(actor, client)
    user_id = actor.id if actor else None
    kind = changes.get("kind") or client.kind
    fields = clean_client_fields({"kind": kind, **changes}, partial=True)
    if "inn" not in fields and "kind" in changes and client.inn:
        fields["inn"] = clean_client_fields({"kind": kind, "inn": client.inn}, partial=True)["inn"]
    applied = apply_changes(client, "client", fields, user_id, CLIENT_FIELDS)
    if "name" in applied:
        client.name_normalized = normalize_name(client.name)
    if "phones" in changes or "emails" in changes:
        phones, emails = clean_channels(
            changes.get("phones", client.phones), changes.get("emails", client.emails)
        )
        for detail_kind, values in ((PHONE, phones), (EMAIL, emails)):
            old = client.phones if detail_kind == PHONE else client.emails
            if [normalize_channel(detail_kind, v) for v in old] != [
                normalize_channel(detail_kind, v) for v in values
            ]:
                replace_channels(client.id, None, detail_kind, values)
                record_change("client", client.id, user_id, field=f"{detail_kind}s", old=", ".join(old),
                              new=", ".join(values))  # fmt: skip
        db.session.expire(client, ["details"])
    if "portrait" in changes:
        merged = {**(client.portrait or {}), **dict(changes["portrait"] or {})}
        merged = {k: v for k, v in merged.items() if v is not None}
        cleaned = clean_portrait(client.kind, merged)
        for code in sorted(set(cleaned) | set(client.portrait or {})):
            old_value, new_value = (client.portrait or {}).get(code), cleaned.get(code)
            if old_value != new_value:
                record_change(
                    "client", client.id, user_id, field=f"portrait.{code}", old=old_value, new=new_value
                )
        client.portrait = cleaned
    if "responsible_id" in changes and changes["responsible_id"] != client.responsible_id:
        responsible = check_responsible(actor, changes["responsible_id"])
        record_change("client", client.id, user_id, field="responsible_id", old=client.responsible_id,
                      new=responsible.id if responsible else None)  # fmt: skip
        client.responsible_id = responsible.id if responsible else None
        client.department_id = responsible.department_id if responsible else None
    db.session.flush()
    return client


def client_history(actor: User, client_id: int, limit: int = 200) -> list[ChangeLogEntry]:
    """The change history of a client card, newest first (``actor`` must see the client)."""
    client = get_client(actor, client_id)
    return history_of("client", client.id, limit)


def clean_client_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate the plain client fields present in ``data``; raises ``ValidationFailed`` listing all errors."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    kind = data.get("kind") or COMPANY
    if kind not in CLIENT_KINDS:
        errors["kind"] = N_("company or person")
    cleaned["kind"] = kind
    for name in CLIENT_TEXT_FIELDS:
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
    if (not partial or "name" in data) and not cleaned.get("name"):
        errors["name"] = N_("a client needs a name")
    if cleaned.get("kpp") and not (len(cleaned["kpp"]) == 9 and cleaned["kpp"].isalnum()):
        errors["kpp"] = N_("KPP has 9 characters")
    for name in CLIENT_TEXT_FIELDS:
        limit = Client.__table__.c[name].type.length
        if limit and len(cleaned.get(name) or "") > limit and name not in errors:
            errors[name] = Message(N_("at most %(limit)s characters"), limit=limit)
    if "inn" in cleaned:
        inn = cleaned["inn"].replace(" ", "")
        cleaned["inn"] = inn or None
        if inn and kind in CLIENT_KINDS and (problem := inn_error(inn, kind)):
            errors["inn"] = problem
    for ref, model in (("region_id", BusinessRegion), ("segment_id", Segment)):
        if ref in data:
            cleaned[ref] = data[ref] or None
            if cleaned[ref] is not None and db.session.get(model, cleaned[ref]) is None:
                errors[ref] = N_("no such entry")
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def clean_channels(phones: Iterable[str] | str, emails: Iterable[str] | str) -> tuple[list[str], list[str]]:
    """Trimmed, validated, de-duplicated phone and e-mail lists (a string may hold several, comma-separated)."""
    phone_list = _split(phones)
    email_list = _split(emails)
    errors: dict[str, str] = {}
    bad_phones = [p for p in phone_list if not is_valid_phone(p) or len(p) > 64]
    if bad_phones:
        errors["phones"] = Message(N_("not a phone number: %(phones)s"), phones=", ".join(bad_phones))
    bad_emails = [e for e in email_list if not is_valid_email(e) or len(e) > 254]
    if bad_emails:
        errors["emails"] = Message(N_("not an e-mail address: %(emails)s"), emails=", ".join(bad_emails))
    if errors:
        raise ValidationFailed(errors)
    return _unique(phone_list, normalize_phone), _unique(email_list, normalize_email)


def validate_all(*steps: Callable[[], Any]) -> list[Any]:
    """Run validation steps and raise one ``ValidationFailed`` with the field errors of all that failed."""
    results: list[Any] = []
    errors: dict[str, str] = {}
    for step in steps:
        try:
            results.append(step())
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
            results.append(None)
    if errors:
        raise ValidationFailed(errors)
    return results


def normalize_channel(kind: str, value: str) -> str:
    return normalize_phone(value) if kind == PHONE else normalize_email(value)


def replace_channels(client_id: int, contact_id: int | None, kind: str, values: Sequence[str]) -> None:
    """Replace the phones or e-mails of a client (``contact_id`` None) or of one contact person."""
    owner = ContactDetail.contact_id == contact_id if contact_id else ContactDetail.contact_id.is_(None)
    db.session.execute(
        delete(ContactDetail).where(ContactDetail.client_id == client_id, owner, ContactDetail.kind == kind)
    )
    for value in values:
        db.session.add(
            ContactDetail(
                client_id=client_id,
                contact_id=contact_id,
                kind=kind,
                value=value,
                normalized=normalize_channel(kind, value),
            )
        )


def check_responsible(actor: User | None, user_id: int | None) -> User | None:
    """The user to make responsible; non-administrators may pick themselves or, with the manager role,
    a user of their own department."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise ValidationFailed({"responsible_id": N_("no such active user")})
    if actor is None or actor.has_role(ADMINISTRATOR) or user.id == actor.id:
        return user
    if (
        actor.has_role(MANAGER)
        and actor.department_id is not None
        and user.department_id == actor.department_id
    ):
        return user
    raise AccessDenied(N_("you may only make yourself (or, as a manager, your department) responsible"))


def _split(values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        values = values.replace(";", ",").split(",")
    return [v.strip() for v in values if v and v.strip()]


def _unique(values: list[str], key: Any) -> list[str]:
    seen: set[str] = set()
    result = []
    for value in values:
        if key(value) not in seen:
            seen.add(key(value))
            result.append(value)
    return result
