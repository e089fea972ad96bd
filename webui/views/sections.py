"""Managers' monitoring section; the monitoring capability fills it."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from webui.authz import role_required

monitoring_bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@monitoring_bp.route("/")
@role_required("manager")
def index_monitoring() -> str:
    return render_template(
        "main/workplace.html",
        title=_l("Process efficiency and SLA"),
        icon="bi-speedometer2",
        text=_l("Durations, bottlenecks and SLA figures appear here once route maps have run."),
        active_section="monitoring",
    )


monitoring_bp.add_url_rule("/", endpoint="index", view_func=index_monitoring)
