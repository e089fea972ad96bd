"""The trigger library: small route maps started by a message or a timer, switched on and parameterised by an
administrator (SPEC §1.9).

Every trigger map starts by calling the ``triggers/settings`` operation with its key; the answer (``enabled``,
``params`` and, for scheduled triggers, ``due_today``, ``runs_at`` and ``wait``) drives its first gateways, so
switching a trigger off or changing a parameter takes effect at the next start without deploying anything.

Scheduled triggers: the map's timer ticks once a day at 00:00 company time (``'R/' + next_time_of_day('00:00')
+ '/P1D'``; a timer cycle is fixed when the scheduler registers it and cannot read these settings). Each tick
stands for one day; the map then waits until ``run_at`` of that day (:func:`scheduled_run`), so *Run at* is
the run time and a changed value applies from the next day. ``periodicity`` is ``day`` or ``week`` +
``weekday``; with ``respect_calendar`` a run that falls on a day off moves to the next working day at
``run_at`` (SPEC §1.9 #30). A tick that comes late (the scheduler was down) runs at once if ``run_at`` passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import jsonschema
from sqlalchemy import select

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.messages import N_
from crm.processes_models import TriggerSetting
from engine.calendar import WorkCalendar, parse_time_of_day
from engine.calendar_service import get_default_calendar
from engine.db import db

_SCHEDULE_SCHEMA: dict[str, Any] = {
    "periodicity": {"enum": ["day", "week"], "title": "Periodicity"},
    "weekday": {"type": "integer", "minimum": 1, "maximum": 7, "title": "Weekday (1 = Monday)"},
    "respect_calendar": {"type": "boolean", "title": "Follow the work calendar"},
    "run_at": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "title": "Run at (HH:MM)"},
}
_SCHEDULE_DEFAULTS = {"periodicity": "day", "weekday": 1, "respect_calendar": True, "run_at": "10:00"}


@dataclass(frozen=True)
class Trigger:
    """One trigger of the library: its route map, what starts it, its parameters and their defaults."""

    key: str
    process_key: str
    title: str
    started_by: str
    params_schema: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    # Its map writes to the client with mail/send (an in-app notice when there is no address or mail account).
    sends_to_client: bool = False


TRIGGERS: dict[str, Trigger] = {
    t.key: t
    for t in (
        Trigger("mail_on_interest", "trigger_mail_on_interest",
                "Notify the manager of an incoming letter on an interest", "message mail.received"),
        Trigger("answer_eta", "trigger_answer_eta",
                "Tell a potential client when to expect an answer", "message request.received",
                {"answer_within": {"type": "string", "minLength": 2, "title": "Answer within (working time)"}},
                {"answer_within": "PT4H working"}, sends_to_client=True),
        Trigger("payment_received", "trigger_payment_received",
                "Tell a client their payment arrived", "message payment.received", sends_to_client=True),
        Trigger("expert_mailing", "trigger_expert_mailing",
                "Expert mailing N days after registration", "timer: every day",
                {"days_after_registration": {"type": "integer", "minimum": 1, "title": "Days after registration"},
                 "letter": {"type": "string", "minLength": 1, "title": "Letter text"}, **_SCHEDULE_SCHEMA},
                {"days_after_registration": 7, "letter": "Useful tips for the first weeks with us.",
                 **_SCHEDULE_DEFAULTS}, sends_to_client=True),
        Trigger("recreate_lost", "trigger_recreate_lost",
                "Recreate interests from lost ones after N days", "timer: every day",
                {"days_after_loss": {"type": "integer", "minimum": 1, "title": "Days after the loss"},
                 **_SCHEDULE_SCHEMA},
                {"days_after_loss": 90, **_SCHEDULE_DEFAULTS}),
        Trigger("website_request", "trigger_website_request",
                "Create an interest from a website request letter", "message mail.received",
                {"website_sender": {"type": "string", "minLength": 3, "title": "Sender address of the website"}},
                {"website_sender": "website@example.com"}),
    )
}  # fmt: skip


@dataclass(frozen=True)
class TriggerState:
    """A trigger with its current switch and parameters (defaults filled in)."""

    trigger: Trigger
    enabled: bool
    params: dict[str, Any]


def _get(key: str) -> Trigger:
    try:
        return TRIGGERS[key]
    except KeyError:
        raise NotFound(f"no trigger {key!r}; known: {', '.join(sorted(TRIGGERS))}") from None


def trigger_state(key: str) -> TriggerState:
    """The trigger ``key`` with its switch and parameters (defaults where the administrator set none)."""
    trigger = _get(key)
    row = db.session.scalars(select(TriggerSetting).where(TriggerSetting.key == key)).first()
    params = {**trigger.defaults, **(row.params if row else {})}
    return TriggerState(trigger, bool(row and row.enabled), params)


def list_triggers() -> list[TriggerState]:
    """Every trigger of the library with its state, in catalogue order (the administration page)."""
    return [trigger_state(key) for key in TRIGGERS]


def configure_trigger(
    actor: User | None, key: str, *, enabled: bool | None = None, params: dict[str, Any] | None = None
) -> TriggerState:
    """Switch a trigger on/off and/or change its parameters (administrators; None = the system); commits.

    ``params`` is merged over the current ones and validated against the trigger's schema.
    """
    if actor is not None and not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may configure triggers"))
    trigger = _get(key)
    row = db.session.scalars(select(TriggerSetting).where(TriggerSetting.key == key)).first()
    if row is None:
        row = TriggerSetting(key=key, enabled=False, params={})
        db.session.add(row)
    merged = {**trigger.defaults, **(row.params or {}), **(params or {})}
    schema = {"type": "object", "properties": trigger.params_schema, "additionalProperties": False}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(merged), key=str)
    if errors:
        db.session.rollback()
        raise ValidationFailed({"/".join(map(str, e.path)) or "params": e.message for e in errors})
    row.params = {k: v for k, v in merged.items() if trigger.defaults.get(k) != v}
    if enabled is not None:
        row.enabled = enabled
    row.updated_by_id = actor.id if actor else None
    db.session.commit()
    return trigger_state(key)


@dataclass(frozen=True)
class ScheduledRun:
    """What one daily tick of a scheduled trigger does: the day it stands for, whether the trigger runs that
    day (a weekly one only on its weekday) and when (``run_at``, or the next working day at ``run_at``)."""

    day: date
    due: bool
    runs_at: datetime
    deferred: bool  # moved off a day off by the work calendar


TICK_EARLY_MARGIN = timedelta(hours=3)


def tick_day(calendar: WorkCalendar, tick: datetime) -> date:
    """The company-zone day a daily 00:00 tick stands for: its own date, or the next one for a tick in the
    last 3 hours before midnight (a 24-hour period drifts an hour early after a clock change), so a tick
    that comes late — even by most of a day, the scheduler being down — still counts for its day."""
    return (tick.astimezone(calendar.zone) + TICK_EARLY_MARGIN).date()


def scheduled_run(params: dict[str, Any], calendar: WorkCalendar, tick: datetime) -> ScheduledRun:
    """The run of a scheduled trigger with ``params`` for the daily tick at ``tick`` (one rule for the maps
    and the administrators' preview)."""
    day = tick_day(calendar, tick)
    due = params.get("periodicity") != "week" or day.isoweekday() == int(params.get("weekday") or 1)
    run_at = parse_time_of_day("run_at", params.get("run_at") or _SCHEDULE_DEFAULTS["run_at"])
    runs_at = datetime.combine(day, run_at, tzinfo=calendar.zone)
    deferred = bool(params.get("respect_calendar")) and not calendar.is_working_day(day)
    if deferred:
        runs_at = calendar.next_working_day_at(runs_at, run_at)
    return ScheduledRun(day, due, runs_at, deferred)


def settings_for_run(key: str, as_of: str | None = None) -> dict[str, Any]:
    """What a trigger map reads at its start: ``enabled`` and ``params``; for a scheduled trigger started at
    ``as_of`` also ``due_today`` (always true for a daily trigger, the weekday for a weekly one), ``runs_at``
    (ISO: ``run_at`` of the tick's day, or the next working day's with ``respect_calendar``) and ``wait``
    (``runs_at`` is still ahead: the map waits for it; else it runs at once)."""
    state = trigger_state(key)
    answer: dict[str, Any] = {"enabled": state.enabled, "params": state.params, "due_today": True}
    if as_of and "run_at" in state.params:
        started = datetime.fromisoformat(as_of)
        run = scheduled_run(state.params, get_default_calendar(), started)
        answer.update(due_today=run.due, runs_at=run.runs_at.isoformat(), wait=run.runs_at > started)
    return answer
