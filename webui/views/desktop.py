"""The universal desktop ("Main", SPEC #68): the user's chosen workplaces and widgets, in the user's order.

The choice is stored per user (``crm.preferences``, key ``desktop``) as
``{"workplaces": [endpoint, ...], "widgets": [name, ...]}``; widgets are reordered by dragging (SortableJS)
and the new order is saved at once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.preferences import get_preference, save_preference
from webui.authz import role_required
from webui.navigation import SECTIONS, NavItem
from webui.widgets import DEFAULT_WIDGETS, REGISTRY

bp = Blueprint("desktop", __name__, url_prefix="/desktop")

PREFERENCE_KEY = "desktop"


def workplace_items() -> list[NavItem]:
    """The workplaces of the Main section a desktop can link to (everything but the desktop itself)."""
    main = next(s for s in SECTIONS if s.key == "main")
    return [item for item in main.items if item.endpoint != "desktop.index"]


def desktop_layout(user: Any) -> dict[str, list[str]]:
    """The user's stored choice, or every workplace and the default widgets."""
    stored = get_preference(user.id, PREFERENCE_KEY, None) or {}
    workplaces = stored.get("workplaces")
    widgets = stored.get("widgets")
    return {
        "workplaces": workplaces if isinstance(workplaces, list) else [i.endpoint for i in workplace_items()],
        "widgets": widgets if isinstance(widgets, list) else list(DEFAULT_WIDGETS),
    }


def _save(user: Any, workplaces: list[str], widgets: list[str]) -> None:
    known_places = {i.endpoint for i in workplace_items()}
    allowed_widgets = {w.name for w in REGISTRY.available_to(user)}
    save_preference(
        user.id,
        PREFERENCE_KEY,
        {
            "workplaces": [e for e in dict.fromkeys(workplaces) if e in known_places],
            "widgets": [n for n in dict.fromkeys(widgets) if n in allowed_widgets],
        },
    )


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "main"}


@bp.route("")
@role_required("employee", "manager")
def index() -> str:
    layout = desktop_layout(current_user)
    by_endpoint = {i.endpoint: i for i in workplace_items()}
    workplaces = [by_endpoint[e] for e in layout["workplaces"] if e in by_endpoint]
    widgets = [(w, w.data(current_user)) for w in REGISTRY.chosen(current_user, layout["widgets"])]
    return render_template("desktop/index.html", workplaces=workplaces, widgets=widgets)


@bp.route("/customize", methods=["GET", "POST"])
@role_required("employee", "manager")
def customize() -> Response | str:
    """Choose workplaces and widgets (checkboxes) and their order (drag, or the order of the lists)."""
    if request.method == "POST":
        _save(current_user, request.form.getlist("workplaces"), request.form.getlist("widgets"))
        flash(_("Your desktop is saved."), "success")
        return redirect(url_for("desktop.index"), 303)
    layout = desktop_layout(current_user)
    places = workplace_items()
    places.sort(key=lambda i: _position(layout["workplaces"], i.endpoint))
    widgets = REGISTRY.available_to(current_user)
    widgets.sort(key=lambda w: _position(layout["widgets"], w.name))
    return render_template("desktop/customize.html", layout=layout, places=places, widgets=widgets)


@bp.route("/order", methods=["POST"])
@role_required("employee", "manager")
def order() -> tuple[str, int]:
    """Save the widgets' new order after a drag on the desktop (htmx; the same widgets, another order)."""
    names = request.form.getlist("widgets")
    layout = desktop_layout(current_user)
    if sorted(names) != sorted(layout["widgets"]):
        abort(400)
    _save(current_user, layout["workplaces"], names)
    return "", 204


def _position(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)
