"""Client base settings → work statuses (rules, schedule, recalculation, dynamics) and quality rules."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.clients.portrait import portrait_attributes_for
from crm.errors import CrmError, NotFound, ValidationFailed
from crm.importing import admin_services as jobs
from crm.importing.jobs_models import JOB_RECALCULATE_STATUSES
from crm.quality.fields import CLIENT_FIELDS, CONTACT_FIELDS, PORTRAIT_PREFIX
from crm.quality.models import TARGETS
from crm.quality.rules import (
    delete_quality_rule,
    list_quality_rules,
    load_quality_template,
    save_quality_rule,
)
from crm.quality.templates import QUALITY_TEMPLATES, TEMPLATE_TITLES
from crm.statuses import admin_services as statuses_admin
from crm.statuses.conditions import FLAGS, LEAF_TYPES, OUTCOMES
from crm.statuses.dynamics import DEFAULT_PERIOD_DAYS, status_dynamics
from crm.statuses.models import STATUS_CODES
from crm.statuses.rules import (
    delete_status_rule,
    install_default_status_rules,
    list_status_rules,
    save_status_rule,
)
from crm.statuses.schedule import get_schedule, next_run_at, save_schedule
from engine.db import utcnow
from webui.authz import role_required
from webui.service_messages import error_text
from webui.views import crm_admin_condition_form as builder
from webui.views.crm_admin import bp, field_errors, int_field, not_found

SCHEDULE_FIELDS = ("mode", "interval_hours", "daily_at", "timezone")


def _schedule_form(schedule: Any) -> dict[str, Any]:
    return {"enabled": schedule.enabled, "mode": schedule.mode, "interval_hours": str(schedule.interval_hours),
            "daily_at": schedule.daily_at, "timezone": schedule.timezone}  # fmt: skip


def _statuses_page(
    schedule_form: dict[str, Any] | None = None, schedule_errors: dict[str, str] | None = None
) -> str:
    schedule = get_schedule()
    return render_template(
        "crm_admin/statuses.html",
        rules=list_status_rules(),
        schedule=schedule,
        next_run=next_run_at(schedule, utcnow()) if schedule.enabled else None,
        schedule_form=schedule_form or _schedule_form(schedule),
        schedule_errors=schedule_errors or {},
        job=statuses_admin.latest_recalculation(),
        status_codes=STATUS_CODES,
    )


@bp.route("/statuses")
@role_required("administrator")
def statuses() -> str:
    return _statuses_page()


@bp.route("/statuses/schedule", methods=["POST"])
@role_required("administrator")
def statuses_schedule() -> str | Response | tuple[str, int]:
    form: dict[str, Any] = {k: request.form.get(k, "").strip() for k in SCHEDULE_FIELDS}
    form["enabled"] = request.form.get("enabled") == "1"
    errors: dict[str, str] = {}
    hours = int_field(form, "interval_hours", errors, default=24)
    if not errors:
        try:
            save_schedule(current_user, enabled=form["enabled"], mode=form["mode"], interval_hours=hours,
                          daily_at=form["daily_at"], timezone=form["timezone"])  # fmt: skip
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash(_("Recalculation schedule saved."), "success")
            return redirect(url_for("crm_admin.statuses"))
    return _statuses_page(form, errors), 400


@bp.route("/statuses/rules/<int:rule_id>/<action>", methods=["POST"])
@role_required("administrator")
def status_rule_action(rule_id: int, action: str) -> Response:
    try:
        if action in ("up", "down"):
            statuses_admin.move_status_rule(current_user, rule_id, action)
        elif action in ("enable", "disable"):
            statuses_admin.set_status_rule_enabled(current_user, rule_id, action == "enable")
        elif action == "delete":
            delete_status_rule(current_user, rule_id)
            flash(_("Rule deleted."), "success")
        else:
            raise NotFound(action)
    except CrmError as exc:
        flash(error_text(exc), "danger")
    return redirect(url_for("crm_admin.statuses"))


@bp.route("/statuses/defaults", methods=["POST"])
@role_required("administrator")
def status_rules_defaults() -> Response:
    install_default_status_rules(replace=request.form.get("replace") == "1")
    flash(_("The shipped status rules are installed."), "success")
    return redirect(url_for("crm_admin.statuses"))


@bp.route("/statuses/rules/new", methods=["GET", "POST"])
@bp.route("/statuses/rules/<int:rule_id>", methods=["GET", "POST"])
@role_required("administrator")
def status_rule(rule_id: int | None = None) -> str | Response | tuple[str, int]:
    rule = None
    if rule_id is not None:
        try:
            rule = statuses_admin.get_status_rule(rule_id)
        except NotFound:
            return not_found(_("There is no such rule."))
    tree = dict(rule.conditions or {}) if rule else {}
    form: dict[str, Any] = {
        "name": rule.name if rule else "",
        "target_status": rule.target_status if rule else STATUS_CODES[0],
        "description": rule.description if rule else "",
        "enabled": rule.enabled if rule else True,
        "json": json.dumps(tree, ensure_ascii=False, indent=2) if tree else "",
    }
    shown = builder.rows_from_conditions(tree)
    mode = "builder" if shown is not None else "json"
    combinator, rows = shown or ("all", [])
    errors: dict[str, str] = {}
    row_errors: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in ("name", "target_status", "description")})
        form["enabled"] = request.form.get("enabled") == "1"
        form["json"] = request.form.get("json", "")
        mode = "json" if request.form.get("mode") == "json" else "builder"
        combinator = request.form.get("combinator", "all")
        rows = builder.rows_from_form(request.form)
        if request.form.get("add_row"):
            mode = "builder"
            rows.append(builder.blank_row())
            return _rule_page(rule, form, mode, combinator, rows, errors, row_errors, status=200)
        conditions: Any = None
        if mode == "json":
            try:
                conditions = json.loads(form["json"] or "null")
            except json.JSONDecodeError as exc:
                errors["conditions"] = _("Not valid JSON: %(msg)s (line %(line)s, column %(col)s).",
                                         msg=exc.msg, line=exc.lineno, col=exc.colno)  # fmt: skip
        else:
            conditions, row_errors = builder.conditions_from_rows(combinator, rows)
            if conditions is None and not row_errors:
                errors["conditions"] = _("Add at least one condition.")
        if not errors and not row_errors:
            try:
                saved = save_status_rule(
                    current_user, name=form["name"], target_status=form["target_status"],
                    conditions_json=conditions, enabled=form["enabled"], description=form["description"],
                    rule_id=rule_id,
                )  # fmt: skip
            except ValidationFailed as exc:
                found = field_errors(exc)
                if mode == "builder":
                    row_errors, found = builder.row_errors_from_paths(found, rows)
                errors.update({k if not k.startswith("conditions") else "conditions": (
                    f"{k}: {v}" if k.startswith("conditions.") else v) for k, v in found.items()})  # fmt: skip
            else:
                flash(_("Rule %(name)s saved.", name=saved.name), "success")
                return redirect(url_for("crm_admin.statuses"))
    return _rule_page(rule, form, mode, combinator, rows, errors, row_errors,
                      status=400 if errors or row_errors else 200)  # fmt: skip


def _rule_page(
    rule: Any, form: dict[str, Any], mode: str, combinator: str, rows: list[dict[str, Any]],
    errors: dict[str, str], row_errors: dict[int, dict[str, str]], *, status: int,
) -> tuple[str, int]:  # fmt: skip
    if request.method == "GET" or not rows or any(r["type"] for r in rows[-builder.EMPTY_ROWS :]):
        rows = [*rows, *(builder.blank_row() for _i in range(builder.EMPTY_ROWS))]
    html = render_template(
        "crm_admin/status_rule.html",
        rule=rule, form=form, mode=mode, combinator=combinator, rows=rows, errors=errors,
        row_errors=row_errors, leaf_types=LEAF_TYPES, outcomes=OUTCOMES, flags=FLAGS,
        status_codes=STATUS_CODES, params_by_type=builder.PARAMS_BY_TYPE,
        builder_possible=mode == "builder" or builder.rows_from_conditions(dict(rule.conditions or {}) if rule else {}) is not None,
    )  # fmt: skip
    return html, status


@bp.route("/statuses/recalculate", methods=["POST"])
@role_required("administrator")
def statuses_recalculate() -> Response:
    statuses_admin.start_status_recalculation(current_user)
    flash(_("Recalculation of all statuses started."), "info")
    return redirect(url_for("crm_admin.statuses") + "#recalculation")


@bp.route("/statuses/recalculate/<int:job_id>")
@role_required("administrator")
def statuses_recalculate_progress(job_id: int) -> str | tuple[str, int]:
    try:
        job = jobs.get_job(job_id, JOB_RECALCULATE_STATUSES)
    except NotFound:
        return not_found(_("There is no such job."))
    return render_template("crm_admin/_recalc_progress.html", job=job)


@bp.route("/statuses/dynamics")
@role_required("administrator")
def statuses_dynamics() -> str | tuple[str, int]:
    days = request.args.get("days", DEFAULT_PERIOD_DAYS, type=int) or DEFAULT_PERIOD_DAYS
    try:
        report = status_dynamics(None, period_days=days)
    except ValidationFailed as exc:
        flash(" ".join(field_errors(exc).values()), "danger")
        report, days = status_dynamics(None), DEFAULT_PERIOD_DAYS
    return render_template("crm_admin/status_dynamics.html", report=report, days=days,
                           status_codes=STATUS_CODES)  # fmt: skip


# --- quality rules -------------------------------------------------------------------------------------------


def _field_choices() -> dict[str, list[tuple[str, str]]]:
    client = [(k, _(spec.label)) for k, spec in CLIENT_FIELDS.items()]
    contact = [(k, _(spec.label)) for k, spec in CONTACT_FIELDS.items()]
    seen: set[str] = set()
    for scope in ("company", "person"):
        for attribute in portrait_attributes_for(scope):
            if attribute.code not in seen:
                seen.add(attribute.code)
                client.append((PORTRAIT_PREFIX + attribute.code, f"{attribute.label} ({_('portrait')})"))
    contact += [
        (PORTRAIT_PREFIX + a.code, f"{a.label} ({_('portrait')})") for a in portrait_attributes_for("contact")
    ]
    return {"client": client, "contact": contact}


@bp.route("/quality", methods=["GET", "POST"])
@role_required("administrator")
def quality() -> str | Response | tuple[str, int]:
    work_status = request.values.get("status", STATUS_CODES[0])
    if work_status not in STATUS_CODES:
        work_status = STATUS_CODES[0]
    form = {"target": "client", "field": "", "weight": "1", "enabled": True, "rule_id": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in ("target", "field", "weight", "rule_id")})
        # A new rule starts switched on; an existing row posts its checkbox.
        form["enabled"] = request.form.get("enabled") == "1" if form["rule_id"] else True
        weight = int_field(form, "weight", errors, default=1)
        if not errors:
            try:
                save_quality_rule(
                    current_user, work_status=work_status, target=form["target"], field=form["field"],
                    weight=weight, enabled=form["enabled"], rule_id=int(form["rule_id"]) if form["rule_id"].isdigit() else None,
                )  # fmt: skip
            except ValidationFailed as exc:
                errors = field_errors(exc)
            except NotFound:
                errors["field"] = _("The rule was deleted meanwhile.")
            else:
                flash(_("Quality rule saved."), "success")
                return redirect(url_for("crm_admin.quality", status=work_status))
    rules = list_quality_rules(work_status)
    html = render_template(
        "crm_admin/quality.html", work_status=work_status, rules=rules, form=form, errors=errors,
        choices=_field_choices(), targets=TARGETS, templates=TEMPLATE_TITLES, status_codes=STATUS_CODES,
        total_weight={t: sum(r.weight for r in rules if r.target == t and r.enabled) for t in TARGETS},
    )  # fmt: skip
    return (html, 400) if errors else html


@bp.route("/quality/<int:rule_id>/delete", methods=["POST"])
@role_required("administrator")
def quality_delete(rule_id: int) -> Response:
    try:
        delete_quality_rule(current_user, rule_id)
    except NotFound:
        flash(_("The rule was deleted meanwhile."), "warning")
    return redirect(url_for("crm_admin.quality", status=request.form.get("status", STATUS_CODES[0])))


@bp.route("/quality/template", methods=["POST"])
@role_required("administrator")
def quality_template() -> Response:
    name = request.form.get("template", "recommended")
    replace = request.form.get("replace") == "1"
    if name not in QUALITY_TEMPLATES:
        flash(_("Choose a template."), "danger")
    else:
        added = load_quality_template(current_user, name, replace=replace)
        flash(_("Template loaded: %(count)s rules added.", count=added), "success")
    return redirect(url_for("crm_admin.quality", status=request.form.get("status", STATUS_CODES[0])))
