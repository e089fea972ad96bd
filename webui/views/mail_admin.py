"""Administration of mail: accounts (IMAP/SMTP, security, write-only passwords, members, attachment limit, the
connection check, folders with lead settings per scenario (SPEC #35), the auto-responder (SPEC #40), sync
now). Sorting rules, shared signatures and the company's letter font are in ``mail_admin_rules``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.accounts import services as people
from crm.errors import CrmError, ValidationFailed
from crm.mail import accounts as account_service
from crm.mail import queries as mail_queries
from crm.mail import signatures as signature_service
from crm.mail.ingest import sync_account
from crm.mail.models import LEAD_SCENARIOS, LEADS_ALL, LEADS_OFF, LEADS_SELECTED
from webui.authz import role_required
from webui.service_messages import error_text, localized_errors
from webui.views.mail_forms import AccountForm, attach_errors
from webui.views.workplace_common import abort_for, int_arg, parse_id

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")
PER_PAGE = 25
SYNC_NOW_BATCHES = 2  # "Sync now" stores up to 200 letters a folder; the periodic sync fetches the rest
ACCOUNT_FIELDS = ("name", "email_address", "kind", "is_active", "imap_host", "imap_port", "imap_security",
                  "imap_username", "smtp_host", "smtp_port", "smtp_security", "smtp_username",
                  "max_attachments_mb", "poll_interval_seconds", "autoreply_enabled", "autoreply_subject",
                  "autoreply_body", "autoreply_interval_days")  # fmt: skip


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "admin", "LEAD_SCENARIOS": LEAD_SCENARIOS}


def _zone() -> ZoneInfo:
    return ZoneInfo(getattr(current_user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"])


def _local(moment: datetime | None) -> datetime | None:
    """A stored instant as the administrator's wall-clock time (for a datetime-local input)."""
    return moment.astimezone(_zone()).replace(tzinfo=None) if moment else None


def _instant(local: datetime | None) -> datetime | None:
    return local.replace(tzinfo=_zone()).astimezone(UTC) if local else None


@bp.route("/accounts")
@role_required("administrator")
def accounts() -> str:
    page = int_arg("page", 1, minimum=1)
    text = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind", "")
    kind = kind if kind in ("shared", "personal") else ""
    state = request.args.get("state", "all")
    active = {"active": True, "inactive": False}.get(state)
    listing = mail_queries.account_list(
        text=text, kind=kind, active=active, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    return render_template(
        "mail/admin/accounts.html",
        listing=listing,
        page=page,
        per_page=PER_PAGE,
        args={k: v for k, v in {"q": text, "kind": kind, "state": state}.items() if v},
    )


def _account_form(account: Any = None, *, submitted: bool = True) -> AccountForm:
    """The account form: from the posted data, or (``submitted=False``, e.g. after "Check connection") from
    the stored account alone."""
    form = AccountForm(obj=account) if submitted else AccountForm(formdata=None, obj=account)
    users, _total = people.list_users(active=True, page=1, per_page=1000)
    form.owner_id.choices = [(0, "—"), *((u.id, u.full_name) for u in users)]
    form.members.choices = [(u.id, f"{u.full_name} ({u.username})") for u in users]
    shared = [s for s in signature_service.list_signatures(current_user) if s.owner_id is None]
    form.default_signature_id.choices = [(0, _("None")), *((s.id, s.name) for s in shared)]
    form.lead_department_id.choices = [(0, "—"), *((d.id, d.name) for d in people.list_departments())]
    if (request.method == "GET" or not submitted) and account is not None:
        form.members.data = [m.user_id for m in account_service.members_of(account.id)]
        form.owner_id.data = account.owner_id or 0
        form.default_signature_id.data = account.default_signature_id or 0
        form.lead_department_id.data = account.lead_department_id or 0
        form.autoreply_from.data = _local(account.autoreply_from)
        form.autoreply_until.data = _local(account.autoreply_until)
    return form


def _account_data(form: AccountForm) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(form, name).data for name in ACCOUNT_FIELDS}
    data = {k: ("" if v is None and k not in ("imap_port", "smtp_port") else v) for k, v in data.items()}
    for port in ("imap_port", "smtp_port"):
        if data[port] in (None, ""):
            data.pop(port)
    data["owner_id"] = form.owner_id.data or None
    data["default_signature_id"] = form.default_signature_id.data or None
    data["lead_department_id"] = form.lead_department_id.data or None
    data["autoreply_from"] = _instant(form.autoreply_from.data)
    data["autoreply_until"] = _instant(form.autoreply_until.data)
    for secret in ("imap_password", "smtp_password"):
        if getattr(form, secret).data:
            data[secret] = getattr(form, secret).data  # empty keeps the stored password
    return data


def _render_account(form: AccountForm, account: Any, status: int = 200, **extra: Any) -> Any:
    folders = mail_queries.account_folders(account.id) if account is not None else []
    return render_template(
        "mail/admin/account_form.html",
        form=form,
        account=account,
        folders=folders,
        scenario_folders=(account.lead_scenario_folders or {}) if account is not None else {},
        LEADS=(LEADS_OFF, LEADS_ALL, LEADS_SELECTED),
        **extra,
    ), status


def _save_members(account_id: int, form: AccountForm, kind: str) -> None:
    if kind == "shared":
        account_service.set_members(current_user, account_id, form.members.data or [])


@bp.route("/accounts/new", methods=["GET", "POST"])
@role_required("administrator")
def account_new() -> Any:
    form = _account_form()
    if form.validate_on_submit():
        try:
            account = account_service.create_account(current_user, _account_data(form))
        except ValidationFailed as exc:
            for message in attach_errors(form, exc):
                flash(message, "danger")
        else:
            try:
                _save_members(account.id, form, account.kind)
            except ValidationFailed as exc:
                attach_errors(form, exc)
                return _render_account(form, account, 422)
            flash(_("Mail account %(name)s created.", name=account.name), "success")
            return redirect(url_for("mail_admin.account_edit", account_id=account.id), 303)
    return _render_account(form, None, 422 if form.errors else 200)


def _load(account_id: int) -> Any:
    try:
        return account_service.get_account(current_user, account_id)
    except CrmError as exc:
        abort_for(exc)


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@role_required("administrator")
def account_edit(account_id: int) -> Any:
    account = _load(account_id)
    form = _account_form(account)
    if form.validate_on_submit():
        try:
            account_service.update_account(current_user, account.id, _account_data(form))
            _save_members(account.id, form, form.kind.data or account.kind)
        except ValidationFailed as exc:
            for message in attach_errors(form, exc):
                flash(message, "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("mail_admin.account_edit", account_id=account.id), 303)
    return _render_account(form, account, 422 if form.errors else 200)


@bp.route("/accounts/<int:account_id>/check", methods=["POST"])
@role_required("administrator")
def account_check(account_id: int) -> Any:
    """Try the IMAP and SMTP servers with the stored settings; list what is wrong (nothing = fine)."""
    account = _load(account_id)
    problems = account_service.check_connection(account.id)
    return _render_account(_account_form(account, submitted=False), account, problems=problems, checked=True)


@bp.route("/accounts/<int:account_id>/folders", methods=["POST"])
@role_required("administrator")
def account_folders_refresh(account_id: int) -> Response:
    """Read the folder list from the server again."""
    account = _load(account_id)
    try:
        folders = account_service.refresh_folders(account.id)
    except CrmError as exc:
        flash(_("The folders could not be read: %(why)s", why=error_text(exc)), "danger")
    else:
        flash(_("%(count)d folders found on the server.", count=len(folders)), "success")
    return redirect(url_for("mail_admin.account_edit", account_id=account.id) + "#folders", 303)


@bp.route("/accounts/<int:account_id>/leads", methods=["POST"])
@role_required("administrator")
def account_leads(account_id: int) -> Any:
    """Lead mode All / Selected / Off, the lead folders, and per scenario the folders whose leads it shows."""
    account = _load(account_id)
    chosen = [i for i in (parse_id(v) for v in request.form.getlist("lead_folder_ids")) if i]
    scenarios = {
        s: [i for i in (parse_id(v) for v in request.form.getlist(f"scenario_{s}")) if i]
        for s in LEAD_SCENARIOS
    }
    try:
        account_service.set_lead_folders(
            current_user, account.id, request.form.get("lead_mode", ""), chosen, scenarios
        )
    except ValidationFailed as exc:
        return _render_account(
            _account_form(account, submitted=False),
            account,
            422,
            lead_errors=localized_errors(exc.field_errors),
            lead_form={"mode": request.form.get("lead_mode", ""), "chosen": chosen, "scenarios": scenarios},
        )
    flash(_("Lead settings saved."), "success")
    return redirect(url_for("mail_admin.account_edit", account_id=account.id) + "#folders", 303)


@bp.route("/accounts/<int:account_id>/sync", methods=["POST"])
@role_required("administrator")
def account_sync(account_id: int) -> Response:
    """Fetch new letters of the account now: the first batches of each folder (the periodic sync goes on)."""
    account = _load(account_id)
    result = sync_account(account.id, max_batches=SYNC_NOW_BATCHES)
    if result.error:
        flash(_("The mailbox could not be read: %(why)s", why=result.error), "danger")
    else:
        flash(_("%(count)d new letters stored.", count=result.stored), "success")
        for problem in result.folder_errors:
            flash(problem, "warning")
    return redirect(url_for("mail_admin.account_edit", account_id=account.id), 303)
