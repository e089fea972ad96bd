"""Process designers' section: the list of route maps (the editor builds on this blueprint)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from engine.definitions import list_definitions
from webui.authz import role_required

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "processes"}


@bp.route("/")
@role_required("designer")
def index() -> str:
    return render_template("processes/index.html", definitions=list_definitions())
