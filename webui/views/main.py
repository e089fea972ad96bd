"""The "Main" section: desktop and the employees' workplaces.

Workplaces that later capabilities fill (calendar, mail, dialogs) show an
honest empty state until their data exists; they never show made-up data.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webui.authz import role_required
from webui.navigation import home_endpoint

bp = Blueprint("main", __name__)

WORKPLACES = {
    "calendar": (
        "/calendar",
        _l("Calendar"),
        "bi-calendar3",
        _l("Meetings and calls, synchronised with your calendars, will appear here."),
    ),
    "mail": (
        "/mail",
        _l("Mail"),
        "bi-envelope",
        _l("Letters from the connected mailboxes will appear here."),
    ),
    "dialogs": (
        "/dialogs",
        _l("Dialogs"),
        "bi-chat-dots",
        _l("Conversations from messengers will appear here."),
    ),
}


@bp.route("/")
def home() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/no-access")
@login_required
def no_access() -> str:
    return render_template("main/no_access.html")


def _workplace_view(key: str):  # type: ignore[no-untyped-def]
    path, title, icon, text = WORKPLACES[key]

    @role_required("employee", "manager")
    def view() -> str:
        return render_template(
            "main/workplace.html", title=title, icon=icon, text=text, active_section="main"
        )

    view.__name__ = key
    bp.add_url_rule(path, endpoint=key, view_func=view)


for _key in WORKPLACES:
    _workplace_view(_key)
