"""Administration of mail, part two: sorting rules (conditions and actions, incl. "Forward to address", SPEC #38,
in order), shared signatures with autotext (SPEC #39) and the company's default letter font (SPEC #36)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.accounts import services as people
from crm.errors import CrmError, NotFound, ValidationFailed
from crm.mail import preferences
from crm.mail import queries as mail_queries
from crm.mail import rules as rule_service
from crm.mail import signatures as signature_service
from crm.mail.autotext import PLACEHOLDERS
from crm.mail.models import MailSortingRule
from webui.authz import role_required
from webui.service_messages import localized_errors
from webui.views.mail_admin import bp
from webui.views.mail_forms import FONT_FAMILIES, FONT_SIZES, FontForm, RuleForm, SignatureForm, attach_errors
from webui.views.mail_settings import save_signature
from webui.views.workplace_common import abort_for, parse_id

FIELD_LABELS = {"from": _l("Sender"), "to": _l("Recipients"), "cc": _l("Cc"), "subject": _l("Subject"), "body": _l("Text"),
                "has_attachments": _l("Has files"), "size": _l("Size, KB")}  # fmt: skip
OP_LABELS = {"contains": _l("contains"), "not_contains": _l("does not contain"), "equals": _l("is"),
             "not_equals": _l("is not"), "starts_with": _l("starts with"), "ends_with": _l("ends with"),
             "is": _l("is"), "greater_than": _l("greater than"), "less_than": _l("less than")}  # fmt: skip
ACTION_LABELS = {"move_to_folder": _l("Move to folder"), "mark_read": _l("Mark as read"), "flag": _l("Set the flag"),
                 "set_responsible": _l("Make responsible"), "link_to_client": _l("Link to client (id)"),
                 "delete": _l("Delete (marks for deletion)"), "forward_to": _l("Forward to address"),
                 "stop_processing": _l("Stop processing rules")}  # fmt: skip


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"FIELD_LABELS": FIELD_LABELS, "OP_LABELS": OP_LABELS, "ACTION_LABELS": ACTION_LABELS}


# --- sorting rules -----------------------------------------------------------------------------------------


@bp.route("/rules")
@role_required("administrator")
def rules() -> str:
    account_id = parse_id(request.args.get("account"))
    found = rule_service.list_rules(account_id)
    accounts = mail_queries.account_list(limit=1000).accounts
    return render_template(
        "mail/admin/rules.html",
        rules=found,
        accounts=accounts,
        account_names={a.id: a.name for a in accounts},
        account_id=account_id,
    )


def _rule_form(rule: MailSortingRule | None) -> RuleForm:
    form = RuleForm(obj=rule)
    accounts = mail_queries.account_list(limit=1000).accounts
    form.account_id.choices = [
        (0, _("Every account")),
        *((a.id, f"{a.name} <{a.email_address}>") for a in accounts),
    ]
    if rule is not None:
        form.account_id.data = rule.account_id or 0
        if request.method == "GET":
            form.match_all.data = "1" if rule.match_all else "0"
    return form


def _rows_from_form() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The condition and action rows of the rule editor (rows left blank are skipped)."""
    form = request.form
    conditions = []
    for field, op, value in zip(
        form.getlist("cond_field"), form.getlist("cond_op"), form.getlist("cond_value"), strict=False
    ):
        if field or value.strip():
            conditions.append({"field": field, "op": op, "value": value})
    actions = []
    columns = ("act_type", "act_folder", "act_user", "act_client", "act_address")
    for kind, folder, user, client, address in zip(*(form.getlist(c) for c in columns), strict=False):
        if not kind:
            continue
        action: dict[str, Any] = {"type": kind}
        if kind == "move_to_folder":
            action["folder_id"] = folder
        elif kind == "set_responsible":
            action["user_id"] = user
        elif kind == "link_to_client":
            action["client_id"] = client.strip()
        elif kind == "forward_to":
            action["address"] = address
        actions.append(action)
    return conditions, actions


def _rule_page(form: RuleForm, rule: MailSortingRule | None, conditions: list[Any], actions: list[Any],
               status: int = 200, errors: dict[str, str] | None = None) -> Any:  # fmt: skip
    account_id = rule.account_id if rule is not None else (form.account_id.data or None)
    accounts = mail_queries.account_list(limit=1000).accounts
    folders = [
        (f.id, f"{a.name} · {f.name}")
        for a in accounts
        if account_id is None or a.id == account_id
        for f in mail_queries.account_folders(a.id)
    ]
    users, _total = people.list_users(active=True, page=1, per_page=1000)
    return render_template(
        "mail/admin/rule_form.html",
        form=form,
        rule=rule,
        conditions=conditions or [{"field": "subject", "op": "contains", "value": ""}],
        actions=actions or [{"type": "move_to_folder"}],
        folders=folders,
        users=[(u.id, u.full_name) for u in users],
        FIELDS=rule_service.CONDITION_FIELDS,
        OPS=(*rule_service.TEXT_OPS, "is", *rule_service.SIZE_OPS),
        ACTIONS=rule_service.ACTION_TYPES,
        errors=errors or {},
    ), status


def _rule_data(form: RuleForm, conditions: list[Any], actions: list[Any]) -> dict[str, Any]:
    return {
        "name": form.name.data or "",
        "is_active": bool(form.is_active.data),
        "match_all": form.match_all.data == "1",
        "stop_processing": bool(form.stop_processing.data),
        "conditions": conditions,
        "actions": actions,
    }


@bp.route("/rules/new", methods=["GET", "POST"])
@role_required("administrator")
def rule_new() -> Any:
    form = _rule_form(None)
    conditions, actions = _rows_from_form() if request.method == "POST" else ([], [])
    if form.validate_on_submit():
        data = {**_rule_data(form, conditions, actions), "account_id": form.account_id.data or None}
        try:
            rule = rule_service.create_rule(current_user, data)
        except ValidationFailed as exc:
            errors = localized_errors(exc.field_errors)
            attach_errors(
                form, ValidationFailed({k: v for k, v in exc.field_errors.items() if hasattr(form, k)})
            )
            return _rule_page(form, None, conditions, actions, 422, errors)
        except CrmError as exc:
            abort_for(exc)
        flash(_("Rule “%(name)s” saved.", name=rule.name), "success")
        return redirect(url_for("mail_admin.rules"), 303)
    return _rule_page(form, None, conditions, actions, 422 if form.errors else 200)


def _rule(rule_id: int) -> MailSortingRule:
    found = next((r for r in rule_service.list_rules() if r.id == rule_id), None)
    if found is None:
        abort_for(NotFound(f"no sorting rule {rule_id}"))
    return found


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@role_required("administrator")
def rule_edit(rule_id: int) -> Any:
    rule = _rule(rule_id)
    form = _rule_form(rule)
    if request.method == "POST":
        conditions, actions = _rows_from_form()
    else:
        conditions, actions = list(rule.conditions or []), list(rule.actions or [])
    if form.validate_on_submit():
        try:
            rule_service.update_rule(current_user, rule.id, _rule_data(form, conditions, actions))
        except ValidationFailed as exc:
            errors = localized_errors(exc.field_errors)
            attach_errors(
                form, ValidationFailed({k: v for k, v in exc.field_errors.items() if hasattr(form, k)})
            )
            return _rule_page(form, rule, conditions, actions, 422, errors)
        flash(_("Rule “%(name)s” saved.", name=rule.name), "success")
        return redirect(url_for("mail_admin.rules"), 303)
    return _rule_page(form, rule, conditions, actions, 422 if form.errors else 200)


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@role_required("administrator")
def rule_delete(rule_id: int) -> Response:
    try:
        rule_service.delete_rule(current_user, rule_id)
    except CrmError as exc:
        abort_for(exc)
    flash(_("Rule deleted."), "success")
    return redirect(url_for("mail_admin.rules"), 303)


@bp.route("/rules/<int:rule_id>/move", methods=["POST"])
@role_required("administrator")
def rule_move(rule_id: int) -> Response:
    """Move a rule one place up or down in the order rules apply."""
    ordered = rule_service.list_rules()
    index = next((i for i, r in enumerate(ordered) if r.id == rule_id), None)
    if index is None:
        abort_for(NotFound(f"no sorting rule {rule_id}"))
    other = index - 1 if request.form.get("direction") == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        # Positions 1..n in the new order: rules that shared a position get distinct ones.
        for position, rule in enumerate(ordered, start=1):
            if rule.position != position:
                rule_service.update_rule(current_user, rule.id, {"position": position})
    return redirect(url_for("mail_admin.rules"), 303)


# --- shared signatures -------------------------------------------------------------------------------------


@bp.route("/signatures")
@role_required("administrator")
def signatures() -> str:
    return render_template("mail/admin/signatures.html", signatures=mail_queries.shared_signatures())


def _signature_page(form: SignatureForm, signature: Any, status: int = 200) -> Any:
    return render_template(
        "mail/signature_form.html", form=form, signature=signature, shared=True, PLACEHOLDERS=PLACEHOLDERS
    ), status


@bp.route("/signatures/new", methods=["GET", "POST"])
@role_required("administrator")
def signature_new() -> Any:
    form = SignatureForm()
    if form.validate_on_submit() and save_signature(form, None, shared=True) is not None:
        return redirect(url_for("mail_admin.signatures"), 303)
    return _signature_page(form, None, 422 if form.errors else 200)


def _shared_signature(signature_id: int) -> Any:
    try:
        signature = signature_service.get_signature(current_user, signature_id)
    except CrmError as exc:
        abort_for(exc)
    if signature.owner_id is not None:
        abort_for(NotFound(f"signature {signature_id} is personal"))
    return signature


@bp.route("/signatures/<int:signature_id>", methods=["GET", "POST"])
@role_required("administrator")
def signature_edit(signature_id: int) -> Any:
    signature = _shared_signature(signature_id)
    form = SignatureForm(obj=signature)
    if form.validate_on_submit() and save_signature(form, signature, shared=True) is not None:
        return redirect(url_for("mail_admin.signatures"), 303)
    return _signature_page(form, signature, 422 if form.errors else 200)


@bp.route("/signatures/<int:signature_id>/delete", methods=["POST"])
@role_required("administrator")
def signature_delete(signature_id: int) -> Response:
    signature = _shared_signature(signature_id)
    signature_service.delete_signature(current_user, signature.id)
    flash(_("Signature deleted."), "success")
    return redirect(url_for("mail_admin.signatures"), 303)


# --- the company's letter font ----------------------------------------------------------------------------


@bp.route("/font", methods=["GET", "POST"])
@role_required("administrator")
def font() -> Any:
    form = FontForm()
    if request.method == "GET":
        form.font_family.data, form.font_size.data = preferences.get_global_font()
    if form.validate_on_submit():
        try:
            preferences.set_global_font(current_user, form.font_family.data or "", form.font_size.data or "")
        except ValidationFailed as exc:
            attach_errors(form, exc)
        else:
            flash(_("The default font of new letters is saved."), "success")
            return redirect(url_for("mail_admin.font"), 303)
    return render_template(
        "mail/admin/font.html", form=form, FONT_FAMILIES=FONT_FAMILIES, FONT_SIZES=FONT_SIZES
    ), (422 if form.errors else 200)
