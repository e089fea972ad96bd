"""What the administrators' trigger page needs beyond ``crm.triggers``: an overview of every trigger with its
deployed route map and last run, saving the edit form (text fields → typed parameters), and the "how it
behaves" preview — the next firing times of a scheduled trigger, worked out exactly as its route map does.

A scheduled trigger map is started by a daily timer at 00:00 company time (the engine's ``start_triggers`` row
holds the next tick). At each tick it reads its settings: switched off, or a weekly trigger on another weekday,
ends at once; otherwise it waits until ``run_at`` of the tick's day — with *Follow the work calendar*, a day
off moves the run to the next working day at ``run_at`` (``crm.triggers.scheduled_run``). :func:`next_firings`
applies that rule to the coming ticks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from crm.accounts.models import User
from crm.errors import ValidationFailed
from crm.messages import N_
from crm.triggers import (
    Trigger,
    TriggerState,
    configure_trigger,
    list_triggers,
    scheduled_run,
    trigger_state,
)
from engine.calendar import WorkCalendar, parse_time_of_day
from engine.calendar_service import get_default_calendar
from engine.calendar_sla import parse_sla_spec, sla_due
from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.errors import CalendarInvalid
from engine.instance_model import ProcessInstance
from engine.wait_models import StartTrigger

DAY = timedelta(days=1)
MESSAGE, SIGNAL, TIMER = "message", "signal", "timer"
# Parameters that hold a working-time duration or a time of day: checked the way the route map will use
# them, so a value the map cannot read is refused here rather than failing every run.
DURATION_PARAMS = frozenset({"answer_within"})
TIME_OF_DAY_PARAMS = frozenset({"run_at"})
MULTILINE_PARAMS = frozenset({"letter"})
SCHEDULE_PARAM = "periodicity"
_SEARCH_TICKS = 400  # a year of daily ticks is more than any calendar needs to show three runs


@dataclass(frozen=True)
class TriggerOverview:
    """One row of the trigger library page."""

    state: TriggerState
    started_by_kind: str  # message | signal | timer
    started_by_name: str  # the message/signal name, or "every day"
    deployed_version: int | None
    runs: int
    last_started_at: datetime | None

    @property
    def key(self) -> str:
        return self.state.trigger.key

    @property
    def scheduled(self) -> bool:
        return is_scheduled(self.state.trigger)


@dataclass(frozen=True)
class Firing:
    """One run of a scheduled trigger: the daily tick that started it, when it really does its work, and
    whether the work calendar moved it off a day off."""

    tick: datetime
    runs_at: datetime
    deferred: bool = False


def is_scheduled(trigger: Trigger) -> bool:
    """True for the triggers started by the daily timer (they have schedule parameters)."""
    return SCHEDULE_PARAM in trigger.params_schema


def _started_by(trigger: Trigger) -> tuple[str, str]:
    kind, _, name = trigger.started_by.partition(" ")
    if kind.startswith(TIMER):
        return TIMER, trigger.started_by.partition(":")[2].strip()
    return kind, name


def list_trigger_overviews() -> list[TriggerOverview]:
    """Every trigger with its state, deployed route-map version and last start (three queries in all)."""
    states = list_triggers()
    process_keys = [s.trigger.process_key for s in states]
    versions = dict(
        _rows(
            select(ProcessDefinition.key, func.max(ProcessDefinition.version))
            .where(ProcessDefinition.key.in_(process_keys))
            .group_by(ProcessDefinition.key)
        )
    )
    runs = {
        key: (count, last)
        for key, count, last in _rows(
            select(
                ProcessDefinition.key, func.count(ProcessInstance.id), func.max(ProcessInstance.started_at)
            )
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.key.in_(process_keys))
            .group_by(ProcessDefinition.key)
        )
    }
    overviews = []
    for state in states:
        kind, name = _started_by(state.trigger)
        count, last = runs.get(state.trigger.process_key, (0, None))
        overviews.append(
            TriggerOverview(state, kind, name, versions.get(state.trigger.process_key), count, last)
        )
    return overviews


def _rows(query: Any) -> list[Any]:
    return list(db.session.execute(query).all())


def form_to_params(trigger: Trigger, form: Mapping[str, str]) -> dict[str, Any]:
    """Typed parameters from the edit form's text fields; raises ``ValidationFailed`` per field.

    Booleans are checkboxes (absent = false), integers must be whole numbers, durations must be working-time
    SLA texts and times of day ``HH:MM``; the rest (ranges, patterns, choices) is checked by
    :func:`crm.triggers.configure_trigger` against the trigger's schema.
    """
    params: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, schema in trigger.params_schema.items():
        raw = (form.get(name) or "").strip()
        if schema.get("type") == "boolean":
            params[name] = raw in {"1", "on", "true", "yes"}
        elif schema.get("type") == "integer":
            try:
                params[name] = int(raw)
            except ValueError:
                errors[name] = N_("enter a whole number")
        else:
            params[name] = raw
    for name in DURATION_PARAMS & params.keys():
        try:
            parse_sla_spec(params[name], default_working=True)
        except CalendarInvalid as exc:
            errors[name] = str(exc).split(": ", 1)[-1]
    for name in TIME_OF_DAY_PARAMS & params.keys():
        try:
            parse_time_of_day(name, params[name])
        except CalendarInvalid:
            errors[name] = N_("write the time as HH:MM, e.g. 10:00")
    if errors:
        raise ValidationFailed(errors)
    return params


def save_trigger_form(actor: User, key: str, form: Mapping[str, str]) -> TriggerState:
    """Store the edit form of trigger ``key`` (administrators only); nothing is stored when a field is invalid.

    Raises ``ValidationFailed`` (field → message), ``AccessDenied`` or ``NotFound`` like ``configure_trigger``.
    """
    trigger = trigger_state(key).trigger
    return configure_trigger(actor, key, params=form_to_params(trigger, form))


def next_firings(
    params: Mapping[str, Any],
    calendar: WorkCalendar,
    first_tick: datetime,
    *,
    period: timedelta = DAY,
    count: int = 3,
    not_before: datetime | None = None,
) -> list[Firing]:
    """The next ``count`` runs of a scheduled trigger whose daily timer ticks at ``first_tick`` + k·``period``.

    The rule of the shipped trigger maps (``crm.triggers.scheduled_run``): each tick stands for its day; a
    weekly trigger runs only on its ``weekday`` (1 = Monday, in the calendar's zone); the run is at ``run_at``
    that day, or — with ``respect_calendar`` and a day off — at ``run_at`` on the next working day; a tick
    later than ``run_at`` runs at the tick. Runs before ``not_before`` are left out. Sorted by when they run
    (deferred runs may share a time).
    """
    parse_time_of_day("run_at", params.get("run_at") or "10:00")  # a clear error for a broken value
    firings: list[Firing] = []
    tick = first_tick
    for _ in range(_SEARCH_TICKS):
        run = scheduled_run(dict(params), calendar, tick)
        if run.due and (not_before is None or max(run.runs_at, tick) >= not_before):
            runs_at = max(run.runs_at, tick)
            firings.append(
                Firing(tick.astimezone(calendar.zone), runs_at.astimezone(calendar.zone), run.deferred)
            )
        tick += period
        # a later tick never runs before itself: once ``count`` runs come before it, the list is final
        if sum(1 for f in firings if f.runs_at <= tick) >= count:
            break
    return sorted(firings, key=lambda f: (f.runs_at, f.tick))[:count]


@dataclass(frozen=True)
class Preview:
    """The "how it behaves" box of the edit page."""

    start: datetime
    scheduled_from_engine: bool  # the engine's daily timer is registered (else counted from ``start``)
    firings: list[Firing]
    answer_by: datetime | None = None  # answer_eta: what a request arriving at ``start`` is promised
    error: str = ""


def schedule_anchor(process_key: str) -> tuple[datetime, timedelta] | None:
    """The next tick and period of the active daily timer start of ``process_key``, if the scheduler has it."""
    row = _rows(
        select(StartTrigger.next_due_at, StartTrigger.period_seconds).where(
            StartTrigger.process_key == process_key,
            StartTrigger.kind == TIMER,
            StartTrigger.active.is_(True),
        )
    )
    if not row or row[0][0] is None:
        return None
    return row[0][0], timedelta(seconds=row[0][1] or DAY.total_seconds())


def _next_midnight(calendar: WorkCalendar, moment: datetime) -> datetime:
    local = moment.astimezone(calendar.zone)
    return datetime.combine(local.date() + DAY, datetime.min.time(), tzinfo=calendar.zone)


def trigger_preview(state: TriggerState, start: datetime) -> Preview:
    """What trigger ``state`` does from ``start`` on, by the default work calendar: the next three runs of a
    scheduled trigger (from the engine's registered timer, else as the first scheduler tick at ``start``
    would register it), or the promised answer time of ``answer_eta``."""
    calendar = get_default_calendar()
    trigger = state.trigger
    try:
        if "answer_within" in state.params:
            answer_by = sla_due(calendar, start, state.params["answer_within"], default_working=True)
            return Preview(start, False, [], answer_by=answer_by.astimezone(calendar.zone))
        if not is_scheduled(trigger):
            return Preview(start, False, [])
        anchor = schedule_anchor(trigger.process_key)
        # Not registered yet: the first scheduler tick will register the next midnight (company time).
        first, period = anchor if anchor else (_next_midnight(calendar, start), DAY)
        if first < start:  # a preview from a later date: the last tick on the same grid, whose run may be
            first += period * ((start - first) // period)  # still ahead (00:00 tick, 10:00 run)
        firings = next_firings(state.params, calendar, first, period=period, not_before=start)
        return Preview(start, anchor is not None, firings)
    except (CalendarInvalid, ValueError) as exc:
        return Preview(start, False, [], error=str(exc).split(": ", 1)[-1])
