"""SLA texts designers write ("PT8H working", "2d", "30m") and the calendar helpers BPMN scripts can call.

A *working* SLA counts days as working days of the calendar (``add_working_days``) and hours/minutes as working
time (``add_working``); a *calendar* SLA (the default) is plain elapsed time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.calendar import WorkCalendar, parse_time_of_day
from engine.errors import CalendarInvalid

_ISO = re.compile(
    r"^P(?!$)(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?"
    r"(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_FRIENDLY_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class SlaSpec:
    """A parsed SLA: whole ``days``, a ``time`` part, and whether both count working time only."""

    days: int
    time: timedelta
    working: bool

    @property
    def duration(self) -> timedelta:
        """Days and time as one timedelta (for a working SLA, days are working days)."""
        return timedelta(days=self.days) + self.time

    def due(self, calendar: WorkCalendar, start: datetime) -> datetime:
        """The instant this SLA ends when it starts at ``start``."""
        if not self.working:
            return (start + self.duration).astimezone(calendar.zone)
        moment = calendar.add_working_days(start, self.days) if self.days else start
        return calendar.add_working(moment, self.time) if self.time else moment.astimezone(calendar.zone)


def parse_sla_spec(text: str, *, default_working: bool = False) -> SlaSpec:
    """Parse ``"PT8H"``, ``"P2D working"``, ``"P1DT4H calendar"``, ``"8h"``, ``"2d working"``, ``"1h 30m"``.

    Without a ``working``/``calendar`` suffix the SLA is working time only when ``default_working``.
    Raises :class:`CalendarInvalid` (field ``sla``) on anything else.
    """
    if not isinstance(text, str) or not text.strip():
        raise CalendarInvalid("sla", "an SLA is a duration such as 'PT8H', '2d working' or '30m'")
    words = text.strip().split()
    working = default_working
    if words[-1].lower() in ("working", "calendar"):
        working = words.pop().lower() == "working"
    body = "".join(words)
    spec = _parse_iso(body.upper()) if body[:1] in ("P", "p") else _parse_friendly(body.lower())
    if spec is None:
        raise CalendarInvalid(
            "sla", f"{text!r} is not a duration; write e.g. 'PT8H', 'P2D working', '8h', '2d working', '30m'"
        )
    days, rest = spec
    if days == 0 and rest <= timedelta(0):
        raise CalendarInvalid("sla", f"{text!r} is zero; an SLA must be longer than that")
    return SlaSpec(days=days, time=rest, working=working)


def _parse_iso(body: str) -> tuple[int, timedelta] | None:
    if re.match(r"^P(\d+Y|\d+M|\d+W)", body):
        raise CalendarInvalid("sla", "years, months and weeks are not supported; use days ('P14D')")
    match = _ISO.match(body)
    if match is None:
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    rest = timedelta(
        hours=parts.get("hours", 0), minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0)
    )
    return int(parts.get("days", 0)), rest


def _parse_friendly(body: str) -> tuple[int, timedelta] | None:
    if not body or _FRIENDLY_PART.sub("", body):
        return None
    days = 0
    rest = timedelta(0)
    for number, unit in _FRIENDLY_PART.findall(body):
        if unit == "d":
            if "." in number:
                raise CalendarInvalid("sla", "days must be whole; write hours instead ('36h')")
            days += int(number)
        else:
            rest += timedelta(seconds=float(number) * _UNIT_SECONDS[unit])
    return days, rest


def parse_sla(text: str) -> tuple[timedelta, bool]:
    """``(duration, working)`` of an SLA text.

    For a working SLA the days of the duration are working days: use :func:`sla_due` to get the deadline,
    since ``"PT48H working"`` and ``"P2D working"`` have the same timedelta but different meanings.
    """
    spec = parse_sla_spec(text)
    return spec.duration, spec.working


def sla_due(calendar: WorkCalendar, start: datetime, text: str, *, default_working: bool = False) -> datetime:
    """The deadline of the SLA ``text`` started at ``start`` (e.g. for a task's ``due_at``)."""
    return parse_sla_spec(text, default_working=default_working).due(calendar, start)


def _parse_instant(field_name: str, text: Any) -> datetime:
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(str(text))
        except ValueError:
            raise CalendarInvalid(field_name, f"{text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise CalendarInvalid(field_name, f"{text!r} has no time zone offset")
    return moment


def business_helpers(calendar: WorkCalendar, now_fn: Callable[[], datetime]) -> dict[str, Callable[..., Any]]:
    """Calendar functions for scripts and timer expressions; each returns an ISO 8601 string with offset.

    ``working_time("PT8H")`` (now + 8 working hours, usable as a timeDate timer), ``next_working_day("10:00")``,
    ``working_days(3)``, ``add_working(start_iso, "PT4H")``, ``working_hours_between(a_iso, b_iso)`` (float),
    ``is_working_time(at_iso=None)``, ``next_time_of_day("00:00")`` (the next such local time after now, any
    day: anchors a daily cycle, ``'R/' + next_time_of_day('00:00') + '/P1D'``).
    """

    def working_time(duration: str) -> str:
        return sla_due(calendar, now_fn(), duration, default_working=True).isoformat()

    def next_working_day(at: str = "09:00") -> str:
        return calendar.next_working_day_at(now_fn(), parse_time_of_day("at", at)).isoformat()

    def working_days(count: int) -> str:
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise CalendarInvalid("count", f"{count!r} is not a whole number of days")
        return calendar.add_working_days(now_fn(), count).isoformat()

    def add_working(start: str, duration: str) -> str:
        return sla_due(calendar, _parse_instant("start", start), duration, default_working=True).isoformat()

    def working_hours_between(start: str, end: str) -> float:
        span = calendar.working_between(_parse_instant("start", start), _parse_instant("end", end))
        return span / timedelta(hours=1)

    def is_working_time(at: str | None = None) -> bool:
        return calendar.is_working(now_fn() if at is None else _parse_instant("at", at))

    def next_time_of_day(at: str = "00:00") -> str:
        now = now_fn()
        _parse_instant("now", now)
        local = now.astimezone(calendar.zone)
        moment = datetime.combine(local.date(), parse_time_of_day("at", at), tzinfo=calendar.zone)
        if moment <= now:
            moment = datetime.combine(local.date() + timedelta(days=1), moment.timetz())
        return moment.isoformat()

    return {
        "next_time_of_day": next_time_of_day,
        "working_time": working_time,
        "next_working_day": next_working_day,
        "working_days": working_days,
        "add_working": add_working,
        "working_hours_between": working_hours_between,
        "is_working_time": is_working_time,
    }
