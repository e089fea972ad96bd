"""Process designers' and managers' sections; their pages are filled by the editor and monitoring."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from webui.authz import role_required

processes_bp = Blueprint("processes", __name__, url_prefix="/processes")
monitoring_bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@processes_bp.route("/")
@role_required("designer")
def index() -> str:
    from engine.definitions import list_definitions

    return render_template("processes/index.html", definitions=list_definitions(), active_section="processes")


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
