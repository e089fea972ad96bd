"""The business region and client segment directories as administrators keep them: list, create, rename, delete.

Names are stripped, required, at most ``NAME_MAX`` characters and unique ignoring case (compared in Python:
SQLite's and a C-locale PostgreSQL's lower() do not fold every alphabet). A row that a client card (or, for a
region, a potential client) refers to is never deleted: ``DirectoryInUse`` says how many cards use it.

Field messages are marked with ``crm.messages.N_`` (crm knows no locale) so that the catalogue extracts them;
the web layer translates them when it shows them next to their fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from crm.accounts.models import User
from crm.clients.models import BusinessRegion, Client, Lead, Segment
from crm.errors import CrmError, NotFound, ValidationFailed
from crm.importing.admin_services import ensure_admin
from crm.messages import N_
from engine.db import db, utcnow

NAME_MAX = 200
DESCRIPTION_MAX = 1000
DEFAULT_TIMEZONE = "Europe/Moscow"

Entry = TypeVar("Entry", BusinessRegion, Segment)


@dataclass(frozen=True)
class Usage:
    """How many client cards (merged and deactivated ones included) and potential clients refer to a row."""

    clients: int = 0
    leads: int = 0

    @property
    def in_use(self) -> bool:
        return bool(self.clients or self.leads)


@dataclass(frozen=True)
class DirectoryRow:
    entry: BusinessRegion | Segment
    usage: Usage


class DirectoryInUse(CrmError):
    """The row is referred to by cards, so it cannot be deleted; ``usage`` says by how many."""

    def __init__(self, usage: Usage) -> None:
        self.usage = usage
        super().__init__(f"In use by {usage.clients} client(s) and {usage.leads} potential client(s).")


# The columns that refer to each directory, as (Usage field, column).
_REFERENCES: dict[type, tuple[tuple[str, InstrumentedAttribute[Any]], ...]] = {
    BusinessRegion: (("clients", Client.region_id), ("leads", Lead.region_id)),
    Segment: (("clients", Client.segment_id),),
}


# --- time zones --------------------------------------------------------------------------------------------


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zones offered in the region form: Area/City names plus UTC, sorted."""
    zones = {z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))}
    return tuple(sorted(zones | {"UTC"}))


def local_time(zone: str, now: datetime | None = None) -> datetime | None:
    """The current wall-clock time in ``zone``; None when the zone is unknown."""
    try:
        return (now or utcnow()).astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _valid_zone(zone: str) -> bool:
    return zone in available_timezones() and local_time(zone) is not None


# --- listing and reading -----------------------------------------------------------------------------------


def list_regions(*, name: str = "", page: int = 1, per_page: int = 25) -> tuple[list[DirectoryRow], int]:
    """Business regions whose name contains ``name`` (ignoring case), by name, paged, with their usage."""
    return _list(BusinessRegion, name, page, per_page)


def list_segments(*, name: str = "", page: int = 1, per_page: int = 25) -> tuple[list[DirectoryRow], int]:
    """Client segments whose name contains ``name`` (ignoring case), by name, paged, with their client counts."""
    return _list(Segment, name, page, per_page)


def get_region(region_id: int) -> BusinessRegion:
    """One region for its edit form; ``NotFound`` when it does not exist."""
    return _get(BusinessRegion, region_id)


def get_segment(segment_id: int) -> Segment:
    """One segment for its edit form; ``NotFound`` when it does not exist."""
    return _get(Segment, segment_id)


def region_usage(region_id: int) -> Usage:
    """How many client cards and potential clients are in this region."""
    return _usage(BusinessRegion, [region_id]).get(region_id, Usage())


def segment_usage(segment_id: int) -> Usage:
    """How many client cards are in this segment."""
    return _usage(Segment, [segment_id]).get(segment_id, Usage())


# --- changing ----------------------------------------------------------------------------------------------


def save_region(actor: User, *, name: str, timezone: str, region_id: int | None = None) -> BusinessRegion:
    """Create (``region_id`` None) or rename a region and set its time zone (administrators)."""
    ensure_admin(actor)
    region = get_region(region_id) if region_id is not None else BusinessRegion()
    name, timezone = name.strip(), timezone.strip()
    errors = _name_errors(BusinessRegion, name, region_id)
    if not timezone:
        errors["timezone"] = N_("Choose a time zone.")
    elif not _valid_zone(timezone):
        errors["timezone"] = N_("An IANA time zone such as Europe/Moscow.")
    if errors:
        raise ValidationFailed(errors)
    region.name, region.timezone = name, timezone
    return _commit(region)


def save_segment(actor: User, *, name: str, description: str = "", segment_id: int | None = None) -> Segment:
    """Create (``segment_id`` None) or change a segment's name and description (administrators)."""
    ensure_admin(actor)
    segment = get_segment(segment_id) if segment_id is not None else Segment()
    name, description = name.strip(), description.strip()
    errors = _name_errors(Segment, name, segment_id)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = N_("At most 1000 characters.")
    if errors:
        raise ValidationFailed(errors)
    segment.name, segment.description = name, description
    return _commit(segment)


def delete_region(actor: User, region_id: int) -> None:
    """Delete a region no card refers to; ``DirectoryInUse`` (nothing deleted) when one does."""
    ensure_admin(actor)
    _delete(get_region(region_id))


def delete_segment(actor: User, segment_id: int) -> None:
    """Delete a segment no client card is in; ``DirectoryInUse`` (nothing deleted) when one is."""
    ensure_admin(actor)
    _delete(get_segment(segment_id))


# --- shared by both directories ----------------------------------------------------------------------------


def _list(model: type[Entry], name: str, page: int, per_page: int) -> tuple[list[DirectoryRow], int]:
    needle = name.strip().lower()
    filters = [func.lower(model.name).contains(needle, autoescape=True)] if needle else []
    total = db.session.scalar(select(func.count()).select_from(model).where(*filters)) or 0
    entries = list(
        db.session.scalars(
            select(model)
            .where(*filters)
            .order_by(model.name, model.id)
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
    )
    usage = _usage(model, [e.id for e in entries])
    return [DirectoryRow(e, usage.get(e.id, Usage())) for e in entries], int(total)


def _usage(model: type[BusinessRegion | Segment], ids: list[int]) -> dict[int, Usage]:
    """Usage of each of ``ids``: one grouped count per referring column."""
    counts: dict[int, dict[str, int]] = {}
    if ids:
        for field, column in _REFERENCES[model]:
            stmt = select(column, func.count()).where(column.in_(ids)).group_by(column)
            for ident, count in db.session.execute(stmt).tuples():
                counts.setdefault(int(ident), {})[field] = int(count)
    return {ident: Usage(**fields) for ident, fields in counts.items()}


def _get(model: type[Entry], ident: int) -> Entry:
    entry = db.session.get(model, ident)
    if entry is None:
        raise NotFound(f"{model.__name__} {ident} does not exist.")
    return entry


def _name_errors(model: type[Entry], name: str, own_id: int | None) -> dict[str, str]:
    if not name:
        return {"name": N_("Enter a name.")}
    if len(name) > NAME_MAX:
        return {"name": N_("At most 200 characters.")}
    folded = name.casefold()
    names = db.session.execute(select(model.id, model.name)).tuples()
    if any(ident != own_id and other.casefold() == folded for ident, other in names):
        return {"name": N_("This name is taken (letter case aside).")}
    return {}


def _commit(entry: Entry) -> Entry:
    """Store the entry; a name another session stored meanwhile is a field error, not a database error."""
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed({"name": N_("This name is taken (letter case aside).")}) from None
    return entry


def _delete(entry: BusinessRegion | Segment) -> None:
    model, ident = type(entry), entry.id
    usage = _usage(model, [ident]).get(ident, Usage())
    if usage.in_use:
        raise DirectoryInUse(usage)
    db.session.delete(entry)
    try:
        db.session.commit()
    except IntegrityError:  # a card took the row between the count and the delete (the foreign key says so)
        db.session.rollback()
        raise DirectoryInUse(_usage(model, [ident]).get(ident, Usage())) from None
