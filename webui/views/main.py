"""The "Main" section's entry points: the home redirect and the no-access page (the workplaces themselves
live in their own blueprints)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webui.navigation import home_endpoint

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/no-access")
@login_required
def no_access() -> str:
    return render_template("main/no_access.html")
