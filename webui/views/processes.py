"""Process designers' section: route-map list, editor, version history, diff, download and upload.

The editor's JSON endpoints live in ``webui.views.editor_api`` (nested under ``/processes/api``).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.definitions import find_definition, latest_definition, list_definitions, list_versions, validate
from webui.authz import role_required
from webui.route_map_diff import diff_route_maps
from webui.route_map_pages import running_instance_counts, user_names
from webui.views.editor_api import api_bp, main_process_key, operation_list
from webui.views.process_migration import migration_bp

bp = Blueprint("processes", __name__, url_prefix="/processes")
bp.register_blueprint(api_bp)
bp.register_blueprint(migration_bp)

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "editor_templates"
# Template file stem -> (label, description) on the "new route map" menu.
ROUTE_MAP_TEMPLATES: dict[str, tuple[Any, Any]] = {
    "blank": (_l("Blank"), _l("A start event and an end event.")),
    "approval": (_l("Approval"), _l("A request, an approver's decision, a loop back for revision.")),
    "ticket": (_l("Ticket"), _l("Register an appeal, work on it with an SLA, confirm with the client.")),
}
TEMPLATE_PROCESS_ID = "new_route_map"
MAX_UPLOAD_FILES = 30


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "processes"}


@bp.route("/")
@role_required("designer")
def index() -> str:
    definitions = list_definitions()
    versions = {d.key: list_versions(d.key) for d in definitions}
    ids = [v.id for vs in versions.values() for v in vs]
    return render_template(
        "processes/index.html",
        definitions=definitions,
        versions=versions,
        running=running_instance_counts(ids),
        templates=ROUTE_MAP_TEMPLATES,
    )


@bp.route("/new")
@role_required("designer")
def new() -> str:
    template = request.args.get("template", "blank")
    if template not in ROUTE_MAP_TEMPLATES:
        abort(404)
    key = f"{template}_{secrets.token_hex(3)}"
    xml = (TEMPLATES_DIR / f"{template}.bpmn").read_text(encoding="utf-8").replace(TEMPLATE_PROCESS_ID, key)
    forms_file = TEMPLATES_DIR / f"{template}.forms.json"
    forms = json.loads(forms_file.read_text(encoding="utf-8")) if forms_file.exists() else {}
    return _editor(key=key, base_version=None, xml=xml, forms=forms, dmn={}, title=_("New route map"))


@bp.route("/<key>/edit")
@role_required("designer")
def edit(key: str) -> str:
    definition = find_definition(key, request.args.get("version", type=int))
    if definition is None:
        abort(404)
    latest = latest_definition(key)
    assert latest is not None
    return _editor(
        key=key,
        base_version=latest.version,
        xml=definition.bpmn_xml,
        forms=definition.forms or {},
        dmn=definition.dmn or {},
        title=_("%(key)s, version %(version)s", key=key, version=definition.version),
        opened_version=definition.version,
    )


@bp.post("/upload")
@role_required("designer")
def upload() -> Any:
    """Open uploaded ``.bpmn`` (with its ``.json`` forms and ``.dmn`` tables) in the editor, validated."""
    files = request.files.getlist("files")[:MAX_UPLOAD_FILES]
    bpmn = [f for f in files if (f.filename or "").lower().endswith(".bpmn")]
    if len(bpmn) != 1:
        flash(
            _("Choose one .bpmn file (forms as .json and decision tables as .dmn may come with it)."),
            "warning",
        )
        return redirect(url_for("processes.index"), 303)
    try:
        xml = bpmn[0].read().decode("utf-8")
        forms, dmn = _side_files(files)
    except (UnicodeDecodeError, ValueError) as exc:
        flash(_("The files could not be read: %(reason)s", reason=str(exc)), "danger")
        return redirect(url_for("processes.index"), 303)
    problems = [p.to_dict() for p in validate(xml, dmn=dmn, forms=forms)]
    key = main_process_key(xml)
    latest = latest_definition(key) if key else None
    return _editor(
        key=key or "",
        base_version=latest.version if latest else None,
        xml=xml,
        forms=forms,
        dmn=dmn,
        problems=problems,
        title=_("Uploaded: %(name)s", name=bpmn[0].filename),
    )


def _side_files(files: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    forms: dict[str, Any] = {}
    dmn: dict[str, str] = {}
    for f in files:
        name = Path(f.filename or "").name
        if name.lower().endswith(".json"):
            value = json.loads(f.read().decode("utf-8"))
            if not isinstance(value, dict):
                raise ValueError(_("%(name)s is not a JSON object", name=name))
            forms[name] = value
        elif name.lower().endswith(".dmn"):
            dmn[name] = f.read().decode("utf-8")
    return forms, dmn


def _editor(
    *,
    key: str,
    base_version: int | None,
    xml: str,
    forms: dict[str, Any],
    dmn: dict[str, str],
    title: str,
    problems: list[dict[str, Any]] | None = None,
    opened_version: int | None = None,
) -> str:
    config = {
        "key": key,
        "version": base_version,
        "openedVersion": opened_version,
        "draftKey": key if base_version is not None else f"new:{key}",
        "xml": xml,
        "forms": forms,
        "dmn": dmn,
        "problems": problems or [],
        "operations": operation_list(),
        "descriptorUrl": url_for("static", filename="js/editor/spiffworkflow-moddle.json"),
        "urls": {
            "validate": url_for("processes.editor_api.validate_route_map"),
            "deploy": url_for("processes.editor_api.deploy_route_map"),
        },
    }
    return render_template(
        "processes/editor.html", config=config, key=key, base_version=base_version, page_title=title
    )


@bp.route("/<key>/versions")
@role_required("designer")
def history(key: str) -> str:
    versions = list_versions(key)
    if not versions:
        abort(404)
    return render_template(
        "processes/history.html",
        key=key,
        versions=versions,
        running=running_instance_counts(v.id for v in versions),
        authors=user_names(v.deployed_by for v in versions),
    )


@bp.route("/<key>/versions/<int:version>/download")
@role_required("designer")
def download(key: str, version: int) -> Response:
    definition = find_definition(key, version)
    if definition is None:
        abort(404)
    return Response(
        definition.bpmn_xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{key}-v{version}.bpmn"'},
    )


@bp.route("/<key>/diff")
@role_required("designer")
def diff(key: str) -> str:
    versions = list_versions(key)
    if not versions:
        abort(404)
    newest = versions[0].version
    new = find_definition(key, request.args.get("to", newest, type=int))
    old = find_definition(key, request.args.get("from", max(1, newest - 1), type=int))
    if old is None or new is None:
        abort(404)
    result = diff_route_maps(old.bpmn_xml, new.bpmn_xml, old.forms, new.forms)
    return render_template(
        "processes/diff.html",
        key=key,
        versions=versions,
        old=old,
        new=new,
        diff=result,
    )
