"""Editing a client card: its fields (phones/e-mails as rows, portrait from its definitions, responsible),
the hand-set work-status flags, contact persons (add with duplicate control, edit), and the paged change
history of a client or a contact person. Every form is CSRF-protected and all-or-nothing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from crm.clients.contacts import add_contact, get_contact
from crm.clients.editing import (
    assignable_responsibles,
    client_for_editing,
    contact_for_editing,
    editable_client_ids,
    history_page,
    history_rows,
    region_choices,
    save_client,
    save_contact,
    user_names,
)
from crm.clients.portrait import portrait_attributes_for
from crm.clients.services import get_client
from crm.edit_conflicts import EditConflict, history_mark
from crm.errors import DuplicateFound, ValidationFailed
from crm.statuses.models import WORK_STATUSES
from crm.statuses.services import explain_status, set_client_flags
from crm.workplaces_clients import segment_choices
from webui.authz import role_required
from webui.views.client_edit_forms import (
    HISTORY_ACTION_LABELS,
    HISTORY_FIELD_LABELS,
    ClientEditForm,
    ContactForm,
    FlagsForm,
    portrait_values,
    repeated_values,
    seen_mark,
    select_choices,
    show_edit_conflict,
    show_field_errors,
)
from webui.views.feed import crm_errors_as_http

bp = Blueprint("client_edit", __name__)

HISTORY_PER_PAGE = 50
CLIENT_FORM_FIELDS = (
    "kind", "name", "legal_name", "inn", "kpp", "legal_address", "actual_address", "website", "description",
)  # fmt: skip


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "main"}


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def edit_client(client_id: int) -> Any:
    client = client_for_editing(current_user, client_id)
    if client.id != client_id:  # a merged card: edit the one it lives on as
        return redirect(url_for("client_edit.edit_client", client_id=client.id))
    form = ClientEditForm(obj=client if request.method == "GET" else None)
    if request.method == "GET":
        form.region_id.data = client.region_id or 0
        form.segment_id.data = client.segment_id or 0
        form.responsible_id.data = client.responsible_id or 0
        form.seen_mark.data = str(history_mark("client", client.id))
    names = user_names({client.responsible_id})
    current = (
        (client.responsible_id, names[client.responsible_id]) if client.responsible_id in names else None
    )
    form.responsible_id.choices = select_choices(assignable_responsibles(current_user), current)
    form.region_id.choices = select_choices(region_choices())
    form.segment_id.choices = select_choices(segment_choices())
    kind = form.kind.data if request.method == "POST" and form.kind.data else client.kind
    attributes = portrait_attributes_for(kind)
    phones, emails = client.phones, client.emails
    portrait: dict[str, Any] = dict(client.portrait or {})
    extra_errors: dict[str, list[str]] = {}
    duplicates: list[Any] = []
    mergeable: set[int] = set()
    conflict: list[Any] = []
    if request.method == "POST":
        phones, emails = repeated_values("phones"), repeated_values("emails")
        portrait = portrait_values(attributes)
    if form.validate_on_submit():
        changes: dict[str, Any] = {name: getattr(form, name).data or "" for name in CLIENT_FORM_FIELDS}
        changes.update(
            phones=phones, emails=emails, portrait=portrait, region_id=form.region_id.data or None,
            segment_id=form.segment_id.data or None, responsible_id=form.responsible_id.data or None,
        )  # fmt: skip
        try:
            save_client(
                current_user, client.id, changes, allow_duplicate=bool(form.allow_duplicate.data),
                seen_mark=seen_mark(form),
            )  # fmt: skip
        except EditConflict as exc:
            conflict = history_rows(exc.entries)
            show_edit_conflict(form, exc, conflict, extra_errors)
        except DuplicateFound as exc:
            duplicates = exc.candidates
            mergeable = editable_client_ids(current_user, [c.id for c in duplicates])
        except ValidationFailed as exc:
            show_field_errors(form, exc.field_errors, extra_errors)
        else:
            flash(_("The client card is saved."), "success")
            return redirect(url_for("clients.card", client_id=client.id), 303)
    status = 409 if conflict else 422 if form.errors or extra_errors or duplicates else 200
    return render_template(
        "client_edit/edit.html", client=client, form=form, phones=phones, emails=emails,
        attributes=attributes, portrait=portrait, extra_errors=extra_errors, duplicates=duplicates,
        mergeable=mergeable, flags_form=_flags_form(client.id), WORK_STATUSES=WORK_STATUSES, conflict=conflict,
        FIELD_LABELS=HISTORY_FIELD_LABELS,
    ), status  # fmt: skip


def _flags_form(client_id: int) -> FlagsForm:
    explanation = explain_status(client_id, actor=current_user)
    form = FlagsForm(formdata=None)
    form.liquidated.data = "liquidated" in explanation.flags
    form.foreign.data = "foreign" in explanation.flags
    form.non_target.data = "non_target" in explanation.flags
    form.work_status = WORK_STATUSES[explanation.stored_status]  # type: ignore[attr-defined]
    return form


@bp.route("/clients/<int:client_id>/flags", methods=["POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def set_flags(client_id: int) -> Any:
    client = client_for_editing(current_user, client_id)
    form = FlagsForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please submit it again."), "warning")
        return redirect(url_for("client_edit.edit_client", client_id=client.id) + "#flags", 303)
    explanation = set_client_flags(
        current_user, client.id, liquidated=bool(form.liquidated.data), foreign=bool(form.foreign.data),
        non_target=bool(form.non_target.data),
    )  # fmt: skip
    work_status = WORK_STATUSES[explanation.stored_status]
    status_name = work_status.name_ru if str(get_locale()) == "ru" else work_status.name
    flash(_("Work status recalculated: %(status)s.", status=status_name), "success")
    return redirect(url_for("client_edit.edit_client", client_id=client.id) + "#flags", 303)


@bp.route("/clients/<int:client_id>/contacts/new", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def new_contact(client_id: int) -> Any:
    client = client_for_editing(current_user, client_id)
    form = ContactForm()
    attributes = portrait_attributes_for("contact")
    phones, emails, portrait = [], [], {}
    extra_errors: dict[str, list[str]] = {}
    duplicates: list[Any] = []
    if request.method == "POST":
        phones, emails = repeated_values("phones"), repeated_values("emails")
        portrait = portrait_values(attributes)
    if form.validate_on_submit():
        data = _contact_data(form, phones, emails, portrait)
        data.pop("is_active")
        try:
            add_contact(current_user, client.id, data, allow_duplicate=bool(form.allow_duplicate.data))
        except DuplicateFound as exc:
            duplicates = exc.candidates
        except ValidationFailed as exc:
            show_field_errors(form, exc.field_errors, extra_errors)
        else:
            flash(_("The contact person is added."), "success")
            return redirect(url_for("clients.card", client_id=client.id), 303)
    status = 422 if form.errors or extra_errors or duplicates else 200
    return render_template(
        "client_edit/contact.html", client=client, contact=None, form=form, phones=phones, emails=emails,
        attributes=attributes, portrait=portrait, extra_errors=extra_errors, duplicates=duplicates,
    ), status  # fmt: skip


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def edit_contact(contact_id: int) -> Any:
    contact = contact_for_editing(current_user, contact_id)
    form = ContactForm(obj=contact if request.method == "GET" else None)
    if request.method == "GET":
        form.birthday.data = contact.birthday.isoformat() if contact.birthday else ""
        form.seen_mark.data = str(history_mark("contact", contact.id))
    attributes = portrait_attributes_for("contact")
    phones, emails = contact.phones, contact.emails
    portrait: dict[str, Any] = dict(contact.portrait or {})
    extra_errors: dict[str, list[str]] = {}
    conflict: list[Any] = []
    if request.method == "POST":
        phones, emails = repeated_values("phones"), repeated_values("emails")
        portrait = portrait_values(attributes)
    if form.validate_on_submit():
        try:
            save_contact(
                current_user,
                contact.id,
                _contact_data(form, phones, emails, portrait),
                seen_mark=seen_mark(form),
            )
        except EditConflict as exc:
            conflict = history_rows(exc.entries)
            show_edit_conflict(form, exc, conflict, extra_errors)
        except ValidationFailed as exc:
            show_field_errors(form, exc.field_errors, extra_errors)
        else:
            flash(_("The contact person is saved."), "success")
            return redirect(url_for("clients.card", client_id=contact.client_id), 303)
    status = 409 if conflict else 422 if form.errors or extra_errors else 200
    return render_template(
        "client_edit/contact.html", client=contact.client, contact=contact, form=form, phones=phones,
        emails=emails, attributes=attributes, portrait=portrait, extra_errors=extra_errors, duplicates=[],
        conflict=conflict, FIELD_LABELS=HISTORY_FIELD_LABELS,
    ), status  # fmt: skip


def _contact_data(form: ContactForm, phones: list[str], emails: list[str], portrait: dict[str, Any]) -> dict:  # type: ignore[type-arg]
    return {
        "full_name": form.full_name.data or "", "position": form.position.data or "",
        "birthday": (form.birthday.data or "").strip() or None, "is_key_person": bool(form.is_key_person.data),
        "is_active": bool(form.is_active.data), "comment": form.comment.data or "", "phones": phones,
        "emails": emails, "portrait": portrait,
    }  # fmt: skip


@bp.route("/clients/<int:client_id>/history")
@role_required("employee", "manager")
@crm_errors_as_http
def client_history(client_id: int) -> Any:
    return _history("client", client_id)


@bp.route("/contacts/<int:contact_id>/history")
@role_required("employee", "manager")
@crm_errors_as_http
def contact_history(contact_id: int) -> Any:
    return _history("contact", contact_id)


def _history(entity: str, entity_id: int) -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = history_page(
        current_user, entity, entity_id, offset=(page - 1) * HISTORY_PER_PAGE, limit=HISTORY_PER_PAGE
    )
    if entity == "client":
        card = get_client(current_user, entity_id)
        title, back = card.name, url_for("clients.card", client_id=card.id)
    else:
        contact = get_contact(current_user, entity_id)
        title, back = contact.full_name, url_for("clients.card", client_id=contact.client_id)
    return render_template(
        "client_edit/history.html", rows=rows, total=total, page=page, per_page=HISTORY_PER_PAGE,
        title=title, back_url=back, endpoint=request.endpoint, args=dict(request.view_args or {}),
        FIELD_LABELS=HISTORY_FIELD_LABELS, ACTION_LABELS=HISTORY_ACTION_LABELS,
    )  # fmt: skip
