"""Work calendar services: load (cached per process), create, edit, and per-date exceptions.

Loaded calendars are cached per process by id together with the row's ``revision`` token; every edit writes a
new token, so each process notices a change on its next lookup (one small query) and rebuilds. Tokens are
random (uuid4), so a calendar of another database with the same id never matches one cached here.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.calendar import (
    WorkCalendar,
    intervals_to_json,
    parse_intervals,
    parse_schedule,
    schedule_to_json,
)
from engine.calendar_model import WorkCalendarExceptionRecord, WorkCalendarRecord, new_revision
from engine.db import db
from engine.errors import CalendarInvalid, CalendarNotFound

DEFAULT_CALENDAR_NAME = "default"
DEFAULT_TIMEZONE = "Europe/Moscow"
DEFAULT_COUNTRY = "RU"
_UNSET: Any = object()

_cache: dict[int, tuple[str, WorkCalendar]] = {}
_cache_lock = threading.Lock()


def default_schedule_json() -> dict[str, list[list[str]]]:
    """9:00–18:00 Monday to Friday, in the stored JSON form."""
    return schedule_to_json(WorkCalendar.default().weekly)


def _to_calendar(record: WorkCalendarRecord) -> WorkCalendar:
    exceptions = {
        row.day: parse_intervals(f"exception {row.day.isoformat()}", row.intervals) if row.working else ()
        for row in record.exceptions
    }
    return WorkCalendar(
        timezone=record.timezone,
        weekly=parse_schedule(record.schedule),
        country=record.country,
        exceptions=exceptions,
        name=record.name,
    )


def _cached(calendar_id: int, revision: str) -> WorkCalendar:
    with _cache_lock:
        hit = _cache.get(calendar_id)
    if hit is not None and hit[0] == revision:
        return hit[1]
    record = db.session.get(WorkCalendarRecord, calendar_id)
    if record is None:
        raise CalendarNotFound(f"no work calendar with id {calendar_id}")
    calendar = _to_calendar(record)
    with _cache_lock:
        _cache[calendar_id] = (record.revision, calendar)
    return calendar


def get_default_calendar() -> WorkCalendar:
    """The default work calendar; creates the standard one (9–18 Mon–Fri, Europe/Moscow, RU) when none exists."""
    row = db.session.execute(
        select(WorkCalendarRecord.id, WorkCalendarRecord.revision).where(WorkCalendarRecord.is_default)
    ).first()
    if row is None:
        record = _create_default_record()
        return _cached(record.id, record.revision)
    return _cached(row.id, row.revision)


def default_calendar_from(calendar_id: int | None, revision: str | None) -> WorkCalendar:
    """The default calendar when its ``(id, revision)`` were already read (the stepper reads them together
    with the instance row, so a cached calendar costs no query of its own); ``None`` means there is no
    default calendar yet, which creates the standard one like :func:`get_default_calendar`."""
    if calendar_id is None or revision is None:
        return get_default_calendar()
    return _cached(calendar_id, revision)


def default_calendar_columns() -> tuple[Any, Any]:
    """Scalar subqueries ``(id, revision)`` of the default calendar, to add to another SELECT."""
    where = WorkCalendarRecord.is_default
    return (
        select(WorkCalendarRecord.id).where(where).limit(1).scalar_subquery(),
        select(WorkCalendarRecord.revision).where(where).limit(1).scalar_subquery(),
    )


def _create_default_record() -> WorkCalendarRecord:
    existing = db.session.scalar(
        select(WorkCalendarRecord).where(WorkCalendarRecord.name == DEFAULT_CALENDAR_NAME)
    )
    if existing is not None:  # a calendar named "default" that lost its flag: make it the default again
        existing.is_default = True
        existing.revision = new_revision()
        db.session.commit()
        return existing
    record = WorkCalendarRecord(
        name=DEFAULT_CALENDAR_NAME,
        timezone=DEFAULT_TIMEZONE,
        country=DEFAULT_COUNTRY,
        schedule=default_schedule_json(),
        is_default=True,
    )
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:  # another process created it first
        db.session.rollback()
        created = db.session.scalar(select(WorkCalendarRecord).where(WorkCalendarRecord.is_default))
        if created is None:
            raise
        return created
    return record


def get_calendar_record(id_or_name: int | str) -> WorkCalendarRecord:
    """The stored calendar row by id or name (for the administration page)."""
    if isinstance(id_or_name, int):
        record = db.session.get(WorkCalendarRecord, id_or_name)
    else:
        record = db.session.scalar(select(WorkCalendarRecord).where(WorkCalendarRecord.name == id_or_name))
    if record is None:
        raise CalendarNotFound(f"no work calendar {id_or_name!r}")
    return record


def load_calendar(id_or_name: int | str) -> WorkCalendar:
    """The work calendar with this id or name, from the per-process cache when unchanged."""
    record = get_calendar_record(id_or_name)
    return _cached(record.id, record.revision)


def list_calendars() -> list[WorkCalendarRecord]:
    """Every stored calendar, the default first, then by name."""
    query = select(WorkCalendarRecord).order_by(WorkCalendarRecord.is_default.desc(), WorkCalendarRecord.name)
    return list(db.session.scalars(query))


def _validated(timezone: str, schedule: Any, country: str | None) -> None:
    WorkCalendar(timezone=timezone, weekly=parse_schedule(schedule), country=country)


def _make_default(record: WorkCalendarRecord) -> None:
    for other in db.session.scalars(select(WorkCalendarRecord).where(WorkCalendarRecord.is_default)):
        if other is not record:
            other.is_default = False
            other.revision = new_revision()
    record.is_default = True


def create_calendar(
    name: str,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    schedule: dict[str, Any] | None = None,
    country: str | None = DEFAULT_COUNTRY,
    is_default: bool = False,
) -> WorkCalendarRecord:
    """Create a calendar (schedule in JSON form, default 9–18 Mon–Fri); raises :class:`CalendarInvalid`."""
    name = (name or "").strip()
    if not name:
        raise CalendarInvalid("name", "a calendar needs a name")
    schedule = schedule if schedule is not None else default_schedule_json()
    _validated(timezone, schedule, country)
    if db.session.scalar(select(WorkCalendarRecord.id).where(WorkCalendarRecord.name == name)) is not None:
        raise CalendarInvalid("name", f"a calendar named {name!r} already exists")
    record = WorkCalendarRecord(
        name=name, timezone=timezone, country=country, schedule=schedule_to_json(parse_schedule(schedule))
    )
    db.session.add(record)
    if is_default:
        _make_default(record)
    db.session.commit()
    return record


def update_calendar(
    calendar_id: int,
    *,
    name: str | None = None,
    timezone: str | None = None,
    schedule: dict[str, Any] | None = None,
    country: str | None = _UNSET,
    is_default: bool | None = None,
) -> WorkCalendarRecord:
    """Change a calendar's name, zone, weekly schedule, holiday country (None = no holidays) or default flag.

    Everything is validated before anything is stored; raises :class:`CalendarInvalid` naming the field.
    """
    record = get_calendar_record(calendar_id)
    new_timezone = timezone if timezone is not None else record.timezone
    new_schedule = schedule if schedule is not None else record.schedule
    new_country = record.country if country is _UNSET else (country or None)
    _validated(new_timezone, new_schedule, new_country)
    if name is not None:
        name = name.strip()
        if not name:
            raise CalendarInvalid("name", "a calendar needs a name")
        clash = db.session.scalar(
            select(WorkCalendarRecord.id).where(
                WorkCalendarRecord.name == name, WorkCalendarRecord.id != record.id
            )
        )
        if clash is not None:
            raise CalendarInvalid("name", f"a calendar named {name!r} already exists")
        record.name = name
    if is_default is False and record.is_default:
        raise CalendarInvalid("is_default", "make another calendar the default instead")
    record.timezone = new_timezone
    record.schedule = schedule_to_json(parse_schedule(new_schedule))
    record.country = new_country
    if is_default:
        _make_default(record)
    record.revision = new_revision()
    db.session.commit()
    return record


def add_exception(
    calendar_id: int,
    day: date,
    *,
    working: bool,
    intervals: list[list[str]] | None = None,
    note: str = "",
) -> WorkCalendarExceptionRecord:
    """Make ``day`` a day off (``working=False``) or a working day with ``intervals``; replaces that day's rule."""
    record = get_calendar_record(calendar_id)
    if not isinstance(day, date):
        raise CalendarInvalid("date", f"{day!r} is not a date")
    if working:
        parsed = parse_intervals("intervals", intervals or [])
        if not parsed:
            raise CalendarInvalid("intervals", "a working day needs at least one interval")
        stored = intervals_to_json(parsed)
    elif intervals:
        raise CalendarInvalid("intervals", "a day off has no working intervals")
    else:
        stored = []
    if len(note) > 200:
        raise CalendarInvalid("note", "at most 200 characters")
    row = next((e for e in record.exceptions if e.day == day), None)
    if row is None:
        row = WorkCalendarExceptionRecord(day=day, working=working, intervals=stored, note=note)
        record.exceptions.append(row)
    else:
        row.working, row.intervals, row.note = working, stored, note
    record.revision = new_revision()
    db.session.commit()
    return row


def remove_exception(calendar_id: int, day: date) -> None:
    """Drop the exception on ``day`` (the weekly schedule and holidays apply again); missing is not an error."""
    record = get_calendar_record(calendar_id)
    row = next((e for e in record.exceptions if e.day == day), None)
    if row is None:
        return
    record.exceptions.remove(row)
    record.revision = new_revision()
    db.session.commit()
