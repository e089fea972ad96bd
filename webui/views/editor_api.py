"""JSON endpoints of the route-map editor, under ``/processes/api`` (a blueprint nested in ``processes``).

- ``POST validate``  {xml, forms, dmn}            -> 200 {ok, problems: [Problem.to_dict()]}
- ``POST deploy``    {xml, forms, dmn, comment, base_version, force}
                                                  -> 201 {key, version, ...} (200 when identical to the latest)
                                                     422 problem + problems (nothing stored)
                                                     409 problem when the key exists and the editor did not
                                                         start from its latest version (unless ``force``)
- ``GET operations``                              -> [{name, description, params_schema}]
- ``GET <key>/versions/<version>``                -> {key, version, xml, forms, dmn}
- ``GET <key>/diff?from=&to=``                    -> {added, removed, changed} (see ``webui.route_map_diff``)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.definitions import deploy, find_definition, latest_definition, validate
from engine.errors import InvalidRouteMap
from engine.operations import list_operations
from engine.parsing import NSMAP, XmlSyntaxProblem, read_xml
from webui.authz import role_required
from webui.errors import problem
from webui.route_map_diff import diff_route_maps

api_bp = Blueprint("editor_api", __name__, url_prefix="/api")


class BadPayload(ValueError):
    """The request body is not what the editor sends."""


def _payload() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadPayload(_("Send a JSON object."))
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise BadPayload(_("The route map (xml) is missing."))
    forms = {} if body.get("forms") is None else body["forms"]
    if not isinstance(forms, dict) or not all(
        isinstance(k, str) and isinstance(v, dict) for k, v in forms.items()
    ):
        raise BadPayload(_("Forms must be an object of form name to JSON Schema."))
    dmn = {} if body.get("dmn") is None else body["dmn"]
    if not isinstance(dmn, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in dmn.items()
    ):
        raise BadPayload(_("Decision tables must be an object of file name to DMN XML."))
    comment = body.get("comment") or ""
    if not isinstance(comment, str):
        raise BadPayload(_("The comment must be text."))
    base_version = body.get("base_version")
    if base_version is not None and (not isinstance(base_version, int) or isinstance(base_version, bool)):
        raise BadPayload(_("base_version must be a version number."))
    return {
        "xml": xml,
        "forms": forms,
        "dmn": dmn,
        "comment": comment,
        "base_version": base_version,
        "force": body.get("force") is True,
    }


def _bad_request(exc: BadPayload) -> Any:
    return problem(400, _("Bad request"), str(exc))


@api_bp.post("/validate")
@role_required("designer")
def validate_route_map() -> Any:
    try:
        data = _payload()
    except BadPayload as exc:
        return _bad_request(exc)
    problems = validate(data["xml"], dmn=data["dmn"], forms=data["forms"])
    return jsonify({"ok": not problems, "problems": [p.to_dict() for p in problems]})


@api_bp.post("/deploy")
@role_required("designer")
def deploy_route_map() -> Any:
    try:
        data = _payload()
    except BadPayload as exc:
        return _bad_request(exc)
    key = main_process_key(data["xml"])
    latest = latest_definition(key) if key else None
    if latest is not None and not data["force"] and data["base_version"] != latest.version:
        if data["base_version"] is None:
            detail = _(
                "A route map with the key %(key)s already exists. Change the key, or deploy anyway to "
                "make this version %(next)s of it.",
                key=key,
                next=latest.version + 1,
            )
        else:
            detail = _(
                "Version %(latest)s of %(key)s was deployed after you opened version %(base)s. Compare "
                "the versions, or deploy anyway to replace it.",
                latest=latest.version,
                key=key,
                base=data["base_version"],
            )
        return problem(409, _("Newer version exists"), detail, key=key, latest_version=latest.version)
    try:
        result = deploy(
            data["xml"],
            dmn=data["dmn"],
            forms=data["forms"],
            deployed_by=current_user.id,
            comment=data["comment"],
        )
    except InvalidRouteMap as exc:
        return problem(
            422,
            _("The route map has problems"),
            _(
                "Nothing was deployed: fix the %(count)s problem(s) shown on the diagram.",
                count=len(exc.problems),
            ),
            problems=[p.to_dict() for p in exc.problems],
        )
    body = {
        "key": result.key,
        "version": result.version,
        "definition_id": result.definition_id,
        "created": result.created,
        "history_url": url_for("processes.history", key=result.key),
        "edit_url": url_for("processes.edit", key=result.key),
    }
    return jsonify(body), 201 if result.created else 200


@api_bp.get("/operations")
@role_required("designer")
def operations() -> Any:
    return jsonify(operation_list())


@api_bp.get("/<key>/versions/<int:version>")
@role_required("designer")
def version_source(key: str, version: int) -> Any:
    definition = find_definition(key, version)
    if definition is None:
        abort(404)
    return jsonify(
        {
            "key": definition.key,
            "version": definition.version,
            "xml": definition.bpmn_xml,
            "forms": definition.forms or {},
            "dmn": definition.dmn or {},
        }
    )


@api_bp.get("/<key>/diff")
@role_required("designer")
def version_diff(key: str) -> Any:
    old = find_definition(key, request.args.get("from", type=int))
    new = find_definition(key, request.args.get("to", type=int))
    if old is None or new is None:
        abort(404)
    diff = diff_route_maps(old.bpmn_xml, new.bpmn_xml, old.forms, new.forms)
    return jsonify(diff.to_dict())


def operation_list() -> list[dict[str, Any]]:
    """The registered operations as the side panel's picker needs them."""
    return [
        {"name": op.name, "description": op.description, "params_schema": op.params_schema}
        for op in list_operations()
    ]


def main_process_key(bpmn_xml: str) -> str | None:
    """The id of the file's main process (executable, not called by another process of the file), if clear."""
    try:
        root = read_xml(bpmn_xml)
    except XmlSyntaxProblem:
        return None
    called = set(root.xpath(".//bpmn:callActivity/@calledElement", namespaces=NSMAP))
    mains = [
        p.get("id")
        for p in root.xpath("./bpmn:process", namespaces=NSMAP)
        if p.get("isExecutable", "true") != "false" and p.get("id") not in called
    ]
    return mains[0] if len(mains) == 1 else None
