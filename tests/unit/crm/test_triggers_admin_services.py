"""The next-firing rule of the scheduled trigger maps, on the default calendar (9–18 Mon–Fri, Moscow, RU
holidays). June 2026: Thursday 11 is a working day, Friday 12 is Russia Day, 13–14 the weekend."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.errors import ValidationFailed
from crm.triggers import TRIGGERS
from crm.triggers_admin_services import form_to_params, next_firings
from engine.calendar import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar.default()
THURSDAY_10 = datetime(2026, 6, 11, 10, 0, tzinfo=MSK)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 6, day, hh, mm, tzinfo=MSK)


def params(**over):
    return {"periodicity": "day", "weekday": 1, "respect_calendar": True, "run_at": "11:30", **over}


def test_daily_following_the_calendar_defers_the_holiday_and_the_weekend_to_monday_run_at():
    firings = next_firings(params(), CAL, THURSDAY_10, count=5)
    assert [(f.tick.day, f.runs_at) for f in firings] == [
        (11, at(11, 10)),  # Thursday: working time, runs at the tick
        (15, at(15, 10)),  # Monday's own tick
        (12, at(15, 11, 30)),  # Friday 12 June, Russia Day → Monday at run_at
        (13, at(15, 11, 30)),  # Saturday
        (14, at(15, 11, 30)),  # Sunday
    ]
    assert [f.deferred for f in firings] == [False, False, True, True, True]


def test_without_the_calendar_every_tick_runs_on_time():
    firings = next_firings(params(respect_calendar=False), CAL, THURSDAY_10)
    assert [f.runs_at for f in firings] == [at(11, 10), at(12, 10), at(13, 10)]


def test_weekly_runs_only_on_its_weekday_and_a_saturday_moves_to_monday():
    firings = next_firings(params(periodicity="week", weekday=6), CAL, THURSDAY_10)
    assert [f.runs_at for f in firings] == [at(15, 11, 30), at(22, 11, 30), at(29, 11, 30)]
    assert [f.tick.isoweekday() for f in firings] == [6, 6, 6]


def test_a_tick_outside_working_hours_waits_for_the_next_working_day():
    early = datetime(2026, 6, 9, 7, 0, tzinfo=MSK)  # Tuesday 07:00, before the working day starts
    firings = next_firings(params(run_at="09:15"), CAL, early, count=1)
    assert firings[0].runs_at == datetime(2026, 6, 10, 9, 15, tzinfo=MSK)


def test_the_period_of_the_timer_is_honoured():
    firings = next_firings(params(respect_calendar=False), CAL, THURSDAY_10, period=timedelta(hours=12))
    assert [f.runs_at for f in firings] == [at(11, 10), at(11, 22), at(12, 10)]


def test_form_fields_become_typed_parameters():
    form = {"days_after_loss": "30", "periodicity": "week", "weekday": "3", "run_at": "08:45"}
    assert form_to_params(TRIGGERS["recreate_lost"], form) == {
        "days_after_loss": 30, "periodicity": "week", "weekday": 3, "respect_calendar": False, "run_at": "08:45",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        ("recreate_lost", "days_after_loss", "ninety"),
        ("recreate_lost", "run_at", "25:00"),
        ("answer_eta", "answer_within", "soon"),
    ],
)
def test_form_values_the_map_could_not_use_are_refused_per_field(key, field, value):
    form = {"days_after_loss": "90", "periodicity": "day", "weekday": "1", "run_at": "10:00", field: value}
    with pytest.raises(ValidationFailed) as caught:
        form_to_params(TRIGGERS[key], form)
    assert list(caught.value.field_errors) == [field]
