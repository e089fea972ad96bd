"""API: my tasks (list, form schema, claim, complete with 422/409), route maps and messages from outside."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions import deploy
from engine.humantask_model import COMPLETED
from engine.humantasks import get_task
from engine.instances import instance_data, start_instance
from engine.task_queries import tasks_for_instance
from tests.integration.webui.api_fixtures import caller_for
from tests.integration.webui.workplace_fixtures import build_company

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"
QUALIFY = {"budget": 150000.5, "close_date": "2030-05-20", "channel": "phone", "summary": "Needs 20 desks"}


@pytest.fixture
def company(any_app):
    return build_company()


@pytest.fixture
def qualify(company):
    [task] = tasks_for_instance(company.interest.process_instance_id, open_only=True)
    return task


def test_my_tasks_list_and_one_task_with_its_form(any_app, company, qualify):
    mary = caller_for(any_app, company.manager)
    page = mary.get("/api/v1/tasks")
    [row] = page["items"]
    assert row["id"] == qualify.id and row["name"] == "Qualify the interest" and row["lane"] == "manager"
    assert row["subject"] == {
        "kind": "interest", "id": company.interest.id, "title": "Office furniture", "client_id": company.client.id,
    }  # fmt: skip
    assert mary.get("/api/v1/tasks?process=ui_sale&mine=false&order=priority")["total"] == 1
    assert mary.get("/api/v1/tasks?process=nothing")["total"] == 0
    assert mary.get("/api/v1/tasks?mine=true")["total"] == 0
    assert mary.get("/api/v1/tasks?order=random", expect=400)["errors"] == {"order": "unknown value"}
    detail = mary.get(f"/api/v1/tasks/{qualify.id}")
    assert detail["workable"] is True and detail["form"]["required"] == ["budget", "close_date", "channel"]
    assert mary.get("/api/v1/tasks/999999", expect=404)["status"] == 404
    agent = caller_for(any_app, company.agent)  # support: not in the lane, cannot see the interest
    assert agent.get("/api/v1/tasks")["total"] == 0
    agent.get(f"/api/v1/tasks/{qualify.id}", expect=403)
    designer = caller_for(any_app, company.designer)
    assert "employee" in designer.get("/api/v1/tasks", expect=403)["detail"]


def test_complete_checks_the_form_then_runs_the_route_map_on(any_app, company, qualify):
    mary = caller_for(any_app, company.manager)
    path = f"/api/v1/tasks/{qualify.id}/complete"
    bad = mary.post(path, {"data": {"budget": "lots", "channel": "pigeon", "seats": 0}}, expect=422)
    assert set(bad["errors"]) == {"budget", "channel", "seats", "_form"}  # _form: the missing close_date
    assert get_task(qualify.id).status == "open" and "budget" not in instance_data(qualify.instance_id)
    assert mary.post(path, {"budget": 1}, expect=422)["errors"] == {
        "budget": "unknown field", "data": "this field is required",
    }  # fmt: skip
    done = mary.post(path, {"data": QUALIFY})
    assert (
        done["status"] == COMPLETED
        and done["completed_by"] == company.manager.id
        and done["workable"] is False
    )
    assert instance_data(qualify.instance_id)["budget"] == 150000.5
    [following] = tasks_for_instance(qualify.instance_id, open_only=True)
    assert following.element_id == "Approve"
    oleg = caller_for(any_app, company.other_manager)  # same lane: could have done it, but Mary was first
    late = oleg.post(path, {"data": QUALIFY}, expect=409)
    assert (
        late["completed_by"] == company.manager.id
        and late["completed_at"]
        and late["title"] == "Task already completed"
    )


def test_claim_makes_a_lane_task_yours_alone(any_app, company, qualify):
    mary = caller_for(any_app, company.manager)
    oleg = caller_for(any_app, company.other_manager)
    claimed = mary.post(f"/api/v1/tasks/{qualify.id}/claim")
    assert claimed["assignee_id"] == company.manager.id
    assert mary.get("/api/v1/tasks?mine=true")["total"] == 1
    assert oleg.get("/api/v1/tasks")["total"] == 0
    assert oleg.post(f"/api/v1/tasks/{qualify.id}/claim", expect=403)["title"] == "Not your task"
    oleg.post(f"/api/v1/tasks/{qualify.id}/complete", {"data": QUALIFY}, expect=403)
    assert get_task(qualify.id).status == "open"


def test_processes_and_messages_are_for_designers_and_administrators(any_app, company):
    deploy((FIXTURES / "rt_messages.bpmn").read_text(encoding="utf-8"))
    waiting = start_instance("rt_messages", business_key="payment:77")
    mary = caller_for(any_app, company.manager)
    mary.get("/api/v1/processes", expect=403)
    mary.post("/api/v1/messages", {"name": "client_reply", "correlation_key": "payment:77"}, expect=403)
    assert tasks_for_instance(waiting.id) == []
    designer = caller_for(any_app, company.designer)
    keys = {d["key"]: d for d in designer.get("/api/v1/processes")["items"]}
    assert set(keys) == {"ui_sale", "rt_messages"} and keys["rt_messages"]["latest_version"] == 1
    delivered = designer.post(
        "/api/v1/messages",
        {"name": "client_reply", "correlation_key": "payment:77", "payload": {"text": "paid"}},
    )
    assert delivered == {"delivered_to": [waiting.id], "started": [], "unmatched_id": None}
    assert instance_data(waiting.id)["text"] == "paid"
    admin = caller_for(any_app, company.admin)
    stored = admin.post(
        "/api/v1/messages", {"name": "payment.received", "correlation_key": None, "payload": {}}
    )
    assert stored["delivered_to"] == [] and stored["unmatched_id"]
    assert admin.post("/api/v1/messages", {"name": " ", "payload": []}, expect=422)["errors"].keys() == {
        "name", "payload",
    }  # fmt: skip
