"""Personal settings → E-mail: the sender name per account (SPEC #33), the signature each account's new letters
start with, the personal default font (SPEC #36) and the user's own signatures (with autotext, SPEC #39)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.errors import AccessDenied, CrmError, ValidationFailed
from crm.mail import accounts as account_service
from crm.mail import preferences
from crm.mail import queries as mail_queries
from crm.mail import signatures as signature_service
from crm.mail.autotext import PLACEHOLDERS
from webui.authz import role_required
from webui.service_messages import error_text, localized_errors
from webui.views.mail import bp
from webui.views.mail_forms import FONT_FAMILIES, FONT_SIZES, SignatureForm, attach_errors
from webui.views.workplace_common import abort_for, parse_id


def _render(status: int = 200, **extra: Any) -> Any:
    memberships = mail_queries.memberships_of(current_user)
    signatures = signature_service.list_signatures(current_user)
    chosen = {a.id: signature_service.signature_for(current_user, a) for a, _name in memberships}
    personal = preferences.get_personal_font(current_user)
    context = {
        "memberships": memberships,
        "signatures": signatures,
        "own_signatures": [s for s in signatures if s.owner_id == current_user.id],
        "chosen": {k: (v.id if v is not None else 0) for k, v in chosen.items()},
        "personal_font": personal,
        "global_font": preferences.get_global_font(),
        "FONT_FAMILIES": FONT_FAMILIES,
        "FONT_SIZES": FONT_SIZES,
        "errors": {},
        "values": {},
        **extra,
    }
    return render_template("mail/settings.html", **context), status


@bp.route("/settings")
@role_required("employee", "manager")
def settings() -> Any:
    return _render()


@bp.route("/settings/accounts", methods=["POST"])
@role_required("employee", "manager")
def settings_accounts() -> Any:
    """Save the sender name and the signature choice of each account the user writes from."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for account, current in mail_queries.memberships_of(current_user):
        name_field = f"sender_name_{account.id}"
        name = request.form.get(name_field)
        if name is not None and name.strip() != (current or ""):
            values[name_field] = name
            try:
                account_service.set_sender_name(current_user, account.id, name)
            except ValidationFailed as exc:
                errors[name_field] = error_text(exc)
        choice = request.form.get(f"signature_{account.id}")
        if choice is not None:
            try:
                signature_service.choose_signature(current_user, account.id, parse_id(choice))
            except ValidationFailed as exc:
                errors[f"signature_{account.id}"] = error_text(exc)
            except CrmError as exc:
                abort_for(exc)
    if errors:
        return _render(422, errors=errors, values=values)
    flash(_("Mail settings saved."), "success")
    return redirect(url_for("mail.settings"), 303)


@bp.route("/settings/font", methods=["POST"])
@role_required("employee", "manager")
def settings_font() -> Any:
    """The personal default font of new letters; both empty goes back to the company's."""
    family = request.form.get("font_family", "")
    size = request.form.get("font_size", "")
    try:
        preferences.set_personal_font(current_user, family, size)
    except ValidationFailed as exc:
        errors = localized_errors(exc.field_errors)
        return _render(422, errors=errors, values={"font_family": family, "font_size": size})
    flash(_("Your letter font is saved."), "success")
    return redirect(url_for("mail.settings"), 303)


def _signature_page(form: SignatureForm, signature: Any, status: int = 200, *, shared: bool = False) -> Any:
    return render_template(
        "mail/signature_form.html", form=form, signature=signature, shared=shared, PLACEHOLDERS=PLACEHOLDERS
    ), status


def save_signature(form: SignatureForm, signature: Any, *, shared: bool) -> Any:
    """Create or change a signature from the form; the page again with errors next to the fields."""
    data = {
        "name": form.name.data or "",
        "body_html": form.body_html.data or "",
        "is_active": form.is_active.data,
    }
    try:
        if signature is None:
            saved = signature_service.create_signature(current_user, {**data, "shared": shared})
        else:
            saved = signature_service.update_signature(current_user, signature.id, data)
    except ValidationFailed as exc:
        for message in attach_errors(form, exc):
            flash(message, "danger")
        return None
    flash(_("Signature “%(name)s” saved.", name=saved.name), "success")
    return saved


@bp.route("/settings/signatures/new", methods=["GET", "POST"])
@role_required("employee", "manager")
def signature_new() -> Any:
    form = SignatureForm()
    if form.validate_on_submit() and save_signature(form, None, shared=False) is not None:
        return redirect(url_for("mail.settings"), 303)
    return _signature_page(form, None, 422 if form.errors else 200)


def _own_signature(signature_id: int) -> Any:
    try:
        signature = signature_service.get_signature(current_user, signature_id)
    except CrmError as exc:
        abort_for(exc)
    if signature.owner_id != current_user.id:
        abort_for(AccessDenied("a shared signature is changed by an administrator"))
    return signature


@bp.route("/settings/signatures/<int:signature_id>", methods=["GET", "POST"])
@role_required("employee", "manager")
def signature_edit(signature_id: int) -> Any:
    signature = _own_signature(signature_id)
    form = SignatureForm(obj=signature)
    if form.validate_on_submit() and save_signature(form, signature, shared=False) is not None:
        return redirect(url_for("mail.settings"), 303)
    return _signature_page(form, signature, 422 if form.errors else 200)


@bp.route("/settings/signatures/<int:signature_id>/delete", methods=["POST"])
@role_required("employee", "manager")
def signature_delete(signature_id: int) -> Response:
    signature = _own_signature(signature_id)
    signature_service.delete_signature(current_user, signature.id)
    flash(_("Signature deleted."), "success")
    return redirect(url_for("mail.settings"), 303)
