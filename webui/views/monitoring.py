"""Managers' monitoring: process efficiency with the heat map, appeal SLA, manager control, sales funnel with
client status dynamics, alerts. Every table can be downloaded as CSV with ``?csv=<table>``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.errors import CrmError, ValidationFailed
from crm.monitoring import alerts, control, funnel, process_figures, sla, sla_facts
from crm.statuses.dynamics import status_dynamics
from crm.statuses.models import STATUS_CODES
from engine.analytics import branches, efficiency, outliers, steps
from engine.db import utcnow
from webui.authz import role_required
from webui.service_messages import error_text
from webui.views.monitoring_common import (
    arg_int,
    card_url,
    csv_response,
    export_link,
    instants,
    period,
)
from webui.views.workplace_common import parse_id

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "monitoring", "export_link": export_link, "card_url": card_url}


@bp.route("/")
@role_required("manager")
def index() -> str:
    process_figures.catch_up()
    return render_template(
        "monitoring/index.html",
        route_maps=process_figures.route_maps(),
        notifications=alerts.notifications_for(current_user.id, limit=10),
    )


def _process_filter(key: str) -> tuple[Any, Any, Any, Any]:
    """The analytics filter of a route map's pages from the query (period, version, department,
    assignee), after catching up with new events; 404 for an unknown key."""
    start, end = period()
    frm, to = instants(start, end)
    flt, definition = process_figures.build_filter(
        key, version=arg_int("version"), started_from=frm, started_to=to,
        department_id=arg_int("department"), assignee_id=arg_int("assignee"),
    )  # fmt: skip
    if definition is None:
        abort(404)
    process_figures.catch_up()
    return flt, definition, start, end


@bp.route("/process/<key>")
@role_required("manager")
def process(key: str) -> Any:
    flt, definition, start, end = _process_filter(key)
    bucket = "week" if request.args.get("bucket") == "week" else "day"
    figures: dict[str, Any] = {
        "summary": efficiency.duration_summary(flt),
        "histogram": efficiency.duration_histogram(flt),
        "series": efficiency.instance_series(flt, bucket=bucket),
        "steps": steps.step_stats(flt, bpmn_xml=definition.bpmn_xml),
        "branches": branches.branch_stats(flt),
    }
    figures["bottlenecks"] = steps.bottlenecks(figures["steps"])
    names = process_figures.people()
    table = request.args.get("csv")
    if table:
        if table in (
            "outliers",
            "common",
        ):  # the page links to the outliers page; only the CSV needs them here
            figures["outliers"] = outliers.find_outliers(
                flt, attributes=process_figures.business_attributes, limit=50
            )
        return _process_csv(key, table, figures, names)
    choice = next((c for c in process_figures.route_maps() if c.key == key), None)
    return render_template(
        "monitoring/process.html",
        key=key, definition=definition, choice=choice, figures=figures, names=names, start=start, end=end,
        bucket=bucket, departments=process_figures.departments(), user_label=process_figures.user_label,
        heat={s.element_id: s.as_dict() for s in figures["steps"]},
    )  # fmt: skip


@bp.route("/process/<key>/outliers")
@role_required("manager")
def process_outliers(key: str) -> Any:
    flt, definition, start, end = _process_filter(key)
    report = outliers.find_outliers(flt, attributes=process_figures.business_attributes, limit=200)
    names = process_figures.people()
    if request.args.get("csv"):
        return _process_csv(key, request.args["csv"], {"outliers": report}, names)
    return render_template("monitoring/outliers.html", key=key, definition=definition, report=report, names=names,
                           start=start, end=end, user_label=process_figures.user_label)  # fmt: skip


@bp.route("/process/<key>/instances")
@role_required("manager")
def process_instances(key: str) -> Any:
    flt, definition, start, end = _process_filter(key)
    status = request.args.get("status") or None
    rows = efficiency.list_instances(
        flt, status=status, element_id=request.args.get("element") or None, flow=request.args.get("flow") or None,
        min_business_s=(float(request.args["min_h"]) * 3600) if request.args.get("min_h", "").replace(".", "", 1).isdigit() else None,
        limit=500,
    )  # fmt: skip
    if request.args.get("csv"):
        return csv_response(f"{key}-instances", ["instance", "business_key", "status", "started_at", "ended_at",
                                                 "business_hours", "wall_hours"],
                            [(r.instance_id, r.business_key, r.status, r.started_at, r.ended_at,
                              _h(r.business_s), _h(r.duration_s)) for r in rows])  # fmt: skip
    return render_template("monitoring/instances.html", key=key, definition=definition, rows=rows,
                           start=start, end=end)  # fmt: skip


@bp.route("/sla", methods=["GET", "POST"])
@role_required("manager")
def sla_page() -> Any:
    if request.method == "POST":
        count = sla_facts.rebuild_ticket_sla()
        flash(_("SLA recalculated for %(count)s appeals.", count=count), "success")
        return redirect(url_for("monitoring.sla_page", **request.args))
    start, end = period(30)
    frm, to = instants(start, end)
    now = utcnow()
    sla_facts.refresh_new_tickets(now=now)  # changed appeals: the periodic job (every minute)
    department = arg_int("department")
    report = sla.sla_report(created_from=frm, created_to=to, now=now, department_id=department)
    problems = sla.sla_problems(created_from=frm, created_to=to, now=now, department_id=department)
    table = request.args.get("csv")
    if table == "problems":
        header = ["ticket", "subject", "appeal_type", "responsible", "created_at", "reaction", "processing",
                  "reaction_due_at", "processing_due_at", "paused_hours"]  # fmt: skip
        return csv_response("sla-problems", header, [[p[k] for k in ("ticket_id", "subject", "appeal_type",
                            "responsible", "created_at", "reaction", "processing", "reaction_due_at",
                            "processing_due_at", "paused_h")] for p in problems])  # fmt: skip
    if table in ("type", "department", "employee"):
        rows = {"type": report.by_type, "department": report.by_department, "employee": report.by_employee}[
            table
        ]
        return csv_response(f"sla-by-{table}", _sla_header(), [_sla_cells(r) for r in rows])
    return render_template("monitoring/sla.html", report=report, problems=problems, start=start, end=end,
                           department=department, departments=process_figures.departments())  # fmt: skip


@bp.route("/control")
@role_required("manager")
def control_page() -> Any:
    idle_days = arg_int("idle_days") or control.DEFAULT_IDLE_DAYS
    rows = control.manager_control(idle_days=idle_days)
    if request.args.get("csv"):
        header = ["manager", "overall", "open_interests", "overdue_tasks", "idle_interests", "overdue_interests",
                  "clients", "quality_percent"]  # fmt: skip
        return csv_response("manager-control", header, [(r.name, r.overall, r.open_interests, r.overdue_tasks,
                            r.idle_interests, r.overdue_interests, r.clients, r.quality_percent) for r in rows])  # fmt: skip
    return render_template("monitoring/control.html", rows=rows, idle_days=idle_days)


@bp.route("/funnel", methods=["GET", "POST"])
@role_required("manager")
def funnel_page() -> Any:
    if request.method == "POST":
        try:
            values = {k[4:]: float(v) for k, v in request.form.items() if k.startswith("ref_") and v.strip()}
            funnel.set_reference_funnel(values)
            flash(_("Reference funnel saved."), "success")
        except ValueError as exc:
            flash(_("The reference funnel was not saved: %(error)s", error=str(exc)), "danger")
        except ValidationFailed as exc:
            flash(
                _("The reference funnel was not saved: %(error)s", error=error_text(exc, with_fields=True)),
                "danger",
            )
        return redirect(url_for("monitoring.funnel_page", **request.args))
    start, end = period(90)
    frm, to = instants(start, end)
    manager = arg_int("manager")
    report = funnel.sales_funnel(
        created_from=frm, created_to=to, responsible_ids=[manager] if manager else None
    )
    days = arg_int("days") or 7
    dynamics = status_dynamics(current_user, period_days=days)
    table = request.args.get("csv")
    if table == "funnel":
        header = ["stage", "reached", "amount", "share_of_first", "conversion", "reference_percent", "now_at"]
        return csv_response("sales-funnel", header, [(s.name, s.reached, float(s.amount), s.share_of_first,
                            s.conversion, s.reference_percent, s.now_at) for s in report.stages])  # fmt: skip
    if table == "dynamics":
        return csv_response("status-dynamics", ["status", "start", "end", "change"],
                            [(c, dynamics.mix_start[c], dynamics.mix_end[c], dynamics.change(c)) for c in STATUS_CODES])  # fmt: skip
    return render_template("monitoring/funnel.html", report=report, dynamics=dynamics, start=start, end=end,
                           manager=manager, days=days, names=process_figures.people(), statuses=STATUS_CODES)  # fmt: skip


@bp.route("/alerts", methods=["GET", "POST"])
@role_required("manager")
def alerts_page() -> Any:
    if request.method == "POST":
        return _alerts_post()
    rules = alerts.list_alert_rules()
    if request.args.get("csv"):
        return csv_response("alert-rules", ["name", "metric", "comparison", "threshold", "window_days",
                            "last_value", "last_checked_at", "last_fired_at"],
                            [(r.name, r.metric, r.comparison, r.threshold, r.window_days, r.last_value,
                              r.last_checked_at, r.last_fired_at) for r in rules])  # fmt: skip
    return render_template("monitoring/alerts.html", rules=rules, metrics=alerts.METRICS,
                           notifications=alerts.notifications_for(current_user.id), names=process_figures.people())  # fmt: skip


def _recipient_id(raw: str | None) -> int:
    """The chosen recipient (0, "no such user", when it is not an id), or the current user by default."""
    return (parse_id(raw) or 0) if raw else int(current_user.id)


def _alerts_post() -> Response:
    action = request.form.get("action")
    try:
        if action == "delete":
            alerts.delete_alert_rule(parse_id(request.form.get("rule_id")) or 0)
        elif action == "read":
            alerts.mark_notifications_read(current_user.id)
        elif action == "evaluate":
            fired = alerts.evaluate_alerts()
            flash(_("Alerts checked: %(count)s notified.", count=fired), "info")
        else:
            alerts.save_alert_rule(
                name=request.form.get("name", ""), metric=request.form.get("metric", ""),
                comparison=request.form.get("comparison", ">"), threshold=float(request.form.get("threshold") or 0),
                window_days=int(request.form.get("window_days") or 7),
                recipient_id=_recipient_id(request.form.get("recipient_id")),
            )  # fmt: skip
            flash(_("Alert rule saved."), "success")
    except ValueError as exc:
        flash(_("Not saved: %(error)s", error=str(exc)), "danger")
    except CrmError as exc:
        flash(_("Not saved: %(error)s", error=error_text(exc, with_fields=True)), "danger")
    return redirect(url_for("monitoring.alerts_page"))


def _process_csv(key: str, table: str, figures: dict[str, Any], names: dict[int, str]) -> Response:
    if table == "series":
        return csv_response(f"{key}-series", ["day", "started", "ended", "running"],
                            [(r["day"], r["started"], r["ended"], r["running"]) for r in figures["series"]])  # fmt: skip
    if table == "histogram":
        return csv_response(f"{key}-durations", ["business_hours", "instances"],
                            [(b["label"], b["count"]) for b in figures["histogram"]])  # fmt: skip
    if table in ("steps", "bottlenecks"):
        rows = figures[table]
        header = ["element_id", "name", "passes", "tasks", "completed", "open", "mean_h", "median_h", "p90_h",
                  "mean_wait_h", "mean_work_h", "total_h", "with_due", "late", "sla"]  # fmt: skip
        return csv_response(f"{key}-{table}", header, [[s.as_dict()[h] for h in header] for s in rows])
    if table == "branches":
        return csv_response(f"{key}-branches", ["gateway", "variant", "flow", "instances", "share", "completed",
                            "cancelled", "running", "mean_h"],
                            [(g["name"], f["variant"], f["flow"], f["instances"], f["share"], f["completed"],
                              f["cancelled"], f["running"], f["mean_h"]) for g in figures["branches"] for f in g["flows"]])  # fmt: skip
    if table == "outliers":
        report = figures["outliers"]
        return csv_response(f"{key}-outliers", ["instance", "business_key", "business_hours", "started_at"],
                            [(i.instance_id, i.business_key, _h(i.business_s), i.started_at) for i in report.instances])  # fmt: skip
    if table == "common":
        report = figures["outliers"]
        return csv_response(f"{key}-outlier-values", ["attribute", "value", "outlier_share", "baseline_share"],
                            [(c["attribute"], process_figures.user_label(c["value"], names), c["outlier_share"],
                              c["baseline_share"]) for c in report.common])  # fmt: skip
    abort(404)


def _sla_header() -> list[str]:
    cells = ["group"]
    for clock in sla.CLOCKS:
        cells += [f"{clock}_{n}" for n in ("total", "met", "breached", "at_risk", "on_track", "breach_rate",
                                            "mean_elapsed_h")]  # fmt: skip
    return cells


def _sla_cells(row: sla.SlaRow) -> list[Any]:
    data = row.as_dict()
    cells: list[Any] = [row.label]
    for clock in sla.CLOCKS:
        d = data[clock]
        cells += [
            d["total"],
            d["met"],
            d["breached"],
            d["at_risk"],
            d["on_track"],
            d["breach_rate"],
            d["mean_elapsed_h"],
        ]
    return cells


def _h(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600
