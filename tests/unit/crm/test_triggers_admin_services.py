"""The next-firing rule of the scheduled trigger maps, on the default calendar (9–18 Mon–Fri, Moscow, RU
holidays). June 2026: Thursday 11 is a working day, Friday 12 is Russia Day, 13–14 the weekend."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.errors import ValidationFailed
from crm.triggers import TRIGGERS, scheduled_run
from crm.triggers_admin_services import form_to_params, next_firings
from engine.calendar import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar.default()
THURSDAY_0 = datetime(2026, 6, 11, 0, 0, tzinfo=MSK)  # the daily timer ticks at 00:00


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 6, day, hh, mm, tzinfo=MSK)


def params(**over):
    return {"periodicity": "day", "weekday": 1, "respect_calendar": True, "run_at": "11:30", **over}


def test_daily_runs_at_run_at_and_the_calendar_moves_the_holiday_and_the_weekend_to_monday():
    firings = next_firings(params(), CAL, THURSDAY_0, count=5)
    assert [(f.tick.day, f.runs_at) for f in firings] == [
        (11, at(11, 11, 30)),  # Thursday: a working day, runs at run_at (not at the 00:00 tick)
        (12, at(15, 11, 30)),  # Friday 12 June, Russia Day → Monday at run_at
        (13, at(15, 11, 30)),  # Saturday
        (14, at(15, 11, 30)),  # Sunday
        (15, at(15, 11, 30)),  # Monday's own tick
    ]
    assert [f.deferred for f in firings] == [False, True, True, True, False]


def test_without_the_calendar_every_day_runs_at_run_at():
    firings = next_firings(params(respect_calendar=False), CAL, THURSDAY_0)
    assert [f.runs_at for f in firings] == [at(11, 11, 30), at(12, 11, 30), at(13, 11, 30)]
    assert not any(f.deferred for f in firings)


def test_weekly_runs_only_on_its_weekday_and_a_saturday_moves_to_monday():
    firings = next_firings(params(periodicity="week", weekday=6), CAL, THURSDAY_0)
    assert [f.runs_at for f in firings] == [at(15, 11, 30), at(22, 11, 30), at(29, 11, 30)]
    assert [f.tick.isoweekday() for f in firings] == [6, 6, 6]


def test_run_at_is_the_run_time_even_before_the_working_day_starts():
    firings = next_firings(params(run_at="07:15"), CAL, at(9, 0), count=1)  # Tuesday, work starts at 09:00
    assert firings[0].runs_at == at(9, 7, 15) and not firings[0].deferred


def test_a_late_tick_runs_at_once_when_run_at_has_passed():
    firings = next_firings(params(), CAL, at(11, 14, 0), count=1)  # the scheduler was down until 14:00
    assert firings[0].runs_at == at(11, 14, 0)


def test_a_tick_drifting_around_midnight_counts_for_its_own_day():
    before_midnight = at(10, 23, 0)  # a clock change moved the 00:00 tick of Thursday 11 an hour back
    run = scheduled_run(params(), CAL, before_midnight)
    assert run.day == at(11, 0).date() and run.runs_at == at(11, 11, 30)


def test_the_period_of_the_timer_is_honoured():
    firings = next_firings(params(respect_calendar=False), CAL, THURSDAY_0, period=timedelta(days=2))
    assert [f.runs_at for f in firings] == [at(11, 11, 30), at(13, 11, 30), at(15, 11, 30)]


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
