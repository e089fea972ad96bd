"""When the scheduled recalculation of statuses is due: every N hours, or daily at HH:MM local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.statuses.models import StatusRecalcSchedule
from crm.statuses.schedule import is_due, next_run_at


def schedule(**kw: object) -> StatusRecalcSchedule:
    defaults = {"enabled": True, "mode": "daily", "interval_hours": 24, "daily_at": "03:00"}
    defaults.update({"timezone": "Europe/Moscow", "last_run_at": None})
    defaults.update(kw)
    return StatusRecalcSchedule(**defaults)


def test_interval_is_due_after_n_hours() -> None:
    last = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    s = schedule(mode="interval", interval_hours=6, last_run_at=last)
    assert not is_due(s, last + timedelta(hours=5, minutes=59))
    assert is_due(s, last + timedelta(hours=6))
    assert is_due(schedule(mode="interval", interval_hours=6), last)  # never ran


def test_daily_is_due_once_after_the_local_time() -> None:
    # 03:00 in Moscow is 00:00 UTC.
    s = schedule(daily_at="03:00")
    assert is_due(s, datetime(2025, 3, 1, 0, 5, tzinfo=UTC))  # never ran
    s.last_run_at = datetime(2025, 3, 1, 0, 5, tzinfo=UTC)
    assert not is_due(s, datetime(2025, 3, 1, 23, 59, tzinfo=UTC))
    assert next_run_at(s, datetime(2025, 3, 1, 12, 0, tzinfo=UTC)) == datetime(2025, 3, 2, 0, 0, tzinfo=UTC)
    assert is_due(s, datetime(2025, 3, 2, 0, 0, tzinfo=UTC))


def test_daily_missed_slot_runs_late_once() -> None:
    s = schedule(daily_at="03:00", last_run_at=datetime(2025, 2, 27, 0, 1, tzinfo=UTC))
    assert is_due(s, datetime(2025, 3, 1, 9, 0, tzinfo=UTC))  # two days down: run now, once


def test_disabled_schedule_is_never_due() -> None:
    assert not is_due(schedule(enabled=False), datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
