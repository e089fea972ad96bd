"""The day, week and month pieces that tile a period count every day of it exactly once."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from engine.analytics.periods import DAY, MONTH, WEEK, cover, period_start

_LOW, _HIGH = date(2023, 11, 1), date(2025, 3, 1)  # the days the check counts over (open bounds end here)


def _days_counted(pieces: list[tuple[str, date | None, date | None]]) -> list[date]:
    """Every day of [_LOW, _HIGH) counted once per piece row holding it."""
    counted = []
    day = _LOW
    while day < _HIGH:
        for period in (DAY, WEEK, MONTH):
            start = period_start(day, period)
            counted += [day for p, lo, hi in pieces if p == period and (lo is None or start >= lo)
                        and (hi is None or start < hi)]  # fmt: skip
        day += timedelta(days=1)
    return counted


def _expected(start: date | None, end: date | None) -> list[date]:
    first, last = max(start or _LOW, _LOW), min(end or _HIGH, _HIGH)
    return [first + timedelta(days=i) for i in range((last - first).days)]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (date(2024, 1, 1), date(2024, 3, 1)),  # whole months only
        (date(2024, 1, 15), date(2024, 1, 20)),  # days only
        (date(2024, 1, 3), date(2024, 1, 31)),  # weeks between days, no whole month
        (date(2024, 2, 26), date(2024, 4, 3)),  # a week across a month's end stays out
        (None, date(2024, 5, 17)),
        (date(2024, 5, 17), None),
        (date(2024, 12, 30), date(2025, 1, 1)),
    ],
)
def test_pieces_count_each_day_once(start, end):
    assert _days_counted(cover(start, end)) == _expected(start, end)


def test_random_periods():
    rng = random.Random(5)
    for _ in range(60):
        start = _LOW + timedelta(days=rng.randrange(400))
        end = start + timedelta(days=rng.randrange(1, 80))
        assert _days_counted(cover(start, end)) == _expected(start, end)


def test_a_long_period_reads_few_rows():
    pieces = cover(date(2024, 1, 3), date(2024, 4, 3))
    assert pieces == [
        (MONTH, date(2024, 2, 1), date(2024, 4, 1)),  # February and March
        (WEEK, date(2024, 1, 8), date(2024, 1, 29)),  # three weeks of January
        (DAY, date(2024, 1, 3), date(2024, 1, 8)),
        (DAY, date(2024, 1, 29), date(2024, 2, 1)),
        (DAY, date(2024, 4, 1), date(2024, 4, 3)),
    ]
