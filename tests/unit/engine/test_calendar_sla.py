"""SLA texts and the calendar helpers scripts and timer expressions call."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import WorkCalendar
from engine.calendar_sla import business_helpers, parse_sla, parse_sla_spec, sla_due
from engine.errors import CalendarInvalid
from engine.sandbox import make_script_engine

MOSCOW = ZoneInfo("Europe/Moscow")
FRIDAY_5PM = datetime(2025, 3, 14, 17, 0, tzinfo=MOSCOW)
CALENDAR = WorkCalendar(country="RU")


@pytest.mark.parametrize(
    ("text", "duration", "working"),
    [
        ("PT8H", timedelta(hours=8), False),
        ("PT8H working", timedelta(hours=8), True),
        ("P2D", timedelta(days=2), False),
        ("P1DT4H30M calendar", timedelta(days=1, hours=4, minutes=30), False),
        ("PT0.5H", timedelta(minutes=30), False),
        ("8h", timedelta(hours=8), False),
        ("2d working", timedelta(days=2), True),
        ("30m", timedelta(minutes=30), False),
        ("1h 30m Working", timedelta(hours=1, minutes=30), True),
        ("  pt4h  ", timedelta(hours=4), False),
    ],
)
def test_parse_sla(text: str, duration: timedelta, working: bool) -> None:
    assert parse_sla(text) == (duration, working)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "an SLA is a duration"),
        ("soon", "is not a duration"),
        ("PT", "is not a duration"),
        ("P1Y", "years, months and weeks are not supported"),
        ("P2W working", "years, months and weeks are not supported"),
        ("8 hours", "is not a duration"),
        ("1.5d working", "days must be whole"),
        ("PT0H", "is zero"),
        ("working", "is not a duration"),
    ],
)
def test_garbage_sla_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(CalendarInvalid, match=message) as caught:
        parse_sla(text)
    assert caught.value.field == "sla"


def test_working_days_and_working_hours_differ() -> None:
    assert sla_due(CALENDAR, FRIDAY_5PM, "P2D working") == datetime(2025, 3, 18, 17, 0, tzinfo=MOSCOW)
    # 48 working hours at 9 h a day: Fri 1 h + Mon–Thu 36 h + Fri 9 h = 46 h, then 2 h on Monday 24th.
    assert sla_due(CALENDAR, FRIDAY_5PM, "PT48H working") == datetime(2025, 3, 24, 11, 0, tzinfo=MOSCOW)
    assert sla_due(CALENDAR, FRIDAY_5PM, "P1DT2H working") == datetime(2025, 3, 18, 10, 0, tzinfo=MOSCOW)
    assert sla_due(CALENDAR, FRIDAY_5PM, "PT4H") == datetime(2025, 3, 14, 21, 0, tzinfo=MOSCOW)
    assert sla_due(CALENDAR, FRIDAY_5PM, "4h", default_working=True) == datetime(
        2025, 3, 17, 12, 0, tzinfo=MOSCOW
    )
    spec = parse_sla_spec("P1DT2H working")
    assert (spec.days, spec.time, spec.working) == (1, timedelta(hours=2), True)


def test_business_helpers_return_iso_instants_from_now() -> None:
    helpers = business_helpers(CALENDAR, lambda: FRIDAY_5PM)
    assert helpers["working_time"]("PT4H") == "2025-03-17T12:00:00+03:00"
    assert helpers["working_time"]("PT4H calendar") == "2025-03-14T21:00:00+03:00"
    assert helpers["next_working_day"]("10:00") == "2025-03-17T10:00:00+03:00"
    assert helpers["working_days"](3) == "2025-03-19T17:00:00+03:00"
    assert helpers["add_working"]("2025-03-14T14:00:00+00:00", "PT4H") == "2025-03-17T12:00:00+03:00"
    assert helpers["working_hours_between"]("2025-03-14T17:00:00+03:00", "2025-03-17T12:00:00+03:00") == 4.0
    assert helpers["is_working_time"]() is True
    assert helpers["is_working_time"]("2025-03-15T12:00:00+03:00") is False
    with pytest.raises(CalendarInvalid, match="no time zone offset"):
        helpers["add_working"]("2025-03-14T14:00:00", "PT4H")
    with pytest.raises(CalendarInvalid, match="not a whole number"):
        helpers["working_days"]("3")


def test_timer_expressions_in_the_sandbox_use_the_calendar() -> None:
    engine = make_script_engine(CALENDAR, now_fn=lambda: FRIDAY_5PM)
    env = engine.environment
    assert env.evaluate('working_time("PT4H")', {}) == "2025-03-17T12:00:00+03:00"
    assert env.evaluate('next_working_day("10:00")', {}) == "2025-03-17T10:00:00+03:00"
    assert env.evaluate("working_days(days)", {"days": 1}) == "2025-03-17T17:00:00+03:00"
    assert env.evaluate("now()", {}) == FRIDAY_5PM
    data: dict[str, object] = {"opened": "2025-03-14T17:00:00+03:00"}
    env.execute('due = add_working(opened, "PT4H")\nin_hours = is_working_time(due)', data)
    assert data == {
        "opened": "2025-03-14T17:00:00+03:00",
        "due": "2025-03-17T12:00:00+03:00",
        "in_hours": True,
    }


def test_next_time_of_day_is_the_next_such_local_time_after_now() -> None:
    helpers = business_helpers(CALENDAR, lambda: FRIDAY_5PM)
    assert helpers["next_time_of_day"]("18:30") == "2025-03-14T18:30:00+03:00"  # later today
    assert helpers["next_time_of_day"]("09:00") == "2025-03-15T09:00:00+03:00"  # passed: tomorrow, any day
    assert helpers["next_time_of_day"]("17:00") == "2025-03-15T17:00:00+03:00"  # now itself is not next
    assert helpers["next_time_of_day"]() == "2025-03-15T00:00:00+03:00"
    late_utc = datetime(2025, 3, 14, 22, 0, tzinfo=ZoneInfo("UTC"))  # already Saturday 01:00 in Moscow
    assert business_helpers(CALENDAR, lambda: late_utc)["next_time_of_day"]("00:00") == (
        "2025-03-16T00:00:00+03:00"
    )
    with pytest.raises(CalendarInvalid, match="not a time of day"):
        helpers["next_time_of_day"]("9 am")
    engine = make_script_engine(CALENDAR, now_fn=lambda: FRIDAY_5PM)
    cycle = engine.environment.evaluate("'R/' + next_time_of_day('00:00') + '/P1D'", {})
    assert cycle == "R/2025-03-15T00:00:00+03:00/P1D"
