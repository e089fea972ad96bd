"""Administration → Triggers: the trigger library (SPEC §1.9 #29–30).

Each trigger is a small route map started by a message, a signal or the daily timer; here an administrator
switches it on or off, sets its parameters (validated by ``crm.triggers.configure_trigger``) and sees how it
behaves: the next three runs of a scheduled trigger by the work calendar, or the answer time it promises.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.triggers import Trigger, TriggerState, configure_trigger, trigger_state
from crm.triggers_admin_services import (
    DURATION_PARAMS,
    MULTILINE_PARAMS,
    TIME_OF_DAY_PARAMS,
    is_scheduled,
    list_trigger_overviews,
    save_trigger_form,
    trigger_preview,
)
from engine.calendar_service import get_default_calendar
from engine.db import utcnow
from webui.authz import role_required

bp = Blueprint("triggers_admin", __name__, url_prefix="/admin/triggers")

SCHEDULE_FIELDS = ("periodicity", "weekday", "respect_calendar", "run_at")


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "admin", "weekday_names": _weekday_names()}


def _weekday_names() -> dict[int, str]:
    names = (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )
    return dict(enumerate(names, start=1))


def params_summary(state: TriggerState) -> str:
    """One line: the trigger's own parameters, then its schedule ("Weekly on Wednesday, by the work calendar")."""
    schema, params = state.trigger.params_schema, state.params
    parts = []
    for name, field in schema.items():
        if name in SCHEDULE_FIELDS:
            continue
        value = str(params.get(name, ""))
        parts.append(f"{_(field.get('title', name))}: {value if len(value) <= 40 else value[:39] + '…'}")
    if is_scheduled(state.trigger):
        if params.get("periodicity") == "week":
            day = _weekday_names().get(int(params.get("weekday") or 1), "?")
            schedule = _("weekly on %(day)s at %(time)s", day=day, time=params.get("run_at"))
        else:
            schedule = _("daily at %(time)s", time=params.get("run_at"))
        if params.get("respect_calendar"):
            schedule += ", " + _("by the work calendar (a day off moves to the next working day)")
        parts.append(schedule)
    return " · ".join(parts) or _("no parameters")


def field_message(trigger: Trigger, name: str, message: str) -> str:
    """A clear, translated message for an invalid parameter (the schema tells what was expected)."""
    schema = trigger.params_schema.get(name, {})
    if name in TIME_OF_DAY_PARAMS:
        return _("Write the time as HH:MM, for example 10:00.")
    if name in DURATION_PARAMS:
        return _("Write a duration such as PT4H working (4 working hours) or P2D.") + f" ({message})"
    if name == "weekday":
        return _("Choose a weekday.")
    if "enum" in schema:
        return _("Choose one of the options.")
    if schema.get("type") == "integer":
        return _("Enter a whole number not less than %(min)s.", min=schema.get("minimum", 0))
    if schema.get("minLength", 0) > 1:
        return _("Write at least %(n)s characters.", n=schema["minLength"])
    if "minLength" in schema:
        return _("Fill this in.")
    return message


def _state_or_404(key: str) -> TriggerState:
    try:
        return trigger_state(key)
    except NotFound:
        abort(404)


def _preview_start(zone: Any) -> tuple[datetime, str]:
    """The moment the preview counts from: ``?from=YYYY-MM-DDTHH:MM`` in the calendar's zone, else now."""
    raw = request.args.get("from", "").strip()
    if raw:
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=zone), raw
        except ValueError:
            flash(_("The preview date is not a date and time; showing from now."), "warning")
    return utcnow().astimezone(zone), ""


@bp.route("/")
@role_required("administrator")
def index() -> str:
    overviews = list_trigger_overviews()
    return render_template(
        "triggers_admin/index.html",
        overviews=overviews,
        summaries={o.key: params_summary(o.state) for o in overviews},
    )


@bp.route("/<key>/enabled", methods=["POST"])
@role_required("administrator")
def set_enabled(key: str) -> Response:
    enabled = request.form.get("enabled") == "1"
    try:
        state = configure_trigger(current_user._get_current_object(), key, enabled=enabled)
    except NotFound:
        abort(404)
    except AccessDenied:
        abort(403)
    title = _(state.trigger.title)
    flash(_("Trigger switched on: %(t)s.", t=title) if enabled else _("Trigger switched off: %(t)s.", t=title),
          "success")  # fmt: skip
    if request.form.get("back") == "edit":
        return redirect(url_for("triggers_admin.edit", key=key))
    return redirect(url_for("triggers_admin.index"))


@bp.route("/<key>", methods=["GET", "POST"])
@role_required("administrator")
def edit(key: str) -> tuple[str, int] | Response:
    state = _state_or_404(key)
    form = {name: state.params.get(name) for name in state.trigger.params_schema}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in state.trigger.params_schema}
        try:
            save_trigger_form(current_user._get_current_object(), key, request.form)
        except AccessDenied:
            abort(403)
        except ValidationFailed as exc:
            errors = {n: field_message(state.trigger, n, m) for n, m in exc.field_errors.items()}
            form.update({n: n in request.form for n, f in state.trigger.params_schema.items()
                         if f.get("type") == "boolean"})  # fmt: skip
        else:
            flash(_("Trigger settings saved."), "success")
            return redirect(url_for("triggers_admin.edit", key=key))
    calendar = get_default_calendar()
    start, start_raw = _preview_start(calendar.zone)
    return render_template(
        "triggers_admin/edit.html",
        state=state,
        form=form,
        errors=errors,
        scheduled=is_scheduled(state.trigger),
        multiline=MULTILINE_PARAMS,
        schedule_fields=SCHEDULE_FIELDS,
        summary=params_summary(state),
        preview=trigger_preview(state, start),
        preview_from=start_raw,
        zone=calendar.timezone,
    ), 400 if errors else 200
