"""Administration → Client base settings: portrait attributes, appeal types, interest stages.

The other pages of the same blueprint (business regions and segments, work statuses and quality rules, absences
and hand-over, import) live in ``crm_admin_directories``, ``crm_admin_statuses``, ``crm_admin_people`` and
``crm_admin_import``; they register on ``bp`` when imported
at the end of this module. Views read input, call one service and render; service errors (``ValidationFailed``)
are shown next to their fields and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.clients import admin_services as portrait_admin
from crm.clients.portrait import (
    APPLIES_TO,
    VALUE_TYPES,
    deactivate_portrait_attribute,
    define_portrait_attribute,
)
from crm.deals import admin_services as stages_admin
from crm.deals.services import list_stages
from crm.errors import CrmError, NotFound, ValidationFailed
from crm.statuses.models import WORK_STATUSES
from crm.support.models import PRIORITIES
from crm.support.services import list_appeal_types, save_appeal_type
from engine.calendar_sla import parse_sla
from engine.definitions import list_definitions
from engine.errors import CalendarInvalid
from webui.authz import role_required
from webui.service_messages import error_text, localized_errors
from webui.views.workplace_common import int_arg

bp = Blueprint("crm_admin", __name__, url_prefix="/admin/crm")
PER_PAGE = 25


@bp.context_processor
def _context() -> dict[str, Any]:
    return {"active_section": "admin", "status_label": status_label, "WORK_STATUSES": WORK_STATUSES}


def status_label(code: str) -> str:
    """A work status's name in the UI language."""
    status = WORK_STATUSES.get(code)
    if status is None:
        return code
    return status.name_ru if str(get_locale() or "en") == "ru" else status.name


def field_errors(exc: ValidationFailed) -> dict[str, str]:
    """Service messages by field, translated where the catalogue knows them."""
    return localized_errors(exc.field_errors)


def page_arg() -> int:
    return int(int_arg("page", 1, minimum=1))


def not_found(message: str) -> tuple[str, int]:
    return render_template("errors/error.html", code=404, title=_("Not found"), message=message), 404


def int_field(form: dict[str, str], name: str, errors: dict[str, str], default: int = 0) -> int:
    """A whole number from the form; a message next to the field when it is not one."""
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        errors[name] = _("A whole number.")
        return default


@bp.route("/")
@role_required("administrator")
def index() -> Response:
    return redirect(url_for("crm_admin.portrait"))


# --- client portrait -----------------------------------------------------------------------------------------

PORTRAIT_FIELDS = ("code", "label", "value_type", "applies_to", "choices", "required", "sort_order")


def _portrait_form(attribute: Any = None) -> dict[str, Any]:
    if attribute is None:
        return {"code": "", "label": "", "value_type": "string", "applies_to": "client", "choices": "",
                "required": False, "sort_order": "0"}  # fmt: skip
    return {
        "code": attribute.code,
        "label": attribute.label,
        "value_type": attribute.value_type,
        "applies_to": attribute.applies_to,
        "choices": "\n".join(attribute.choices or []),
        "required": attribute.required,
        "sort_order": str(attribute.sort_order),
    }


@bp.route("/portrait", methods=["GET", "POST"])
@bp.route("/portrait/<int:attribute_id>", methods=["GET", "POST"])
@role_required("administrator")
def portrait(attribute_id: int | None = None) -> str | Response | tuple[str, int]:
    editing = None
    if attribute_id is not None:
        try:
            editing = portrait_admin.get_portrait_definition(attribute_id)
        except NotFound:
            return not_found(_("There is no such portrait attribute."))
    form = _portrait_form(editing)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in PORTRAIT_FIELDS if k != "required"})
        form["required"] = request.form.get("required") == "1"
        if editing is not None:  # the code, scope and type of stored values never change
            form.update(code=editing.code, applies_to=editing.applies_to, value_type=editing.value_type)
        sort_order = int_field(form, "sort_order", errors)
        if editing is None and portrait_admin.find_portrait_definition(form["applies_to"], form["code"]):
            errors["code"] = _("An attribute with this code exists for these cards; edit it instead.")
        if not errors:
            try:
                define_portrait_attribute(
                    current_user,
                    code=form["code"],
                    label=form["label"],
                    value_type=form["value_type"],
                    applies_to=form["applies_to"],
                    choices=form["choices"].splitlines(),
                    required=form["required"],
                    sort_order=sort_order,
                )
            except ValidationFailed as exc:
                errors.update(field_errors(exc))
            else:
                flash(_("Portrait attribute saved."), "success")
                return redirect(url_for("crm_admin.portrait"))
    args = {"applies_to": request.args.get("applies_to", ""), "state": request.args.get("state", "active")}
    page = page_arg()
    rows, total = portrait_admin.list_portrait_definitions(**args, page=page, per_page=PER_PAGE)
    html = render_template(
        "crm_admin/portrait.html",
        rows=rows, total=total, page=page, per_page=PER_PAGE, args=args, form=form, errors=errors,
        editing=editing, value_types=VALUE_TYPES, scopes=APPLIES_TO,
    )  # fmt: skip
    return (html, 400) if errors else html


@bp.route("/portrait/<int:attribute_id>/deactivate", methods=["POST"])
@role_required("administrator")
def portrait_deactivate(attribute_id: int) -> Response:
    deactivate_portrait_attribute(current_user, attribute_id)
    flash(_("The attribute is hidden from cards; stored values are kept."), "success")
    return redirect(url_for("crm_admin.portrait"))


# --- appeal types --------------------------------------------------------------------------------------------

APPEAL_FIELDS = ("name", "route_map_key", "reaction_sla", "processing_sla", "default_priority")


@bp.route("/appeal-types", methods=["GET", "POST"])
@bp.route("/appeal-types/<int:type_id>", methods=["GET", "POST"])
@role_required("administrator")
def appeal_types(type_id: int | None = None) -> str | Response | tuple[str, int]:
    state = request.args.get("state", "all")
    all_types = list_appeal_types(include_inactive=True)
    editing = next((t for t in all_types if t.id == type_id), None)
    if type_id is not None and editing is None:
        return not_found(_("There is no such appeal type."))
    form: dict[str, Any] = {k: getattr(editing, k) if editing else "" for k in APPEAL_FIELDS}
    form["default_priority"] = form["default_priority"] or "normal"
    form["is_active"] = editing.is_active if editing else True
    route_maps = [(d.key, d.name or d.key) for d in list_definitions()]
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in APPEAL_FIELDS})
        form["is_active"] = request.form.get("is_active") == "1"
        for name in ("reaction_sla", "processing_sla"):
            if form[name]:
                try:
                    parse_sla(form[name])
                except CalendarInvalid as exc:
                    errors[name] = str(exc).split(": ", 1)[-1]
        known_keys = {key for key, _label in route_maps} | ({editing.route_map_key} if editing else set())
        if form["route_map_key"] and form["route_map_key"] not in known_keys:
            errors["route_map_key"] = _("Choose a deployed route map.")
        if any(t.name.lower() == form["name"].lower() and t is not editing for t in all_types):
            errors["name"] = _("An appeal type with this name exists.")
        if not errors:
            try:
                save_appeal_type(current_user, **{k: form[k] for k in APPEAL_FIELDS},
                                 is_active=form["is_active"], appeal_type_id=type_id)  # fmt: skip
            except ValidationFailed as exc:
                errors.update(field_errors(exc))
            else:
                flash(_("Appeal type saved."), "success")
                return redirect(url_for("crm_admin.appeal_types"))
    shown = [t for t in all_types if state == "all" or t.is_active == (state == "active")]
    html = render_template(
        "crm_admin/appeal_types.html",
        types=shown, form=form, errors=errors, editing=editing, route_maps=route_maps,
        priorities=PRIORITIES, state=state,
    )  # fmt: skip
    return (html, 400) if errors else html


# --- interest stages -----------------------------------------------------------------------------------------


@bp.route("/stages", methods=["GET", "POST"])
@bp.route("/stages/<int:stage_id>", methods=["GET", "POST"])
@role_required("administrator")
def stages(stage_id: int | None = None) -> str | Response | tuple[str, int]:
    editing = None
    if stage_id is not None:
        try:
            editing = stages_admin.get_interest_stage(stage_id)
        except NotFound:
            return not_found(_("There is no such stage."))
    form: dict[str, Any] = {
        "code": editing.code if editing else "",
        "name": editing.name if editing else "",
        "probability": str(editing.probability) if editing else "0",
        "kind": editing.kind if editing else "open",
        "is_active": editing.is_active if editing else True,
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in ("code", "name", "probability", "kind")})
        form["is_active"] = request.form.get("is_active") == "1"
        probability = int_field(form, "probability", errors)
        if not errors:
            try:
                stages_admin.save_interest_stage(
                    current_user, code=form["code"], name=form["name"], probability=probability,
                    kind=form["kind"], is_active=form["is_active"], stage_id=stage_id,
                )  # fmt: skip
            except ValidationFailed as exc:
                errors.update(field_errors(exc))
            else:
                flash(_("Stage saved."), "success")
                return redirect(url_for("crm_admin.stages"))
    html = render_template(
        "crm_admin/stages.html", stages=list_stages(include_inactive=True), form=form, errors=errors,
        editing=editing, kinds=stages_admin.STAGE_KINDS,
    )  # fmt: skip
    return (html, 400) if errors else html


@bp.route("/stages/<int:stage_id>/move", methods=["POST"])
@role_required("administrator")
def stage_move(stage_id: int) -> Response:
    try:
        stages_admin.move_interest_stage(current_user, stage_id, request.form.get("direction", ""))
    except CrmError as exc:
        flash(error_text(exc), "danger")
    return redirect(url_for("crm_admin.stages"))


# The other pages register their routes on ``bp``.
from webui.views import (  # noqa: E402, F401
    crm_admin_directories,
    crm_admin_import,
    crm_admin_people,
    crm_admin_statuses,
)
