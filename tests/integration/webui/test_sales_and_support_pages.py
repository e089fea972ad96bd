"""My sales (board, table, moves the route map allows) and Support (queue order, take next)."""

from __future__ import annotations

import pytest

from crm.deals.models import Interest
from crm.support.models import Ticket
from engine.db import db
from engine.task_queries import tasks_for_instance
from tests.integration.webui.workplace_fixtures import QUALIFY_OK, build_company, log_in, make_tickets


@pytest.fixture
def company(any_app):
    return build_company()


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def _stage(interest_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Interest, interest_id).stage.code


def test_board_groups_my_open_deals_by_stage(client, company):
    log_in(client, "mary")
    page = client.get("/sales").get_data(as_text=True)
    assert page.count('data-testid="stage-column"') == 6  # default stages, won/lost included as drop targets
    qualification = page.split('data-stage="qualification"', 1)[1].split('data-testid="stage-column"', 1)[0]
    assert "Office furniture" in qualification and "Chairs" in qualification
    assert "Qualify the interest" in qualification  # the current step on the card
    assert "Shelving" not in page  # oleg's deal


def test_table_filters_and_paging(client, company):
    log_in(client, "mary")
    page = client.get("/sales?view=table").get_data(as_text=True)
    assert page.count('data-testid="deal-row"') == 2
    assert client.get("/sales?view=table&q=chair").get_data(as_text=True).count('data-testid="deal-row"') == 1
    assert (
        client.get("/sales?view=table&q=romashka").get_data(as_text=True).count('data-testid="deal-row"') == 2
    )
    assert (
        client.get("/sales?view=table&stage=needs").get_data(as_text=True).count('data-testid="deal-row"')
        == 0
    )
    assert (
        client.get("/sales?view=table&state=closed").get_data(as_text=True).count('data-testid="deal-row"')
        == 0
    )
    assert client.get("/sales?view=table&stage=bogus&state=x&scope=y").status_code == 200


def test_move_refused_where_the_route_map_does_not_lead(client, company):
    log_in(client, "mary")
    resp = client.post("/sales/move", data={"interest_id": company.interest.id, "stage": "negotiation"})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["ok"] is False and "does not lead" in body["message"]
    assert _stage(company.interest.id) == "qualification"


def test_move_where_a_variant_leads_completes_the_step(client, company):
    log_in(client, "mary")
    instance_id = company.interest.process_instance_id
    client.post(f"/tasks/{tasks_for_instance(instance_id, open_only=True)[0].id}", data=QUALIFY_OK)
    assert _stage(company.interest.id) == "needs"
    resp = client.post("/sales/move", data={"interest_id": company.interest.id, "stage": "proposal"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"ok": True, "stage": "proposal", "stage_name": "Proposal", "closed": False}
    assert [t.element_id for t in tasks_for_instance(instance_id, open_only=True)] == ["Send"]


def test_move_that_needs_the_form_points_to_the_task(client, company):
    forms = dict(company.definition.forms)
    forms["approve.json"] = {**forms["approve.json"], "required": ["decision", "comment"]}
    company.definition.forms = forms
    db.session.commit()
    log_in(client, "mary")
    instance_id = company.interest.process_instance_id
    client.post(f"/tasks/{tasks_for_instance(instance_id, open_only=True)[0].id}", data=QUALIFY_OK)
    approve = tasks_for_instance(instance_id, open_only=True)[0]
    resp = client.post("/sales/move", data={"interest_id": company.interest.id, "stage": "proposal"})
    assert resp.status_code == 409
    assert resp.get_json()["task_url"] == f"/tasks/{approve.id}" and "Approve" in resp.get_json()["message"]
    assert _stage(company.interest.id) == "needs"


def test_deal_without_a_route_map_moves_freely_and_access_is_checked(client, company):
    log_in(client, "mary")
    resp = client.post("/sales/move", data={"interest_id": company.plain_interest.id, "stage": "negotiation"})
    assert resp.status_code == 200 and _stage(company.plain_interest.id) == "negotiation"
    resp = client.post("/sales/move", data={"interest_id": company.plain_interest.id, "stage": "lost"})
    assert resp.status_code == 409  # lost needs a reason
    assert (
        client.post(
            "/sales/move", data={"interest_id": company.other_interest.id, "stage": "needs"}
        ).status_code
        == 403
    )
    assert client.post("/sales/move", data={"interest_id": 99999, "stage": "needs"}).status_code == 404
    assert client.post("/sales/move", data={}).status_code == 400


def test_support_queue_is_ordered_by_the_nearest_sla_and_take_next_takes_the_first(client, company):
    _loose, urgent, _untyped = make_tickets(company.admin, company.client)
    log_in(client, "sveta")
    page = client.get("/support").get_data(as_text=True)
    order = [page.index(s) for s in ("Urgent login", "Loose one", "No type")]
    assert order == sorted(order) and page.count('data-testid="queue-row"') == 3
    resp = client.post("/support/take")
    assert resp.status_code == 303 and resp.location.endswith(f"/tickets/{urgent.id}")
    db.session.expire_all()
    assert db.session.get(Ticket, urgent.id).responsible_id == company.agent.id
    assert client.get(f"/tickets/{urgent.id}").status_code == 200  # now hers
    resp = client.post("/support/take", data={"ticket_id": urgent.id})
    assert resp.status_code == 303
    assert "Someone took this appeal first." in client.get("/support").get_data(as_text=True)
    client.post("/support/take")
    client.post("/support/take")
    client.post("/support/take")
    assert "the queue is empty" in client.get("/support").get_data(as_text=True)
    mine = client.get("/support?scope=mine").get_data(as_text=True)
    assert mine.count('data-testid="queue-row"') == 3
