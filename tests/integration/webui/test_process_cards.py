"""Interest and ticket cards: access, the Feed with "variant chosen", diagram highlights and step history."""

from __future__ import annotations

import json
import re

import pytest

from crm.support.services import link_ticket_process
from engine.instances import start_instance
from engine.task_queries import tasks_for_instance
from tests.integration.webui.workplace_fixtures import QUALIFY_OK, build_company, log_in, make_tickets


@pytest.fixture
def company(app):
    return build_company()


def _diagram(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', page, re.S)
    assert found, "no diagram data on the card"
    return json.loads(found.group(1))


def _complete_through_approval(client, company) -> None:
    instance_id = company.interest.process_instance_id
    client.post(f"/tasks/{tasks_for_instance(instance_id, open_only=True)[0].id}", data=QUALIFY_OK)
    approve = tasks_for_instance(instance_id, open_only=True)[0]
    client.post(f"/tasks/{approve.id}", data={"choice": "F_approve"})


def test_interest_card_shows_stage_amount_feed_variant_history_and_highlights(client, company):
    log_in(client, "mary")
    page = client.get(f"/interests/{company.interest.id}").get_data(as_text=True)
    diagram = _diagram(page)
    assert diagram["current"] == ["Qualify"] and "StartEvent_1" in diagram["completed"]
    assert diagram["flows"] == ["F1"] and "<bpmn:definitions" in diagram["xml"]
    assert 'data-testid="open-my-step"' in page
    _complete_through_approval(client, company)
    page = client.get(f"/interests/{company.interest.id}").get_data(as_text=True)
    assert 'data-testid="stage"' in page and "Proposal" in page and "480 000.00 RUB" in page
    diagram = _diagram(page)
    assert diagram["current"] == ["Send"]
    assert {"Qualify", "SetNeeds", "Approve", "Decision", "SetProposal"} <= set(diagram["completed"])
    assert "F_approve" in diagram["flows"] and "F_revise" not in diagram["flows"]
    feed = page.split('data-testid="feed"', 1)[1]
    assert 'data-kind="variant_chosen"' in feed and 'data-testid="variant">Approve<' in feed
    history = page.split('data-testid="step-history"', 1)[1]
    assert "Qualify the interest" in history and "Mary Manager" in history and "Variant: Approve" in history


def test_interest_card_access(client, company):
    log_in(client, "oleg")
    resp = client.get(f"/interests/{company.interest.id}")
    assert resp.status_code == 403 and "Access denied" in resp.get_data(as_text=True)
    assert client.get("/interests/99999").status_code == 404
    log_in(client, "mary")
    page = client.get(f"/interests/{company.plain_interest.id}").get_data(as_text=True)
    assert 'data-testid="no-process"' in page


def test_ticket_card_shows_sla_countdowns_and_its_process(client, company):
    tickets = make_tickets(company.admin, company.client)
    urgent = tickets[1]
    instance = start_instance(
        "ui_sale", data={"interest_id": company.interest.id}, business_key=urgent.business_key
    )
    link_ticket_process(urgent.id, instance.id)
    log_in(client, "mary")  # responsible for the client
    page = client.get(f"/tickets/{urgent.id}").get_data(as_text=True)
    sla = page.split('data-testid="sla"', 1)[1].split("</div>", 1)[0]
    assert sla.count("data-sla=") == 2 and "data-countdown=" in sla
    assert 'data-testid="diagram"' in page and _diagram(page)["current"] == ["Qualify"]
    assert 'data-testid="feed"' in page
    no_type = client.get(f"/tickets/{tickets[2].id}").get_data(as_text=True)
    assert no_type.count('data-sla="none"') == 2
    log_in(client, "oleg")
    assert client.get(f"/tickets/{urgent.id}").status_code == 403
