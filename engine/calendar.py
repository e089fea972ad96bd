"""The business (work) calendar: when people work, and time arithmetic in working hours.

A :class:`WorkCalendar` is a pure value: a time zone, a weekly schedule (several intervals a day), public
holidays of a country (the ``holidays`` package, loaded per year on first use) and per-company exceptions
(a day off, or a working day with its own hours — e.g. Russia's transferred working Saturdays). Every method
takes and returns timezone-aware datetimes; results are in the calendar's zone. Arithmetic runs on UTC instants,
so DST changes are handled, and long spans skip whole plain weeks instead of walking day by day.

An interval ending at ``00:00`` means "until midnight" (24:00).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from engine.errors import CalendarInvalid

Interval = tuple[time, time]
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0, 0)
SEARCH_HORIZON_DAYS = 366 * 5  # give up (calendar without working time) after this many days
_WEEK = timedelta(days=7)
_ZERO = timedelta(0)


def _end_minutes(end: time) -> float:
    return 24 * 60 if end == MIDNIGHT else end.hour * 60 + end.minute + end.second / 60


def validate_intervals(field_name: str, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Check intervals are (start, end) times with end > start, in order and not overlapping."""
    result = tuple(intervals)
    previous_end = -1.0
    for start, end in result:
        if not isinstance(start, time) or not isinstance(end, time) or start.tzinfo or end.tzinfo:
            raise CalendarInvalid(field_name, "each interval is a pair of local times")
        start_minutes = start.hour * 60 + start.minute + start.second / 60
        if _end_minutes(end) <= start_minutes:
            raise CalendarInvalid(field_name, f"interval {start:%H:%M}–{end:%H:%M} must end after it starts")
        if start_minutes < previous_end:
            raise CalendarInvalid(field_name, f"interval starting {start:%H:%M} is out of order or overlaps")
        previous_end = _end_minutes(end)
    return result


def parse_time_of_day(field_name: str, text: Any) -> time:
    """``"09:30"`` → time(9, 30); ``"24:00"`` → midnight (the end of the day)."""
    if text in ("24:00", "24:00:00"):
        return MIDNIGHT
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise CalendarInvalid(field_name, f"{text!r} is not a time of day like '09:00'") from None


def parse_intervals(field_name: str, raw: Any) -> tuple[Interval, ...]:
    """JSON intervals (``[["09:00", "13:00"], ["14:00", "18:00"]]``) → validated interval tuples."""
    if not isinstance(raw, list | tuple):
        raise CalendarInvalid(field_name, "expected a list of [start, end] pairs")
    pairs: list[Interval] = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise CalendarInvalid(field_name, f"{item!r} is not a [start, end] pair")
        pairs.append((parse_time_of_day(field_name, item[0]), parse_time_of_day(field_name, item[1])))
    return validate_intervals(field_name, pairs)


def intervals_to_json(intervals: Iterable[Interval]) -> list[list[str]]:
    """Interval tuples → ``[["09:00", "18:00"]]`` (midnight as an end is written "24:00")."""
    return [[f"{s:%H:%M}", "24:00" if e == MIDNIGHT else f"{e:%H:%M}"] for s, e in intervals]


def parse_schedule(raw: Any) -> dict[int, tuple[Interval, ...]]:
    """``{"mon": [["09:00", "18:00"]], ...}`` → weekly schedule keyed by weekday (0 = Monday)."""
    if not isinstance(raw, Mapping):
        raise CalendarInvalid("schedule", "expected an object keyed by weekday (mon…sun)")
    unknown = set(raw) - set(WEEKDAY_KEYS)
    if unknown:
        raise CalendarInvalid(
            "schedule", f"unknown weekday key(s) {sorted(unknown)}; use {list(WEEKDAY_KEYS)}"
        )
    return {i: parse_intervals(f"schedule.{key}", raw.get(key, [])) for i, key in enumerate(WEEKDAY_KEYS)}


def schedule_to_json(weekly: Mapping[int, Iterable[Interval]]) -> dict[str, list[list[str]]]:
    """Weekly schedule → its JSON form (every weekday present)."""
    return {key: intervals_to_json(weekly.get(i, ())) for i, key in enumerate(WEEKDAY_KEYS)}


def _nine_to_six() -> dict[int, tuple[Interval, ...]]:
    return {day: ((time(9), time(18)),) if day < 5 else () for day in range(7)}


def _require_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """Working time of a company: zone, weekly hours, a country's holidays and per-date exceptions.

    ``weekly`` maps weekday (0 = Monday) to its intervals; ``exceptions`` maps a date to its intervals — an
    empty tuple makes it a day off, intervals make it a working day with those hours (overriding holidays).
    """

    timezone: str = "Europe/Moscow"
    weekly: Mapping[int, tuple[Interval, ...]] = field(default_factory=_nine_to_six)
    country: str | None = "RU"
    exceptions: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    name: str = "default"
    _holidays: dict[int, frozenset[date]] = field(default_factory=dict, init=False, repr=False)
    zone: ZoneInfo = field(init=False, repr=False)
    _nominal_week: timedelta = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarInvalid("timezone", f"unknown time zone {self.timezone!r}") from None
        object.__setattr__(self, "zone", zone)
        weekly = {
            d: validate_intervals(f"schedule.{WEEKDAY_KEYS[d]}", self.weekly.get(d, ())) for d in range(7)
        }
        object.__setattr__(self, "weekly", weekly)
        exceptions = {
            day: validate_intervals(f"exception {day.isoformat()}", ivs)
            for day, ivs in self.exceptions.items()
        }
        object.__setattr__(self, "exceptions", exceptions)
        if self.country:
            try:
                holidays.country_holidays(self.country)
            except NotImplementedError:
                raise CalendarInvalid(
                    "country", f"no public holidays are known for {self.country!r}"
                ) from None
        nominal = sum((self._nominal_length(ivs) for ivs in weekly.values()), _ZERO)
        object.__setattr__(self, "_nominal_week", nominal)

    @classmethod
    def default(cls) -> WorkCalendar:
        """9:00–18:00 Monday to Friday, Europe/Moscow, Russian public holidays."""
        return cls()

    # --- days -------------------------------------------------------------------------------------------------

    def holidays_in(self, year: int) -> frozenset[date]:
        """The country's public holidays (and official days off) in ``year``; computed once per year."""
        if not self.country:
            return frozenset()
        cached = self._holidays.get(year)
        if cached is None:
            cached = frozenset(holidays.country_holidays(self.country, years=year))
            self._holidays[year] = cached
        return cached

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The local working intervals of ``day`` after exceptions and holidays."""
        if day in self.exceptions:
            return self.exceptions[day]
        if day in self.holidays_in(day.year):
            return ()
        return self.weekly[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` has any working hours."""
        return bool(self.intervals_on(day))

    def _is_plain(self, day: date) -> bool:
        return day not in self.exceptions and day not in self.holidays_in(day.year)

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, MIDNIGHT, tzinfo=self.zone).astimezone(UTC)

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of ``day`` as UTC instants."""
        spans = []
        for start, end in self.intervals_on(day):
            end_day = day + timedelta(days=1) if end == MIDNIGHT else day
            spans.append(
                (
                    datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC),
                    datetime.combine(end_day, end, tzinfo=self.zone).astimezone(UTC),
                )
            )
        return spans

    @staticmethod
    def _nominal_length(intervals: Iterable[Interval]) -> timedelta:
        minutes = sum(_end_minutes(e) - (s.hour * 60 + s.minute + s.second / 60) for s, e in intervals)
        return timedelta(minutes=minutes)

    def _plain_week(self, day: date) -> timedelta | None:
        """Working time of the 7 days from ``day`` when they are ordinary (no holiday, exception or DST change)."""
        if self._day_start(day + _WEEK) - self._day_start(day) != _WEEK:
            return None
        if all(self._is_plain(day + timedelta(days=i)) for i in range(7)):
            return self._nominal_week
        return None

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    # --- instants ---------------------------------------------------------------------------------------------

    def is_working(self, moment: datetime) -> bool:
        """True when ``moment`` falls inside a working interval (start inclusive, end exclusive)."""
        _require_aware("moment", moment)
        t = moment.astimezone(UTC)
        return any(a <= t < b for a, b in self._spans(self._local_date(moment)))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when it is working time, else the start of the next working interval."""
        _require_aware("moment", moment)
        t = moment.astimezone(UTC)
        day = self._local_date(moment)
        for _ in range(SEARCH_HORIZON_DAYS):
            for a, b in self._spans(day):
                if b > t:
                    return max(a, t).astimezone(self.zone)
            day += timedelta(days=1)
        raise CalendarInvalid("schedule", f"no working time within {SEARCH_HORIZON_DAYS} days")

    def add_working(self, start: datetime, delta: timedelta) -> datetime:
        """The instant ``delta`` of working time after ``start`` ("8 working hours after").

        Work ends exactly at an interval's end when the time runs out there (Friday 17:00 + 1 h = Friday 18:00).
        """
        _require_aware("start", start)
        if delta < _ZERO:
            raise ValueError("delta must not be negative")
        if delta == _ZERO:
            return start.astimezone(self.zone)
        t = start.astimezone(UTC)
        remaining = delta
        day = self._local_date(start)
        idle_days = 0  # consecutive days without working time: a calendar with none must not loop forever
        while idle_days < SEARCH_HORIZON_DAYS:
            if t <= self._day_start(day):
                week = self._plain_week(day)
                if week is not None and remaining > week:
                    remaining -= week
                    idle_days = idle_days + 7 if week == _ZERO else 0
                    day += _WEEK
                    t = self._day_start(day)
                    continue
            idle_days += 1
            for a, b in self._spans(day):
                if b <= t:
                    continue
                begin = max(a, t)
                if remaining <= b - begin:
                    return (begin + remaining).astimezone(self.zone)
                remaining -= b - begin
                idle_days = 0
            day += timedelta(days=1)
            t = max(t, self._day_start(day))
        raise CalendarInvalid("schedule", f"no working time within {SEARCH_HORIZON_DAYS} days")

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (negative when ``end`` is before ``start``)."""
        _require_aware("start", start)
        _require_aware("end", end)
        if end < start:
            return -self.working_between(end, start)
        t, stop = start.astimezone(UTC), end.astimezone(UTC)
        total = _ZERO
        day = self._local_date(start)
        while self._day_start(day) < stop:
            day_start = self._day_start(day)
            if t <= day_start and self._day_start(day + _WEEK) <= stop:
                week = self._plain_week(day)
                if week is not None:
                    total += week
                    day += _WEEK
                    continue
            for a, b in self._spans(day):
                low, high = max(a, t), min(b, stop)
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total

    def working_between_excluding(
        self, start: datetime, end: datetime, pauses: Iterable[tuple[datetime, datetime]]
    ) -> timedelta:
        """Working time between ``start`` and ``end`` minus the working time inside ``pauses`` (may overlap)."""
        total = self.working_between(start, end)
        if end <= start:
            return total
        clipped = sorted(
            (max(p_start, start), min(p_end, end))
            for p_start, p_end in pauses
            if p_end > start and p_start < end
        )
        merged: list[list[datetime]] = []
        for p_start, p_end in clipped:
            if merged and p_start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], p_end)
            elif p_end > p_start:
                merged.append([p_start, p_end])
        for p_start, p_end in merged:
            total -= self.working_between(p_start, p_end)
        return max(total, _ZERO)

    def next_working_day_at(self, moment: datetime, at: time) -> datetime:
        """``at`` local time on the first working day after ``moment``'s local date ("next working day 10:00")."""
        _require_aware("moment", moment)
        day = self._local_date(moment)
        for _ in range(SEARCH_HORIZON_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return datetime.combine(day, at, tzinfo=self.zone)
        raise CalendarInvalid("schedule", f"no working day within {SEARCH_HORIZON_DAYS} days")

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same local time of day, ``days`` working days later (Friday 15:00 + 1 → Monday 15:00)."""
        _require_aware("moment", moment)
        if days < 0:
            raise ValueError("days must not be negative")
        local = moment.astimezone(self.zone)
        day = local.date()
        remaining = days
        for _ in range(SEARCH_HORIZON_DAYS + days * 7):
            if remaining == 0:
                return datetime.combine(day, local.time(), tzinfo=self.zone)
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        raise CalendarInvalid("schedule", f"no working day within {SEARCH_HORIZON_DAYS} days")
