"""The designers' pages through the real app: list with running instances per version, editor for a version
or a template, upload (validated, opened in the editor), history, download, diff; access for designers only."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from crm.accounts import services as accounts
from engine.db import db
from engine.definitions import deploy
from engine.instance_model import COMPLETED, RUNNING, ProcessInstance
from webui.route_map_diff import diff_route_maps

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"
FOREIGN = Path(__file__).resolve().parents[2] / "fixtures" / "foreign_bpmn"
CALLEE = (FIXTURES / "deploy_callee.bpmn").read_text()


@pytest.fixture
def designer(app, client):
    accounts.ensure_builtin_roles()
    user = accounts.create_user("designer", "Dana Designer", "password-1", roles=["designer"])
    client.post("/login", data={"username": "designer", "password": "password-1"})
    return user


def editor_config(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="rm-editor-config">(.*?)</script>', html, re.S)[1]
    return json.loads(raw)


def add_instance(definition, status):
    db.session.add(ProcessInstance(definition_id=definition.id, process_key=definition.key, status=status))
    db.session.commit()


def test_list_shows_versions_with_running_instance_counts(client, designer):
    v1 = deploy(CALLEE, deployed_by=designer.id).definition
    v2 = deploy(CALLEE.replace('name="', 'name="Renamed ', 1), deployed_by=designer.id).definition
    add_instance(v1, RUNNING)
    add_instance(v1, RUNNING)
    add_instance(v1, COMPLETED)
    add_instance(v2, RUNNING)
    html = client.get("/processes/").get_data(as_text=True)
    badges = dict(re.findall(r'data-version="(\d+)"[^>]*>v\d+ · <span data-running>(\d+)</span>', html))
    assert badges == {"1": "2", "2": "1"}
    assert f'href="/processes/{v1.key}/edit"' in html


def test_editor_page_carries_the_version_its_forms_and_the_operations(client, designer):
    forms = {"deploy_quote.json": json.loads((FIXTURES / "deploy_quote.json").read_text())}
    xml = CALLEE
    definition = deploy(xml, forms=forms, deployed_by=designer.id).definition
    config = editor_config(client.get(f"/processes/{definition.key}/edit").get_data(as_text=True))
    assert (config["key"], config["version"], config["xml"], config["forms"]) == (
        definition.key,
        1,
        xml,
        forms,
    )
    assert config["urls"] == {"validate": "/processes/api/validate", "deploy": "/processes/api/deploy"}
    assert config["t"]["addField"] == "Add field"
    assert client.get(f"/processes/{definition.key}/edit?version=7").status_code == 404
    assert client.get("/processes/nothing/edit").status_code == 404


@pytest.mark.parametrize("template", ["blank", "approval", "ticket"])
def test_new_from_template_gets_a_fresh_key_and_validates(client, designer, template):
    config = editor_config(client.get(f"/processes/new?template={template}").get_data(as_text=True))
    assert config["version"] is None
    assert config["key"].startswith(f"{template}_") and f'id="{config["key"]}"' in config["xml"]
    resp = client.post("/processes/api/validate", json={"xml": config["xml"], "forms": config["forms"]})
    assert resp.get_json()["problems"] == []
    assert client.get("/processes/new?template=nope").status_code == 404


def test_upload_opens_the_file_in_the_editor_with_its_problems(client, designer):
    data = {"files": [(io.BytesIO((FOREIGN / "camunda_modeler_invoice.bpmn").read_bytes()), "invoice.bpmn")]}
    html = client.post("/processes/upload", data=data, content_type="multipart/form-data").get_data(
        as_text=True
    )
    config = editor_config(html)
    assert config["key"] == "invoice_receipt" and config["version"] is None
    codes = {(p["code"], p["element_id"]) for p in config["problems"]}
    # What the engine cannot run is listed element by element.
    assert ("service-operation-missing", "Task_archive") in codes


def test_upload_takes_forms_along_and_needs_one_bpmn(client, designer):
    files = [
        (io.BytesIO((FIXTURES / "deploy_quote_approval.bpmn").read_bytes()), "quote.bpmn"),
        *[
            (io.BytesIO((FIXTURES / n).read_bytes()), n)
            for n in ("deploy_quote.json", "deploy_quote_ui.json")
        ],
    ]
    html = client.post("/processes/upload", data={"files": files}, content_type="multipart/form-data")
    config = editor_config(html.get_data(as_text=True))
    assert set(config["forms"]) == {"deploy_quote.json", "deploy_quote_ui.json"}
    assert ("form-missing", "Task_approve_quote") in {
        (p["code"], p["element_id"]) for p in config["problems"]
    }
    only_json = {"files": [(io.BytesIO(b"{}"), "a.json")]}
    resp = client.post("/processes/upload", data=only_json, content_type="multipart/form-data")
    assert resp.status_code == 303 and resp.location == "/processes/"


def test_history_download_and_diff(client, designer):
    deploy(CALLEE, deployed_by=designer.id, comment="first")
    renamed = CALLEE.replace('name="', 'name="Renamed ', 1)
    definition = deploy(renamed, deployed_by=designer.id, comment="second").definition
    html = client.get(f"/processes/{definition.key}/versions").get_data(as_text=True)
    assert html.count('data-testid="deployed-by">Dana Designer<') == 2
    assert ">second<" in html and ">first<" in html
    resp = client.get(f"/processes/{definition.key}/versions/1/download")
    assert resp.get_data(as_text=True) == CALLEE
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{definition.key}-v1.bpmn"'
    diff_html = client.get(f"/processes/{definition.key}/diff?from=1&to=2").get_data(as_text=True)
    assert 'data-diff-kind="changed"' in diff_html
    assert client.get(f"/processes/{definition.key}/diff?from=1&to=5").status_code == 404


def test_diff_by_element_id():
    old = (FIXTURES / "deploy_quote_approval.bpmn").read_text()
    new = old.replace('name="Send quote"', 'name="Send the quote"')
    new = new.replace('name="priority" value="3"', 'name="priority" value="2"')
    new = new.replace(
        '<bpmn:sequenceFlow id="Flow_end" sourceRef="Timer_wait_reply" targetRef="End_quote" />', ""
    )
    diff = diff_route_maps(old, new)
    assert [e.id for e in diff.changed] == ["Task_approve_quote", "Task_send_quote"]
    assert [e.id for e in diff.removed] == ["Flow_end"] and diff.added == []
    forms_changed = diff_route_maps(
        old, old, {"deploy_quote.json": {"a": 1}}, {"deploy_quote.json": {"a": 2}}
    )
    assert [e.id for e in forms_changed.changed] == ["Task_prepare_quote"]
    assert diff_route_maps(old, old).identical


def test_pages_are_for_designers_only(app, client):
    accounts.ensure_builtin_roles()
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee"])
    client.post("/login", data={"username": "clerk", "password": "password-1"})
    for url in ("/processes/", "/processes/new", "/processes/x/edit", "/processes/x/versions"):
        assert client.get(url).status_code == 403
