"""The fields a quality rule may ask for, their labels, and how "filled" is decided for each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.clients.models import Client, ContactPerson

PORTRAIT_PREFIX = "portrait:"


@dataclass
class ClientSnapshot:
    """A client with the facts about its children the checks need (loaded in bulk)."""

    client: Client
    has_phone: bool = False
    has_email: bool = False
    contact_count: int = 0
    has_key_person: bool = False


@dataclass
class ContactSnapshot:
    contact: ContactPerson
    has_phone: bool = False
    has_email: bool = False


@dataclass(frozen=True)
class FieldSpec:
    label: str
    is_filled: Callable[[Any], bool] = field(compare=False)


def _text(attr: str) -> Callable[[Any], bool]:
    return lambda snap: bool(str(getattr(_row(snap), attr) or "").strip())


def _set(attr: str) -> Callable[[Any], bool]:
    return lambda snap: getattr(_row(snap), attr) is not None


def _row(snap: ClientSnapshot | ContactSnapshot) -> Any:
    return snap.client if isinstance(snap, ClientSnapshot) else snap.contact


CLIENT_FIELDS: dict[str, FieldSpec] = {
    "legal_name": FieldSpec("Legal name", _text("legal_name")),
    "inn": FieldSpec("INN (tax ID)", _text("inn")),
    "kpp": FieldSpec("KPP", _text("kpp")),
    "legal_address": FieldSpec("Legal address", _text("legal_address")),
    "actual_address": FieldSpec("Actual address", _text("actual_address")),
    "website": FieldSpec("Website", _text("website")),
    "description": FieldSpec("Description", _text("description")),
    "region": FieldSpec("Business region", _set("region_id")),
    "segment": FieldSpec("Segment", _set("segment_id")),
    "responsible": FieldSpec("Responsible manager", _set("responsible_id")),
    "phone": FieldSpec("Phone", lambda s: s.has_phone),
    "email": FieldSpec("E-mail", lambda s: s.has_email),
    "contacts": FieldSpec("At least one contact person", lambda s: s.contact_count > 0),
    "key_person": FieldSpec("A key person among the contacts", lambda s: s.has_key_person),
}

CONTACT_FIELDS: dict[str, FieldSpec] = {
    "position": FieldSpec("Position", _text("position")),
    "birthday": FieldSpec("Birthday", _set("birthday")),
    "phone": FieldSpec("Phone", lambda s: s.has_phone),
    "email": FieldSpec("E-mail", lambda s: s.has_email),
    "comment": FieldSpec("Comment", _text("comment")),
}


def portrait_code(field_key: str) -> str | None:
    return field_key[len(PORTRAIT_PREFIX) :] if field_key.startswith(PORTRAIT_PREFIX) else None


def portrait_filled(snap: ClientSnapshot | ContactSnapshot, code: str) -> bool:
    value = (_row(snap).portrait or {}).get(code)
    return value is not None and value != "" and value != []
