"""Clients, their phones/e-mails, contact persons, potential clients (leads), relationships and the portrait.

Phones and e-mails live in one child table (``contact_details``) with a ``normalized`` indexed column so
search and duplicate control hit an index: phones as digits (``79161234567``), e-mails lower-cased.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, UTCDateTime, utcnow

COMPANY = "company"
PERSON = "person"
CLIENT_KINDS = (COMPANY, PERSON)

PHONE = "phone"
EMAIL = "email"
DETAIL_KINDS = (PHONE, EMAIL)

# Relationship types; the inverse is what the other side of the link sees.
RELATION_INVERSE = {
    "parent": "subsidiary",
    "subsidiary": "parent",
    "partner": "partner",
    "competitor": "competitor",
    "counterparty": "counterparty",
}
RELATION_TYPES = tuple(RELATION_INVERSE)

LEAD_OPEN = "open"
LEAD_CONVERTED = "converted"
LEAD_REJECTED = "rejected"
LEAD_STATUSES = (LEAD_OPEN, LEAD_CONVERTED, LEAD_REJECTED)


class BusinessRegion(Base):
    """A sales region with its time zone (the Interest form shows the client's local time from it)."""

    __tablename__ = "business_regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")


class Segment(Base):
    """A client segment (directory), e.g. "Key accounts", "SMB"."""

    __tablename__ = "client_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(String(1000), default="")


class PortraitAttribute(Base):
    """An extra attribute of the client portrait, defined by an administrator without code.

    ``applies_to`` is ``company``, ``person``, ``client`` (both kinds) or ``contact``. Values live in the
    ``portrait`` JSON column of the client/contact keyed by ``code``.
    """

    __tablename__ = "portrait_attributes"
    __table_args__ = (UniqueConstraint("applies_to", "code", name="uq_portrait_attributes_applies_to_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    # string | number | date | bool | choice
    value_type: Mapped[str] = mapped_column(String(16), default="string")
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    applies_to: Mapped[str] = mapped_column(String(16), default="client")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("kind in ('company', 'person')", name="kind"),
        Index("ix_clients_responsible_id", "responsible_id"),
        Index("ix_clients_department_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=COMPANY)
    name: Mapped[str] = mapped_column(String(300))
    # Name without legal form, quotes and punctuation, lower-cased: duplicate control compares these.
    name_normalized: Mapped[str] = mapped_column(String(300), default="", index=True)
    legal_name: Mapped[str] = mapped_column(String(500), default="")
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    kpp: Mapped[str] = mapped_column(String(9), default="")
    legal_address: Mapped[str] = mapped_column(String(1000), default="")
    actual_address: Mapped[str] = mapped_column(String(1000), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("business_regions.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("client_segments.id"))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    portrait: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when this card was merged into another one; merged cards are hidden from lists and search.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[BusinessRegion | None] = relationship()
    segment: Mapped[Segment | None] = relationship()
    details: Mapped[list[ContactDetail]] = relationship(
        primaryjoin="and_(Client.id == ContactDetail.client_id, ContactDetail.contact_id.is_(None))",
        order_by="ContactDetail.id",
        viewonly=True,
    )
    contacts: Mapped[list[ContactPerson]] = relationship(back_populates="client", order_by="ContactPerson.id")

    @property
    def phones(self) -> list[str]:
        return [d.value for d in self.details if d.kind == PHONE]

    @property
    def emails(self) -> list[str]:
        return [d.value for d in self.details if d.kind == EMAIL]

    def __repr__(self) -> str:
        return f"<Client {self.id} {self.name!r}>"


class ContactPerson(Base):
    __tablename__ = "contact_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str] = mapped_column(String(200), default="")
    is_key_person: Mapped[bool] = mapped_column(Boolean, default=False)
    birthday: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")
    portrait: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    client: Mapped[Client] = relationship(back_populates="contacts")
    details: Mapped[list[ContactDetail]] = relationship(
        primaryjoin="ContactPerson.id == ContactDetail.contact_id", order_by="ContactDetail.id", viewonly=True
    )

    @property
    def phones(self) -> list[str]:
        return [d.value for d in self.details if d.kind == PHONE]

    @property
    def emails(self) -> list[str]:
        return [d.value for d in self.details if d.kind == EMAIL]


class ContactDetail(Base):
    """One phone or e-mail of a client (``contact_id`` null) or of one of its contact persons."""

    __tablename__ = "contact_details"
    __table_args__ = (
        CheckConstraint("kind in ('phone', 'email')", name="kind"),
        Index("ix_contact_details_kind_normalized", "kind", "normalized"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(254))
    normalized: Mapped[str] = mapped_column(String(254), index=True)
    label: Mapped[str] = mapped_column(String(64), default="")  # work, mobile, ...

    client: Mapped[Client] = relationship(foreign_keys=[client_id], viewonly=True)
    contact: Mapped[ContactPerson | None] = relationship(foreign_keys=[contact_id], viewonly=True)


class Lead(Base):
    """A potential client: a person/company we know only by contact data, until converted to a client."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_responsible_id", "responsible_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    company_name: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    phone_normalized: Mapped[str] = mapped_column(String(32), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    email_normalized: Mapped[str] = mapped_column(String(254), default="", index=True)
    source: Mapped[str] = mapped_column(String(100), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("business_regions.id"))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(16), default=LEAD_OPEN)
    converted_client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    converted_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[BusinessRegion | None] = relationship()


class ClientRelation(Base):
    """A directed link ``from -> to`` of ``relation_type``; the other side sees ``RELATION_INVERSE[type]``."""

    __tablename__ = "client_relations"
    __table_args__ = (
        UniqueConstraint(
            "from_client_id", "to_client_id", "relation_type", name="uq_client_relations_from_to_type"
        ),
        CheckConstraint("from_client_id <> to_client_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    to_client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    relation_type: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Case-insensitive "name contains" search and exact lookups use these on both backends.
Index("ix_clients_lower_name", func.lower(Client.name))
Index("ix_leads_lower_name", func.lower(Lead.name))
Index("ix_contact_persons_lower_full_name", func.lower(ContactPerson.full_name))

# On PostgreSQL, "name contains" search uses trigram GIN indexes when the pg_trgm extension can be created
# (the DO blocks keep table creation working where it cannot: search then falls back to a scan).
_TRGM_INDEXES = (
    ("ix_clients_name_trgm", "clients", "name"),
    ("ix_contact_persons_full_name_trgm", "contact_persons", "full_name"),
    ("ix_leads_name_trgm", "leads", "name"),
)


def _trigram_ddl(index: str, table: str, column: str) -> DDL:
    return DDL(
        "DO $$ BEGIN "
        "BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; "
        "EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm is not available'; END; "
        "IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN "
        f"EXECUTE 'CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (lower({column}) gin_trgm_ops)'; "
        "END IF; END $$"
    )


for _index, _table, _column in _TRGM_INDEXES:
    event.listen(
        Base.metadata.tables[_table],
        "after_create",
        _trigram_ddl(_index, _table, _column).execute_if(dialect="postgresql"),
    )


@event.listens_for(Engine, "connect")
def _sqlite_unicode_lower(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite's built-in lower() folds ASCII only; name search must fold Cyrillic too, so every SQLite
    connection gets a Unicode lower() (deterministic, so the lower(name) indexes stay usable)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "lower", 1, lambda value: value.lower() if isinstance(value, str) else value, deterministic=True
        )
