"""Notifications of the signed-in user: the navbar bell (count + latest five), the full page and the switches."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField

from crm.errors import NotFound
from crm.notifications.errors import InvalidCursor, InvalidNotificationId
from crm.notifications.services import (
    list_notifications,
    mark_all_read,
    mark_read,
    open_notification,
    unread_count,
)
from crm.notifications.settings import get_settings, save_settings
from webui.safe_urls import local_target

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 20
DROPDOWN_SIZE = 5
COUNT_CACHE_KEY = "routemap.notification_count"


class NotificationSettingsForm(FlaskForm):
    new_task = BooleanField(_l("New tasks for me or my lanes"))
    overdue_task = BooleanField(_l("Tasks that became overdue"))


def kind_labels() -> dict[str, str]:
    return {
        "task_new": _("New task"),
        "task_overdue": _("Overdue task"),
        "route_map": _("Route map"),
        "monitoring_alert": _("Monitoring alert"),
    }


@bp.app_context_processor
def notification_badge() -> dict[str, Any]:
    """``notification_count()`` for the bell: one statement, at most once per request."""

    def count() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        # Kept in the request's environ, not ``g``: an app context (and its ``g``) may outlive one request.
        cache = request.environ.setdefault(COUNT_CACHE_KEY, {})
        if current_user.id not in cache:
            cache[current_user.id] = unread_count(current_user.id)
        return int(cache[current_user.id])

    return {"notification_count": count}


def _back(default: str) -> Response:
    return redirect(local_target(request.form.get("next")) or default, 303)


@bp.route("")
@login_required
def index() -> str:
    unread_only = request.args.get("show") == "unread"
    before = request.args.get("before") or None
    try:
        page = list_notifications(current_user.id, unread_only=unread_only, before=before, limit=PER_PAGE)
    except InvalidCursor:
        abort(400)
    settings = get_settings(current_user.id)
    form = NotificationSettingsForm(new_task=settings.new_task, overdue_task=settings.overdue_task)
    return render_template(
        "notifications/index.html", page=page, unread_only=unread_only, before=before, form=form,
        kinds=kind_labels(), unread=notification_badge()["notification_count"](),
    )  # fmt: skip


@bp.route("/dropdown")
@login_required
def dropdown() -> str:
    page = list_notifications(current_user.id, limit=DROPDOWN_SIZE)
    return render_template("notifications/_dropdown.html", items=page.items, kinds=kind_labels())


@bp.route("/<notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: str) -> Response:
    try:
        item = open_notification(current_user.id, notification_id)
    except (InvalidNotificationId, NotFound):
        abort(404)
    return redirect(local_target(item.link) or url_for("notifications.index"), 303)


@bp.route("/read", methods=["POST"])
@login_required
def read() -> Response:
    try:
        mark_read(current_user.id, request.form.getlist("id"))
    except InvalidNotificationId:
        abort(404)
    return _back(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    changed = mark_all_read(current_user.id)
    flash(_("%(count)d notification(s) marked read.", count=changed), "success")
    return _back(url_for("notifications.index"))


@bp.route("/settings", methods=["POST"])
@login_required
def settings() -> Response:
    form = NotificationSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    save_settings(current_user.id, new_task=form.new_task.data, overdue_task=form.overdue_task.data)
    flash(_("Notification settings saved."), "success")
    return redirect(url_for("notifications.index"), 303)
