"""Day, ISO week and month rows of the people-split summaries, and the fewest of them that tile a period.

The summaries split by people (``InstancePeopleDay``, ``StepAssigneeDay``) hold one row per people set or
assignee per period, so a filter of many days reads a row per month and week it covers whole and a row per day
only at its edges, instead of a row per day: a people set rarely has many instances on one day, and the rows a
department filter reads stay few.
"""

from __future__ import annotations

from datetime import date, timedelta

DAY = "day"
WEEK = "week"
MONTH = "month"
PERIODS = (DAY, WEEK, MONTH)

Piece = tuple[str, date | None, date | None]  # (period, first period start, end): rows with lo <= start < hi


def period_start(day: date, period: str) -> date:
    """The first day of the day, ISO week (Monday) or month holding ``day``."""
    if period == WEEK:
        return day - timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    return day


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def cover(start: date | None, end: date | None) -> list[Piece]:
    """Pieces whose rows together count every day of ``[start, end)`` once (None: unbounded).

    Whole months first; of what is left at either edge, whole ISO weeks; the rest in days.
    """
    first = start if start is None or start.day == 1 else _next_month(start)
    last = end if end is None or end.day == 1 else end.replace(day=1)
    if first is not None and last is not None and first >= last:
        assert start is not None and end is not None
        return _weeks_and_days(start, end)
    pieces: list[Piece] = [(MONTH, first, last)]
    if start is not None and first is not None and start < first:
        pieces += _weeks_and_days(start, first)
    if end is not None and last is not None and last < end:
        pieces += _weeks_and_days(last, end)
    return pieces


def _weeks_and_days(start: date, end: date) -> list[Piece]:
    if start >= end:
        return []
    monday = start + timedelta(days=-start.weekday() % 7)
    last_monday = end - timedelta(days=end.weekday())
    if monday >= last_monday:
        return [(DAY, start, end)]
    pieces: list[Piece] = [(WEEK, monday, last_monday)]
    if start < monday:
        pieces.append((DAY, start, monday))
    if last_monday < end:
        pieces.append((DAY, last_monday, end))
    return pieces
