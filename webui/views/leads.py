"""Potential clients (leads, SPEC #19): the list, the card with its Feed and history, editing, and the
conversion into a new or an existing client with duplicate handling and a preview of what moves."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.clients.editing import (
    assignable_responsibles,
    history_page,
    history_rows,
    region_choices,
    save_lead,
    user_names,
)
from crm.clients.leads import convert_lead, get_lead, list_leads
from crm.clients.models import LEAD_CONVERTED, LEAD_STATUSES
from crm.clients.previews import conversion_preview
from crm.edit_conflicts import EditConflict, history_mark
from crm.errors import DuplicateFound, ValidationFailed
from crm.workplaces.pickers import pickable_label
from webui.authz import role_required
from webui.views.client_edit_forms import (
    HISTORY_ACTION_LABELS,
    HISTORY_FIELD_LABELS,
    ConvertForm,
    LeadForm,
    seen_mark,
    select_choices,
    show_edit_conflict,
    show_field_errors,
)
from webui.views.feed import crm_errors_as_http, load_feed

bp = Blueprint("leads", __name__, url_prefix="/leads")

PER_PAGE = 50
HISTORY_ON_CARD = 20


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "main"}


@bp.route("")
@role_required("employee", "manager")
@crm_errors_as_http
def index() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    status = request.args.get("status", "open")
    query = request.args.get("q", "")
    leads, total = list_leads(
        current_user, status=status if status in LEAD_STATUSES else None, name_contains=query,
        offset=(page - 1) * PER_PAGE, limit=PER_PAGE,
    )  # fmt: skip
    args = {k: v for k, v in request.args.items() if k != "page"}
    names = user_names({lead.responsible_id for lead in leads})
    return render_template(
        "leads/index.html", leads=leads, total=total, page=page, per_page=PER_PAGE, args=args,
        status=status, query=query, names=names,
    )  # fmt: skip


@bp.route("/<int:lead_id>")
@role_required("employee", "manager")
@crm_errors_as_http
def card(lead_id: int) -> str:
    lead = get_lead(current_user, lead_id)
    history, history_total = history_page(current_user, "lead", lead.id, limit=HISTORY_ON_CARD)
    return render_template(
        "leads/card.html", lead=lead, history=history, history_total=history_total,
        names=user_names({lead.responsible_id}), feed_page=load_feed("lead", lead.id),
        FIELD_LABELS=HISTORY_FIELD_LABELS, ACTION_LABELS=HISTORY_ACTION_LABELS,
    )  # fmt: skip


@bp.route("/<int:lead_id>/history")
@role_required("employee", "manager")
@crm_errors_as_http
def history(lead_id: int) -> str:
    lead = get_lead(current_user, lead_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = history_page(current_user, "lead", lead.id, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    return render_template(
        "client_edit/history.html", rows=rows, total=total, page=page, per_page=PER_PAGE, title=lead.name,
        back_url=url_for("leads.card", lead_id=lead.id), endpoint="leads.history", args={"lead_id": lead.id},
        FIELD_LABELS=HISTORY_FIELD_LABELS, ACTION_LABELS=HISTORY_ACTION_LABELS,
    )  # fmt: skip


@bp.route("/<int:lead_id>/edit", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def edit(lead_id: int) -> Any:
    lead = get_lead(current_user, lead_id)
    if lead.status == LEAD_CONVERTED:
        flash(_("This potential client is converted; work on the client card."), "info")
        return redirect(url_for("leads.card", lead_id=lead.id))
    form = LeadForm(obj=lead if request.method == "GET" else None)
    if request.method == "GET":
        form.region_id.data = lead.region_id or 0
        form.responsible_id.data = lead.responsible_id or 0
        form.seen_mark.data = str(history_mark("lead", lead.id))
    names = user_names({lead.responsible_id})
    current = (lead.responsible_id, names[lead.responsible_id]) if lead.responsible_id in names else None
    form.responsible_id.choices = select_choices(assignable_responsibles(current_user), current)
    form.region_id.choices = select_choices(region_choices())
    extra_errors: dict[str, list[str]] = {}
    conflict: list[Any] = []
    if form.validate_on_submit():
        changes = {
            name: getattr(form, name).data or "" for name in ("name", "company_name", "phone", "email", "source",
                                                              "comment", "status")
        }  # fmt: skip
        changes.update(region_id=form.region_id.data or None, responsible_id=form.responsible_id.data or None)
        try:
            save_lead(current_user, lead.id, changes, seen_mark=seen_mark(form))
        except EditConflict as exc:
            conflict = history_rows(exc.entries)
            show_edit_conflict(form, exc, conflict, extra_errors)
        except ValidationFailed as exc:
            show_field_errors(form, exc.field_errors, extra_errors)
        else:
            flash(_("The potential client is saved."), "success")
            return redirect(url_for("leads.card", lead_id=lead.id), 303)
    status = 409 if conflict else 422 if form.errors or extra_errors else 200
    return render_template(
        "leads/edit.html", lead=lead, form=form, extra_errors=extra_errors, conflict=conflict,
        FIELD_LABELS=HISTORY_FIELD_LABELS,
    ), status  # fmt: skip


@bp.route("/<int:lead_id>/convert", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def convert(lead_id: int) -> Any:
    lead = get_lead(current_user, lead_id)
    if lead.status == LEAD_CONVERTED:
        flash(_("This potential client is already converted."), "info")
        return redirect(url_for("leads.card", lead_id=lead.id))
    preview = conversion_preview(current_user, lead.id)
    form = ConvertForm()
    if request.method == "GET":
        form.name.data = lead.company_name or lead.name
        form.kind.data = "company" if lead.company_name else "person"
    extra_errors: dict[str, list[str]] = {}
    duplicates: list[Any] = []
    if form.validate_on_submit():
        into = int(form.into_client_id.data) if (form.into_client_id.data or "").isdigit() else None
        if form.mode.data == "into" and (into is None or not pickable_label(current_user, "client", into)):
            form.into_client_id.errors = [_("Pick the client to convert into.")]
        else:
            client_data = {"kind": form.kind.data}
            if (form.name.data or "").strip():
                client_data["name"] = form.name.data.strip()
            try:
                client, _contact = convert_lead(
                    current_user, lead.id, client_data=client_data if form.mode.data == "new" else None,
                    into_client_id=into if form.mode.data == "into" else None,
                    allow_duplicate=bool(form.allow_duplicate.data),
                )  # fmt: skip
            except DuplicateFound as exc:
                duplicates = exc.candidates
            except ValidationFailed as exc:
                show_field_errors(form, exc.field_errors, extra_errors)
            else:
                flash(_("The potential client is converted; its history moved to this card."), "success")
                return redirect(url_for("clients.card", client_id=client.id), 303)
    visible = {c.id for c in preview.duplicates}
    status = 422 if form.errors or extra_errors or duplicates else 200
    return render_template(
        "leads/convert.html", lead=lead, preview=preview, form=form, extra_errors=extra_errors,
        duplicates=duplicates, visible_ids=visible,
    ), status  # fmt: skip
