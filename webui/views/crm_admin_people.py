"""Client base settings → absences with deputies, and the permanent hand-over of a leaving employee's work."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.absences import admin_services as absences_admin
from crm.absences.services import cancel_absence, create_absence
from crm.accounts import services as accounts
from crm.errors import CrmError, ValidationFailed
from webui.authz import role_required
from webui.service_messages import error_text
from webui.views.crm_admin import PER_PAGE, bp, field_errors, page_arg

ABSENCE_FIELDS = ("user_id", "deputy_id", "starts_at", "ends_at", "reason")


def _users() -> list[Any]:
    return accounts.list_users(active=True, per_page=1000)[0]


def _zone() -> ZoneInfo:
    return ZoneInfo(getattr(current_user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"])


def _local_instant(form: dict[str, str], name: str, errors: dict[str, str]) -> datetime | None:
    """A ``datetime-local`` value read in the administrator's time zone."""
    try:
        return datetime.fromisoformat(form[name]).replace(tzinfo=_zone())
    except ValueError:
        errors[name] = _("Choose a date and time.")
        return None


def _user_id(form: dict[str, str], name: str, errors: dict[str, str]) -> int:
    if not form[name].isdigit():
        errors[name] = _("Choose a user.")
        return 0
    return int(form[name])


@bp.route("/absences", methods=["GET", "POST"])
@role_required("administrator")
def absences() -> str | Response | tuple[str, int]:
    form = {k: request.form.get(k, "").strip() for k in ABSENCE_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        user_id = _user_id(form, "user_id", errors)
        deputy_id = _user_id(form, "deputy_id", errors)
        starts_at = _local_instant(form, "starts_at", errors)
        ends_at = _local_instant(form, "ends_at", errors)
        if not errors and starts_at and ends_at:
            try:
                create_absence(current_user, user_id, deputy_id, starts_at, ends_at, form["reason"])
            except ValidationFailed as exc:
                errors = field_errors(exc)
            else:
                flash(
                    _("Absence recorded: the deputy works with the clients and tasks meanwhile."), "success"
                )
                return redirect(url_for("crm_admin.absences"))
    args = {"when": request.args.get("when", "current"), "user_id": request.args.get("user_id", "")}
    if args["when"] not in absences_admin.WHEN_CHOICES:
        args["when"] = "current"
    page = page_arg()
    rows, total = absences_admin.list_absences(
        when=args["when"], user_id=int(args["user_id"]) if args["user_id"].isdigit() else None,
        page=page, per_page=PER_PAGE,
    )  # fmt: skip
    html = render_template(
        "crm_admin/absences.html", rows=rows, total=total, page=page, per_page=PER_PAGE, args=args,
        form=form, errors=errors, users=_users(), zone=_zone(),
    )  # fmt: skip
    return (html, 400) if errors else html


@bp.route("/absences/<int:absence_id>/cancel", methods=["POST"])
@role_required("administrator")
def absence_cancel(absence_id: int) -> Response:
    try:
        cancel_absence(current_user, absence_id)
    except CrmError as exc:
        flash(error_text(exc), "danger")
    else:
        flash(_("Absence cancelled."), "success")
    return redirect(url_for("crm_admin.absences"))


@bp.route("/hand-over", methods=["GET", "POST"])
@role_required("administrator")
def hand_over() -> str | Response | tuple[str, int]:
    form = {k: request.form.get(k, "").strip() for k in ("from_user_id", "to_user_id")}
    errors: dict[str, str] = {}
    summary: dict[str, int] | None = None
    everyone = accounts.list_users(active=None, per_page=1000)[0]
    if request.method == "POST":
        from_id = _user_id(form, "from_user_id", errors)
        to_id = _user_id(form, "to_user_id", errors)
        if not errors and from_id == to_id:
            errors["to_user_id"] = _("Choose another user.")
        if not errors:
            try:
                if request.form.get("confirm") == "1":
                    moved = absences_admin.hand_over_everything(current_user, from_id, to_id)
                    flash(_("Handed over: %(summary)s.", summary=_summary_text(moved)), "success")
                    return redirect(url_for("crm_admin.hand_over"))
                summary = absences_admin.hand_over_summary(from_id)
            except ValidationFailed as exc:
                errors = field_errors(exc)
    names = {u.id: u.full_name for u in everyone}
    html = render_template(
        "crm_admin/hand_over.html", form=form, errors=errors, summary=summary, users=everyone,
        targets=[u for u in everyone if u.is_active], names=names, labels=_labels(),
    )  # fmt: skip
    return (html, 400) if errors else html


def _labels() -> dict[str, str]:
    return {
        "clients": _("Clients"),
        "leads": _("Open potential clients"),
        "interests": _("Open interests"),
        "tickets": _("Open appeals"),
        "interactions": _("Planned interactions"),
        "process_tasks": _("Open process tasks"),
    }


def _summary_text(counts: dict[str, int]) -> str:
    labels = _labels()
    return ", ".join(f"{labels.get(k, k)}: {v}" for k, v in counts.items())
