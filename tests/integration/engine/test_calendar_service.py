"""Stored work calendars on SQLite and PostgreSQL: the default calendar, edits, exceptions, cache invalidation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from engine.calendar_model import WorkCalendarRecord
from engine.calendar_service import (
    add_exception,
    create_calendar,
    get_calendar_record,
    get_default_calendar,
    list_calendars,
    load_calendar,
    remove_exception,
    update_calendar,
)
from engine.db import db
from engine.errors import CalendarInvalid, CalendarNotFound

MOSCOW = ZoneInfo("Europe/Moscow")


def test_default_calendar_is_created_once_and_cached(any_app: Flask) -> None:
    calendar = get_default_calendar()
    assert (calendar.timezone, calendar.country, calendar.name) == ("Europe/Moscow", "RU", "default")
    assert calendar.weekly[0] == ((time(9), time(18)),) and calendar.weekly[5] == ()
    friday_5pm = datetime(2025, 3, 14, 17, 0, tzinfo=MOSCOW)
    assert calendar.add_working(friday_5pm, timedelta(hours=4)) == datetime(2025, 3, 17, 12, 0, tzinfo=MOSCOW)

    assert get_default_calendar() is calendar  # unchanged revision: the same object from the cache
    assert db.session.query(WorkCalendarRecord).count() == 1


def test_update_invalidates_the_cache(any_app: Flask) -> None:
    before = get_default_calendar()
    record = get_calendar_record("default")
    update_calendar(
        record.id,
        timezone="Asia/Yekaterinburg",
        schedule={"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]},
        country=None,
    )
    after = get_default_calendar()
    assert after is not before
    assert after.timezone == "Asia/Yekaterinburg" and after.country is None
    assert after.weekly[0] == ((time(9), time(13)), (time(14), time(18)))
    assert after.weekly[1] == () and after.weekly[5] == ((time(10), time(14)),)


def test_exceptions_are_stored_applied_and_removed(any_app: Flask) -> None:
    record_id = get_calendar_record("default").id if get_default_calendar() else 0
    add_exception(record_id, date(2025, 11, 1), working=True, intervals=[["09:00", "18:00"]], note="transfer")
    add_exception(record_id, date(2025, 3, 12), working=False, note="company day")
    calendar = load_calendar(record_id)
    assert calendar.is_working(datetime(2025, 11, 1, 10, 0, tzinfo=MOSCOW))
    assert not calendar.is_working(datetime(2025, 3, 12, 10, 0, tzinfo=MOSCOW))

    add_exception(record_id, date(2025, 11, 1), working=True, intervals=[["10:00", "12:00"]])  # replaces
    assert get_default_calendar().exceptions[date(2025, 11, 1)] == ((time(10), time(12)),)
    assert len(get_calendar_record(record_id).exceptions) == 2

    remove_exception(record_id, date(2025, 3, 12))
    remove_exception(record_id, date(2025, 3, 12))  # already gone: no error
    assert get_default_calendar().is_working(datetime(2025, 3, 12, 10, 0, tzinfo=MOSCOW))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Nowhere/City"}, "timezone", "unknown time zone"),
        ({"country": "ZZ"}, "country", "no public holidays"),
        ({"schedule": {"mon": [["18:00", "09:00"]]}}, "schedule.mon", "must end after it starts"),
        ({"schedule": {"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "schedule.tue", "overlaps"),
        ({"schedule": {"wed": [["14:00", "18:00"], ["09:00", "13:00"]]}}, "schedule.wed", "out of order"),
        ({"schedule": {"funday": []}}, "schedule", "unknown weekday"),
        ({"name": " "}, "name", "needs a name"),
        ({"is_default": False}, "is_default", "another calendar the default"),
    ],
)
def test_invalid_updates_name_the_field_and_store_nothing(
    any_app: Flask, change: dict[str, object], field: str, message: str
) -> None:
    get_default_calendar()
    record = get_calendar_record("default")
    revision = record.revision
    with pytest.raises(CalendarInvalid, match=message) as caught:
        update_calendar(record.id, **change)  # type: ignore[arg-type]
    assert caught.value.field == field
    db.session.rollback()
    assert get_calendar_record("default").revision == revision


def test_invalid_exceptions_name_the_field(any_app: Flask) -> None:
    get_default_calendar()
    record_id = get_calendar_record("default").id
    with pytest.raises(CalendarInvalid, match="needs at least one interval") as caught:
        add_exception(record_id, date(2025, 1, 1), working=True, intervals=[])
    assert caught.value.field == "intervals"
    with pytest.raises(CalendarInvalid, match="a day off has no working intervals"):
        add_exception(record_id, date(2025, 1, 1), working=False, intervals=[["09:00", "10:00"]])
    with pytest.raises(CalendarInvalid, match="out of order or overlaps"):
        add_exception(
            record_id, date(2025, 1, 1), working=True, intervals=[["09:00", "12:00"], ["11:00", "13:00"]]
        )


def test_named_calendars_and_switching_the_default(any_app: Flask) -> None:
    get_default_calendar()
    support = create_calendar(
        "support 24/7",
        timezone="Asia/Vladivostok",
        schedule={k: [["00:00", "24:00"]] for k in ("mon", "sun")},
    )
    with pytest.raises(CalendarInvalid, match="already exists"):
        create_calendar("support 24/7")
    assert load_calendar("support 24/7").weekly[6] == ((time(0), time(0)),)
    assert load_calendar(support.id).timezone == "Asia/Vladivostok"

    update_calendar(support.id, is_default=True)
    assert get_default_calendar().name == "support 24/7"
    assert [c.name for c in list_calendars()] == ["support 24/7", "default"]
    with pytest.raises(CalendarNotFound):
        load_calendar("missing")


def test_rows_recreated_with_the_same_id_are_not_served_from_the_cache(any_app: Flask) -> None:
    first = get_default_calendar()
    db.session.query(WorkCalendarRecord).delete()  # as a database reset between runs would
    db.session.commit()
    replacement = create_calendar("default", timezone="Europe/Kaliningrad", is_default=True)
    assert replacement.id == get_calendar_record("default").id
    again = get_default_calendar()
    assert again is not first and again.timezone == "Europe/Kaliningrad"
