"""The OpenAPI document and the app agree: every /api/v1 route is documented, every documented path exists."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from webui.api.schemas import COMPONENTS


def _app_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _differences(app, document) -> tuple[set, set]:
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    served = _app_operations(app)
    return served - documented, documented - served


def test_the_comparison_notices_an_undocumented_route_and_a_documented_path_without_route(
    tmp_path, monkeypatch
):
    from dataclasses import replace

    from tests.conftest import make_sqlite_app
    from webui.api import core
    from webui.api.openapi import openapi_document

    app = make_sqlite_app(tmp_path)
    app.add_url_rule("/api/v1/sneaky", "sneaky", lambda: "x", methods=["POST"])
    ghost = replace(core.OPERATIONS[0], path="/ghost", endpoint="api.v1.ghost")
    monkeypatch.setattr(core, "OPERATIONS", [*core.OPERATIONS, ghost])
    monkeypatch.setattr("webui.api.openapi.OPERATIONS", core.OPERATIONS)
    undocumented, missing = _differences(app, openapi_document())
    assert undocumented == {("POST", "/api/v1/sneaky")} and missing == {("GET", "/api/v1/ghost")}


def test_every_route_is_documented_and_every_documented_path_exists(client, app):
    resp = client.get("/api/v1/openapi.json")  # public: no token
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    document = resp.get_json()
    assert document["openapi"] == "3.1.0"
    undocumented, missing = _differences(app, document)
    assert not undocumented and not missing, {"undocumented": undocumented, "missing": missing}
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert len(documented) >= 25
    for path, item in document["paths"].items():
        for method, operation in item.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), (method, path)
            assert operation["summary"] and operation["responses"]
            if operation.get("security") != []:
                assert "401" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert {"400", "422"} <= set(operation["responses"]), (method, path)


def test_every_schema_is_valid_and_every_reference_resolves(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for schema in COMPONENTS.values():
        Draft202012Validator.check_schema(schema)
    text = str(document)
    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in document["components"]["schemas"], name


def test_the_plain_docs_page_lists_every_operation_without_outside_assets(client):
    document = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert html.count('data-testid="operation"') == len(operations)
    for path in document["paths"]:
        assert f"<code>{path}</code>" in html
    assert 'id="schema-ClientInput"' in html and "allow_duplicate" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # everything is served by the app itself


def test_unknown_api_paths_and_methods_answer_with_problems(client, app):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/openapi.json")
    assert wrong.status_code == 405 and wrong.get_json()["status"] == 405
