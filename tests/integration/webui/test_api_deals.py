"""API: interests (with the sale route map), appeals (with their route map), notes, interactions, the Feed.

A write that fails stores nothing — also when the route map it starts fails in its first step.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.activities.models import Interaction, Note
from crm.deals.models import Interest
from crm.support.models import Ticket
from crm.support.services import save_appeal_type
from engine.db import db
from engine.definitions import deploy
from engine.deploy_files import deploy_path
from engine.instance_model import ProcessInstance
from engine.task_queries import tasks_for_instance
from tests.integration.webui.api_fixtures import caller_for
from tests.integration.webui.workplace_fixtures import build_company

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
BROKEN_MAP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_api_broken"
    targetNamespace="http://routemap.example/bpmn">
  <bpmn:process id="api_broken" name="Broken on start" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Divide" name="Divide"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:script>share = 1 / 0</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Divide" />
    <bpmn:sequenceFlow id="F2" sourceRef="Divide" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def company(any_app):
    return build_company()


@pytest.fixture
def mary(any_app, company):
    return caller_for(any_app, company.manager)


@pytest.fixture
def oleg(any_app, company):
    return caller_for(any_app, company.other_manager)


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Interest, Ticket, ProcessInstance, Note, Interaction)
    )


def test_interests_list_get_and_isolation(mary, oleg, company):
    mine = mary.get("/api/v1/interests")
    assert {i["title"] for i in mine["items"]} == {"Office furniture", "Chairs"} and mine["total"] == 2
    assert mary.get(f"/api/v1/interests?client_id={company.client.id}&open=true")["total"] == 2
    one = mary.get(f"/api/v1/interests/{company.interest.id}")
    assert one["amount"] == "480000.00" and one["stage"]["code"] == "qualification"
    assert one["process_instance_id"] == company.interest.process_instance_id
    oleg.get(f"/api/v1/interests/{company.interest.id}", expect=403)
    assert [i["title"] for i in oleg.get("/api/v1/interests")["items"]] == ["Shelving"]
    oleg.post(f"/api/v1/interests/{company.interest.id}/stage", {"stage": "needs"}, expect=403)


def test_create_interest_without_and_with_the_sale_route_map(mary, oleg, company):
    plain = mary.post(
        "/api/v1/interests",
        {
            "client_id": company.client.id,
            "title": "Lamps",
            "amount": "1250.50",
            "expected_close_date": "2030-01-31",
        },
        expect=201,
    )
    assert plain["amount"] == "1250.50" and plain["process_instance_id"] is None
    before = _counts()
    refused = mary.post(
        "/api/v1/interests",
        {"client_id": company.client.id, "title": "Desks", "start_process": True},
        expect=409,
    )
    assert "sale" in refused["detail"] and _counts() == before  # no sale map deployed: nothing stored
    deploy_path([PROCESSES / "approval.bpmn", PROCESSES / "sale.bpmn"])
    started = mary.post(
        "/api/v1/interests",
        {"client_id": company.client.id, "title": "Desks", "start_process": True},
        expect=201,
    )
    instance_id = started["process_instance_id"]
    assert (
        instance_id
        and db.session.get(ProcessInstance, instance_id).business_key == f"interest:{started['id']}"
    )
    assert tasks_for_instance(instance_id, open_only=True)
    assert oleg.post("/api/v1/interests", {"client_id": company.client.id, "title": "Steal"}, expect=403)
    missing = mary.post("/api/v1/interests", {"client_id": 999999, "title": "Ghost"}, expect=404)
    assert missing["status"] == 404
    blank = {"client_id": company.client.id, "title": " ", "currency": "RUBLES"}
    assert set(mary.post("/api/v1/interests", blank, expect=422)["errors"]) == {"title", "currency"}
    negative = {"client_id": company.client.id, "title": "Minus", "amount": -5}
    assert set(mary.post("/api/v1/interests", negative, expect=422)["errors"]) == {"amount"}


def test_stage_and_close(mary, company):
    path = f"/api/v1/interests/{company.plain_interest.id}"
    assert mary.post(f"{path}/stage", {"stage": "proposal"})["stage"]["code"] == "proposal"
    assert mary.post(f"{path}/stage", {"stage": "nowhere"}, expect=422)["errors"] == {
        "stage": "no stage 'nowhere'"
    }
    assert mary.post(f"{path}/close", {"outcome": "lost"}, expect=422)["errors"] == {
        "lost_reason": "say why the interest was lost"
    }
    assert mary.post(f"{path}/close", {"outcome": "maybe"}, expect=422)["errors"]["outcome"]
    closed = mary.post(f"{path}/close", {"outcome": "lost", "lost_reason": "Too expensive"})
    assert closed["outcome"] == "lost" and closed["closed_at"] and closed["stage"]["kind"] == "lost"
    assert "already closed" in mary.post(f"{path}/close", {"outcome": "won"}, expect=422)["errors"]["outcome"]


def test_tickets_start_their_route_map_or_store_nothing(any_app, mary, oleg, company):
    before = _counts()
    not_deployed = mary.post(
        "/api/v1/tickets", {"client_id": company.client.id, "subject": "Broken chair"}, expect=409
    )
    assert "support_appeal" in not_deployed["detail"] and _counts() == before
    deploy(BROKEN_MAP)
    broken_type = save_appeal_type(company.admin, name="Broken", route_map_key="api_broken")
    failed = mary.post(
        "/api/v1/tickets",
        {"client_id": company.client.id, "subject": "Broken chair", "appeal_type_id": broken_type.id},
        expect=422,
    )
    assert failed["title"] == "Process step failed" and "Divide" in failed["errors"]["process"]
    assert _counts() == before
    deploy_path([PROCESSES / "support_appeal.bpmn"])
    ticket = mary.post(
        "/api/v1/tickets",
        {"client_id": company.client.id, "subject": "Broken chair", "channel": "email"},
        expect=201,
    )
    assert ticket["process_instance_id"] and ticket["status"] == "new"
    assert mary.get(f"/api/v1/tickets/{ticket['id']}")["subject"] == "Broken chair"
    assert [t["id"] for t in mary.get("/api/v1/tickets?open=true")["items"]] == [ticket["id"]]
    oleg.get(f"/api/v1/tickets/{ticket['id']}", expect=403)
    assert oleg.get("/api/v1/tickets")["total"] == 0
    only = mary.post(
        "/api/v1/tickets",
        {"client_id": company.client.id, "subject": "Note only", "start_process": False},
        expect=201,
    )
    assert only["process_instance_id"] is None
    assert mary.get("/api/v1/tickets?status=bogus", expect=400)["errors"] == {"status": "unknown value"}


def test_notes_interactions_and_the_feed(mary, oleg, company):
    interest = company.plain_interest
    note = mary.post(
        "/api/v1/notes",
        {"interest_id": interest.id, "body_html": "<p>Call back <script>x()</script>Monday</p>"},
        expect=201,
    )
    assert "<script>" not in note["body_html"] and note["client_id"] == company.client.id
    call = mary.post(
        "/api/v1/interactions",
        {"kind": "call", "direction": "outgoing", "subject": "Intro call", "client_id": company.client.id,
         "actual_at": "2030-01-10T10:00:00+03:00", "duration_minutes": 5},
        expect=201,
    )  # fmt: skip
    assert call["status"] == "done" and call["actual_at"].startswith("2030-01-10T07:00:00")
    before = _counts()
    assert mary.post("/api/v1/notes", {"client_id": company.client.id, "body_html": "<p> </p>"}, expect=422)[
        "errors"
    ]
    naive = mary.post(
        "/api/v1/interactions",
        {"kind": "call", "planned_at": "2030-01-10T10:00:00", "client_id": company.client.id},
        expect=422,
    )
    assert "planned_at" in naive["errors"]
    oleg.post("/api/v1/notes", {"client_id": company.client.id, "body_html": "<p>spy</p>"}, expect=403)
    assert _counts() == before
    feed = mary.get(f"/api/v1/clients/{company.client.id}/feed?limit=2")
    assert [e["kind"] for e in feed["items"]] == ["call", "note"] and feed["next"]
    older = mary.get(feed["next"])
    assert older["items"] and {e["id"] for e in older["items"]}.isdisjoint({e["id"] for e in feed["items"]})
    notes = mary.get(f"/api/v1/interests/{interest.id}/feed?kinds=note")
    assert [e["ref_id"] for e in notes["items"]] == [note["id"]] and notes["next"] is None
    assert mary.get(f"/api/v1/clients/{company.client.id}/feed?kinds=gossip", expect=422)["errors"]["kinds"]
    assert mary.get(f"/api/v1/clients/{company.client.id}/feed?before=garbage", expect=422)["errors"][
        "before"
    ]
    oleg.get(f"/api/v1/interests/{interest.id}/feed", expect=403)
    process = mary.get(f"/api/v1/interests/{company.interest.id}/feed?kinds=process")
    assert process["items"] and all(e["source"] == "process" for e in process["items"])
