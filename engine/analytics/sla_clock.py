"""SLA clocks in business time with pauses: deadlines, elapsed time and the met / at-risk / breached state.

Pure functions over a :class:`~engine.calendar.WorkCalendar` (no database): the CRM's appeal SLA and the
per-step SLA of route maps both use them. A pause (an appeal waiting for the client, a suspended instance)
stops the clock: the deadline moves later by the working time (calendar time, for a calendar SLA) the pause
covered before the deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.calendar import WorkCalendar
from engine.calendar_sla import SlaSpec

MET = "met"
BREACHED = "breached"
AT_RISK = "at_risk"
ON_TRACK = "on_track"
SLA_STATES = (MET, BREACHED, AT_RISK, ON_TRACK)
DEFAULT_RISK_SHARE = 0.8  # an open item is "at risk" once 80 % of its target time is used

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class SlaClock:
    """Where one SLA clock stands.

    ``due_at``/``risk_at`` are the instants the target (and its risk share) run out given the pauses so far;
    both are None while the clock is stopped by an open pause — then ``frozen_state`` is the state it keeps.
    """

    target: timedelta  # target length in the SLA's own time (working or calendar)
    elapsed: timedelta  # time used up to ``done_at`` or ``now``, pauses excluded
    due_at: datetime | None
    risk_at: datetime | None
    state: str
    frozen_state: str | None = None
    done: bool = False


def merge_pauses(pauses: Iterable[Pause], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Pauses clipped to ``[start, end]``, sorted and merged; an open pause (None end) lasts until ``end``."""
    clipped = sorted(
        (max(p_start, start), min(p_end or end, end))
        for p_start, p_end in pauses
        if (p_end is None or p_end > start) and p_start < end
    )
    merged: list[list[datetime]] = []
    for p_start, p_end in clipped:
        if p_end <= p_start:
            continue
        if merged and p_start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], p_end)
        else:
            merged.append([p_start, p_end])
    return [(a, b) for a, b in merged]


def elapsed_time(
    calendar: WorkCalendar, start: datetime, end: datetime, pauses: Iterable[Pause], *, working: bool
) -> timedelta:
    """Time from ``start`` to ``end`` without the pauses: working time, or plain elapsed time."""
    if end <= start:
        return timedelta(0)
    merged = merge_pauses(pauses, start, end)
    if working:
        return calendar.working_between_excluding(start, end, merged)
    return (end - start) - sum((b - a for a, b in merged), timedelta(0))


def target_length(calendar: WorkCalendar, spec: SlaSpec, start: datetime) -> timedelta:
    """The SLA's length from ``start`` in its own time (working days count as the working time they hold)."""
    if not spec.working:
        return spec.duration
    return calendar.working_between(start, spec.due(calendar, start))


def _advance(calendar: WorkCalendar, moment: datetime, amount: timedelta, working: bool) -> datetime:
    if working:
        return calendar.add_working(moment, amount) if amount > timedelta(0) else moment
    return moment + amount


def _deadline(
    calendar: WorkCalendar,
    deadline: datetime,
    pauses: list[tuple[datetime, datetime]],
    open_pause_from: datetime | None,
    working: bool,
) -> datetime | None:
    """A deadline moved later by the pauses before it; None when an open pause stops the clock before it."""
    for p_start, p_end in pauses:
        if p_start >= deadline:
            break
        covered = calendar.working_between(p_start, p_end) if working else p_end - p_start
        deadline = _advance(calendar, deadline, covered, working)
    if open_pause_from is not None and open_pause_from < deadline:
        return None
    return deadline


def sla_clock(
    calendar: WorkCalendar,
    spec: SlaSpec,
    start: datetime,
    *,
    done_at: datetime | None,
    now: datetime,
    pauses: Iterable[Pause] = (),
    risk_share: float = DEFAULT_RISK_SHARE,
) -> SlaClock:
    """The state of one SLA clock started at ``start`` and stopped at ``done_at`` (None: still running).

    A finished item is ``met`` when it was done by its deadline, else ``breached``. A running one is
    ``breached`` past the deadline, ``at_risk`` past ``risk_share`` of the target, else ``on_track``; while an
    open pause stops its clock it keeps the state it had when the pause began.
    """
    end = done_at or now
    pause_list = list(pauses)
    closed = merge_pauses([(a, b) for a, b in pause_list if b is not None], start, end)
    open_from = None if done_at is not None else _open_pause_start(pause_list, end)
    length = target_length(calendar, spec, start)
    risk_length = timedelta(seconds=length.total_seconds() * risk_share)
    base_due = spec.due(calendar, start).astimezone(start.tzinfo)
    due = _deadline(calendar, base_due, closed, open_from, spec.working)
    risk = _deadline(
        calendar, _advance(calendar, start, risk_length, spec.working), closed, open_from, spec.working
    )
    elapsed = elapsed_time(calendar, start, end, pause_list, working=spec.working)
    if done_at is not None:
        state = MET if elapsed <= length else BREACHED
        return SlaClock(length, elapsed, due, risk, state, done=True)
    state = BREACHED if elapsed > length else AT_RISK if elapsed >= risk_length else ON_TRACK
    frozen = state if open_from is not None else None
    return SlaClock(length, elapsed, due, risk, state, frozen)


def _open_pause_start(pauses: list[Pause], end: datetime) -> datetime | None:
    starts = [p_start for p_start, p_end in pauses if p_end is None and p_start <= end]
    return min(starts) if starts else None


def state_at(clock: SlaClock, now: datetime) -> str:
    """The state of a stored running clock at ``now`` (the SQL pages do the same with a CASE)."""
    if clock.done or clock.frozen_state is not None or clock.due_at is None or clock.risk_at is None:
        return clock.frozen_state or clock.state
    if now > clock.due_at:
        return BREACHED
    return AT_RISK if now >= clock.risk_at else ON_TRACK
