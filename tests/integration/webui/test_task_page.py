"""The task page: generated form widgets, validation errors next to fields (WTForms and jsonschema), the next
step opening at once, choice buttons, access, pickers and file uploads."""

from __future__ import annotations

import io
import re

import pytest

from crm.deals.models import Interest
from engine.db import db
from engine.events import events_for_instance
from engine.humantask_model import HumanTask
from engine.task_queries import tasks_for_instance
from tests.integration.webui.workplace_fixtures import QUALIFY_OK, build_company, log_in


@pytest.fixture
def company(any_app, tmp_path):
    any_app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return build_company()


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def _open(company) -> HumanTask:
    return tasks_for_instance(company.interest.process_instance_id, open_only=True)[0]


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'data-field-error="{name}">([^<]*)<', page)
    return found.group(1) if found else ""


def test_form_has_a_widget_for_every_schema_kind_and_safe_instructions(client, company):
    log_in(client, "mary")
    page = client.get(f"/tasks/{_open(company).id}").get_data(as_text=True)
    for widget in ("money", "integer", "date", "datetime", "select", "multiselect", "checkbox", "textarea",
                   "file", "client", "contact"):  # fmt: skip
        assert f'data-widget="{widget}"' in page, widget
    assert '<input class="form-control" id="close_date" name="close_date" required type="date"' in page
    assert (
        'type="datetime-local"' in page and 'type="file"' in page and 'enctype="multipart/form-data"' in page
    )
    assert "<strong>confirm the budget</strong>" in page  # Markdown rendered
    assert 'data-testid="complete"' in page and 'data-testid="choice"' not in page
    assert "Romashka LLC" in page and "Office furniture" in page  # context


def test_invalid_values_come_back_next_to_their_fields(client, company):
    task = _open(company)
    log_in(client, "mary")
    resp = client.post(f"/tasks/{task.id}", data={**QUALIFY_OK, "budget": "0", "close_date": "31.02.2030",
                                                   "seats": "abc", "channel": ""})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert _field_error(page, "budget") and _field_error(page, "close_date") and _field_error(page, "seats")
    assert _field_error(page, "channel")
    assert 'value="Needs 20 desks"' in page or "Needs 20 desks" in page  # what was typed stays
    assert db.session.get(HumanTask, task.id).status == "open"


def test_schema_errors_from_the_engine_land_on_their_field(client, company, monkeypatch):
    """WTForms lets through what only jsonschema knows; the engine's error is shown next to the field."""
    task = _open(company)
    definition = company.definition
    forms = dict(definition.forms)
    forms["qualify.json"] = {**forms["qualify.json"]}
    forms["qualify.json"]["properties"] = {**forms["qualify.json"]["properties"],
                                           "summary": {"type": "string", "x-widget": "textarea",
                                                       "not": {"const": "forbidden"}}}  # fmt: skip
    definition.forms = forms
    db.session.commit()
    log_in(client, "mary")
    resp = client.post(f"/tasks/{task.id}", data={**QUALIFY_OK, "summary": "forbidden"})
    assert resp.status_code == 422
    assert "should not be valid" in _field_error(resp.get_data(as_text=True), "summary")


def test_valid_values_complete_and_the_next_step_opens_at_once(client, company):
    task = _open(company)
    log_in(client, "mary")
    data = {**QUALIFY_OK, "seats": "20", "products": ["crm", "mail"], "decision_maker_found": "y",
            "call_at": "2030-05-01T10:30", "client_id": str(company.client.id),
            "contract": (io.BytesIO(b"%PDF-1.4 nda"), "nda.pdf")}  # fmt: skip
    resp = client.post(f"/tasks/{task.id}", data=data, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    following = _open(company)
    assert following.element_id == "Approve" and resp.location.endswith(f"/tasks/{following.id}")
    db.session.expire_all()
    assert db.session.get(Interest, company.interest.id).stage.code == "needs"
    from engine.instances import instance_data

    saved = instance_data(company.interest.process_instance_id)
    assert saved["budget"] == 150000.5 and saved["seats"] == 20 and saved["products"] == ["crm", "mail"]
    assert saved["close_date"] == "2030-05-20" and saved["decision_maker_found"] is True
    assert saved["call_at"].startswith("2030-05-01T10:30:00+")
    assert saved["contract"].startswith("upload:") and saved["contract"].endswith("/nda.pdf")
    token, name = saved["contract"][len("upload:") :].split("/")
    download = client.get(f"/files/{token}/{name}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 nda"


def test_choice_buttons_set_the_deciding_field_and_the_variant_is_recorded(client, company):
    log_in(client, "mary")
    client.post(f"/tasks/{_open(company).id}", data=QUALIFY_OK)
    approve = _open(company)
    page = client.get(f"/tasks/{approve.id}").get_data(as_text=True)
    assert page.count('data-testid="choice"') == 2
    assert ">Approve</button>" in page and ">Send back for revision</button>" in page
    assert 'name="decision"' not in page  # the buttons decide
    resp = client.post(f"/tasks/{approve.id}", data={"comment": "ok"})
    assert resp.status_code == 422 and "Choose one of the variants" in resp.get_data(as_text=True)
    resp = client.post(f"/tasks/{approve.id}", data={"comment": "ok", "choice": "F_approve"})
    assert resp.status_code == 303
    variants = [e for e in events_for_instance(approve.instance_id) if e.kind == "variant_chosen"]
    assert [v.details["variant"] for v in variants] == ["Approve"]
    db.session.expire_all()
    assert db.session.get(Interest, company.interest.id).stage.code == "proposal"
    send = _open(company)
    page = client.get(f"/tasks/{send.id}").get_data(as_text=True)
    assert 'data-testid="variant">Variant: Approve' in page  # history on the next step


def test_send_back_for_revision_returns_to_the_first_step_prefilled(client, company):
    log_in(client, "mary")
    client.post(f"/tasks/{_open(company).id}", data=QUALIFY_OK)
    resp = client.post(f"/tasks/{_open(company).id}", data={"choice": "F_revise"})
    qualify = _open(company)
    assert qualify.element_id == "Qualify" and resp.location.endswith(f"/tasks/{qualify.id}")
    page = client.get(f"/tasks/{qualify.id}").get_data(as_text=True)
    assert 'value="2030-05-20"' in page and "Needs 20 desks" in page


def test_access_other_lane_other_manager_and_completed_task(client, company):
    task = _open(company)
    log_in(client, "sveta")  # not in the lane, cannot see the interest
    assert client.get(f"/tasks/{task.id}").status_code == 403
    log_in(client, "oleg")  # in the lane "manager": may take it, but not a client he may pick
    assert client.get(f"/tasks/{task.id}").status_code == 200
    resp = client.post(f"/tasks/{task.id}", data={**QUALIFY_OK, "client_id": str(company.client.id)})
    assert resp.status_code == 422 and _field_error(resp.get_data(as_text=True), "client_id")
    log_in(client, "mary")
    client.post(f"/tasks/{task.id}", data=QUALIFY_OK)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="task-closed"' in page and 'data-testid="task-form"' not in page
    resp = client.post(f"/tasks/{task.id}", data=QUALIFY_OK)
    assert resp.status_code == 303
    assert client.get("/tasks/99999").status_code == 404


def test_picker_lists_only_visible_clients(client, company):
    log_in(client, "mary")
    page = client.get("/pickers/client?q=o").get_data(as_text=True)
    assert "Romashka LLC" in page and "Vector JSC" not in page
    assert client.get("/pickers/nothing").status_code == 404
