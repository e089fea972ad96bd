"""The trigger library: small route maps started by a message or a timer, switched on and parameterised by an
administrator (SPEC §1.9).

Every trigger map starts by calling the ``triggers/settings`` operation with its key; the answer (``enabled``,
``params`` and, for scheduled triggers, ``due_today``) drives its first gateway, so switching a trigger off or
changing a parameter takes effect at the next start without deploying anything. Scheduled triggers run daily
and honour ``periodicity`` (``day`` or ``week`` + ``weekday``) and ``respect_calendar`` (defer a run that falls
outside working time to the next working day at ``run_at``, SPEC §1.9 #30).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jsonschema
from sqlalchemy import select

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.processes_models import TriggerSetting
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
    sends_to_client: bool = False  # switches to mail/send once the mail connector lands


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
        raise AccessDenied("only an administrator may configure triggers")
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


def settings_for_run(key: str, as_of: str | None = None) -> dict[str, Any]:
    """What a trigger map reads at its start: ``enabled``, ``params`` and ``due_today`` (for scheduled
    triggers: the run at ``as_of`` falls on the configured weekday, always true for a daily trigger)."""
    state = trigger_state(key)
    due_today = True
    if as_of and state.params.get("periodicity") == "week":
        moment = datetime.fromisoformat(as_of).astimezone(get_default_calendar().zone)
        due_today = moment.isoweekday() == int(state.params.get("weekday", 1))
    return {"enabled": state.enabled, "params": state.params, "due_today": due_today}
