"""Links between client cards: relationships (add with a type and the other client picked by search, remove)
and the merge tool (pick the duplicate, preview side by side what moves, confirm)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.clients.editing import client_for_editing, user_names
from crm.clients.merge import merge_clients
from crm.clients.previews import merge_candidates
from crm.clients.previews import merge_preview as build_merge_preview
from crm.clients.relations import link_clients, relations_of, unlink_clients
from crm.errors import ValidationFailed
from crm.workplaces.pickers import pickable_label
from webui.authz import role_required
from webui.views.client_edit_forms import RELATION_LABELS, ConfirmForm, RelationForm, show_field_errors
from webui.views.feed import crm_errors_as_http

bp = Blueprint("client_links", __name__, url_prefix="/clients")

MOVING_LABELS = (
    ("contacts", _l("Contact persons")), ("phones", _l("Phones")), ("emails", _l("E-mails")), ("interests", _l("Interests")),
    ("tickets", _l("Appeals")), ("interactions", _l("Interactions")), ("notes", _l("Notes")),
    ("relations", _l("Relationships")), ("leads", _l("Converted potential clients")), ("feed", _l("Feed entries")),
)  # fmt: skip


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "main", "RELATION_LABELS": RELATION_LABELS}


@bp.route("/<int:client_id>/relations", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def relations(client_id: int) -> Any:
    client = client_for_editing(current_user, client_id)
    if client.id != client_id:
        return redirect(url_for("client_links.relations", client_id=client.id))
    form = RelationForm()
    extra_errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            link_clients(
                current_user, client.id, int(form.to_client_id.data), form.relation_type.data,
                form.comment.data or "",
            )  # fmt: skip
        except ValidationFailed as exc:
            show_field_errors(form, exc.field_errors, extra_errors)
        else:
            flash(_("The relationship is recorded."), "success")
            return redirect(url_for("client_links.relations", client_id=client.id), 303)
    picked = form.to_client_id.data if isinstance(form.to_client_id.data, int) else None
    picked_label = pickable_label(current_user, "client", picked) if picked else None
    status = 422 if form.errors or extra_errors else 200
    return render_template(
        "client_edit/relations.html", client=client, form=form, extra_errors=extra_errors,
        relations=relations_of(current_user, client.id), remove_form=ConfirmForm(),
        picked=picked, picked_label=picked_label,
    ), status  # fmt: skip


@bp.route("/<int:client_id>/relations/<int:relation_id>/delete", methods=["POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def remove_relation(client_id: int, relation_id: int) -> Any:
    client = client_for_editing(current_user, client_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if relation_id not in {r.relation_id for r in relations_of(current_user, client.id)}:
        abort(404)
    unlink_clients(current_user, relation_id)
    flash(_("The relationship is removed."), "success")
    return redirect(url_for("client_links.relations", client_id=client.id), 303)


@bp.route("/<int:client_id>/merge")
@role_required("employee", "manager")
@crm_errors_as_http
def merge_pick(client_id: int) -> Any:
    client = client_for_editing(current_user, client_id)
    if client.id != client_id:
        return redirect(url_for("client_links.merge_pick", client_id=client.id))
    other = request.args.get("other", type=int)
    if other:
        return redirect(url_for("client_links.merge_preview", client_id=client.id, other_id=other))
    return render_template(
        "client_edit/merge_pick.html", client=client, candidates=merge_candidates(current_user, client.id)
    )


@bp.route("/<int:client_id>/merge/<int:other_id>", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def merge_preview(client_id: int, other_id: int) -> Any:
    """``client_id`` is kept, ``other_id`` is merged into it (the page offers to swap the two)."""
    try:
        preview = build_merge_preview(current_user, client_id, other_id)
    except ValidationFailed:
        flash(_("Choose two different clients."), "warning")
        return redirect(url_for("client_links.merge_pick", client_id=client_id), 303)
    form = ConfirmForm()
    if form.validate_on_submit():
        kept = merge_clients(current_user, client_id, other_id)
        flash(
            _("The cards are merged: “%(gone)s” now lives on as this card.", gone=preview.gone.name),
            "success",
        )
        return redirect(url_for("clients.card", client_id=kept.id), 303)
    names = user_names({preview.keep.responsible_id, preview.gone.responsible_id})
    return render_template(
        "client_edit/merge_preview.html", preview=preview, form=form, names=names, MOVING_LABELS=MOVING_LABELS,
    )  # fmt: skip
