"""The editor's JSON endpoints through the real app: validate, deploy (versions, 422 with nothing stored,
409 on a stale base version), operations, version source and diff; only designers get in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm.accounts import services as accounts
from engine.definitions import find_definition, list_versions
from engine.operations import register_operation, unregister_operation

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"
QUOTE_FORMS = {
    "deploy_quote.json": json.loads((FIXTURES / "deploy_quote.json").read_text()),
    "deploy_quote_ui.json": json.loads((FIXTURES / "deploy_quote_ui.json").read_text()),
    "deploy_approve.json": json.loads((FIXTURES / "deploy_approve.json").read_text()),
}
QUOTE_XML = (FIXTURES / "deploy_quote_approval.bpmn").read_text()


@pytest.fixture
def send_quote():
    register_operation(
        "test/send_quote",
        lambda quote_id: True,
        {"type": "object", "properties": {"quote_id": {"type": "integer", "title": "Quote"}}},
        description="Send the quote to the client",
    )
    yield
    unregister_operation("test/send_quote")


@pytest.fixture
def designer(app, client):
    accounts.ensure_builtin_roles()
    user = accounts.create_user("designer", "Dana Designer", "password-1", roles=["designer"])
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee"])
    client.post("/login", data={"username": "designer", "password": "password-1"})
    return user


def deploy(client, xml=QUOTE_XML, forms=QUOTE_FORMS, **extra):
    return client.post("/processes/api/deploy", json={"xml": xml, "forms": forms, **extra})


def test_validate_returns_problems_tied_to_elements(client, designer, send_quote):
    broken = QUOTE_XML.replace("amount &gt; 100000", "amount &gt;")
    resp = client.post("/processes/api/validate", json={"xml": broken, "forms": QUOTE_FORMS})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["ok"] is False
    assert [(p["code"], p["element_id"]) for p in body["problems"]] == [("condition-syntax", "Flow_large")]

    resp = client.post("/processes/api/validate", json={"xml": QUOTE_XML, "forms": QUOTE_FORMS})
    assert resp.get_json() == {"ok": True, "problems": []}


def test_validate_reports_a_missing_form(client, designer, send_quote):
    forms = {k: v for k, v in QUOTE_FORMS.items() if k != "deploy_approve.json"}
    problems = client.post("/processes/api/validate", json={"xml": QUOTE_XML, "forms": forms}).get_json()[
        "problems"
    ]
    assert [(p["code"], p["element_id"]) for p in problems] == [("form-missing", "Task_approve_quote")]


def test_deploy_creates_versions_with_author_and_comment(client, designer, send_quote):
    first = deploy(client, comment="first")
    assert first.status_code == 201
    assert first.get_json()["version"] == 1
    assert first.get_json()["history_url"] == "/processes/deploy_quote_approval/versions"

    same = deploy(client, base_version=1)
    assert same.status_code == 200 and same.get_json() == {**same.get_json(), "version": 1, "created": False}

    changed = QUOTE_XML.replace('name="Prepare quote"', 'name="Prepare the quote"')
    second = deploy(client, xml=changed, base_version=1, comment="renamed a task")
    assert second.status_code == 201 and second.get_json()["version"] == 2
    stored = find_definition("deploy_quote_approval", 2)
    assert stored.deployed_by == designer.id and stored.comment == "renamed a task"
    assert stored.forms == QUOTE_FORMS


def test_invalid_deploy_is_a_422_problem_and_stores_nothing(client, designer):
    # No operation test/send_quote is registered here: the service task cannot run.
    resp = deploy(client)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert [(p["code"], p["element_id"]) for p in body["problems"]] == [
        ("unknown-operation", "Task_send_quote")
    ]
    assert list_versions("deploy_quote_approval") == []


def test_deploy_refuses_a_stale_or_unexpected_base_version(client, designer, send_quote):
    assert deploy(client).status_code == 201
    changed = QUOTE_XML.replace('name="Send quote"', 'name="Send the quote"')

    as_new = deploy(client, xml=changed)  # opened as a new map, but the key exists
    assert as_new.status_code == 409 and as_new.get_json()["latest_version"] == 1
    assert deploy(client, xml=changed, base_version=1).status_code == 201
    stale = deploy(client, xml=changed.replace("Send the quote", "Send it"), base_version=1)
    assert stale.status_code == 409
    assert "Version 2" in stale.get_json()["detail"]
    forced = deploy(client, xml=changed.replace("Send the quote", "Send it"), base_version=1, force=True)
    assert forced.status_code == 201 and forced.get_json()["version"] == 3


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"forms": {}},
        {"xml": "  "},
        {"xml": "<x/>", "forms": []},
        {"xml": "<x/>", "forms": {"a.json": 1}},
    ],
)
def test_malformed_requests_are_400_problems(client, designer, body):
    resp = client.post("/processes/api/validate", json=body)
    assert resp.status_code == 400
    assert resp.get_json()["title"] == "Bad request"


def test_operations_list_the_registry(client, designer, send_quote):
    ops = client.get("/processes/api/operations").get_json()
    quote = next(op for op in ops if op["name"] == "test/send_quote")
    assert quote["description"] == "Send the quote to the client"
    assert quote["params_schema"]["properties"]["quote_id"]["type"] == "integer"


def test_version_source_and_diff(client, designer, send_quote):
    deploy(client)
    changed = QUOTE_XML.replace('name="Prepare quote"', 'name="Prepare the quote"')
    deploy(client, xml=changed, base_version=1)
    source = client.get("/processes/api/deploy_quote_approval/versions/1").get_json()
    assert source["xml"] == QUOTE_XML and source["forms"] == QUOTE_FORMS
    diff = client.get("/processes/api/deploy_quote_approval/diff?from=1&to=2").get_json()
    assert diff == {
        "added": [],
        "removed": [],
        "changed": [{"id": "Task_prepare_quote", "type": "userTask", "name": "Prepare the quote"}],
    }
    assert client.get("/processes/api/deploy_quote_approval/versions/9").status_code == 404


def test_only_designers_reach_the_api(app, client):
    accounts.ensure_builtin_roles()
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee"])
    assert client.post("/processes/api/validate", json={"xml": QUOTE_XML}).status_code in (302, 401)
    client.post("/login", data={"username": "clerk", "password": "password-1"})
    assert client.post("/processes/api/validate", json={"xml": QUOTE_XML}).status_code == 403
    assert client.post("/processes/api/deploy", json={"xml": QUOTE_XML}).status_code == 403
