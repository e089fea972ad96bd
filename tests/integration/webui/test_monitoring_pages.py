"""Monitoring pages on the known histories: figures in the HTML, CSV exports, role check, forms."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from engine.analytics.rollup import refresh_facts
from tests.analytics_history import build_known_history
from tests.monitoring_history import build_ticket_history


@pytest.fixture
def manager_client(app, client):
    built = build_ticket_history()  # creates roles, departments and the manager "boris"
    history = build_known_history()
    client.post("/login", data={"username": "boris", "password": "password-123"})
    return client, history, built


def _csv(resp):
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def test_employees_may_not_open_monitoring(app, client):
    build_ticket_history()
    client.post("/login", data={"username": "anna", "password": "password-123"})  # an employee
    assert client.get("/monitoring/").status_code == 403
    assert client.get("/monitoring/sla").status_code == 403


def test_managers_open_the_overview(manager_client):
    client, _, _ = manager_client
    page = client.get("/monitoring/").get_data(as_text=True)
    assert "/monitoring/process/analytics_sale" in page


def test_process_page_figures_heat_map_data_and_csv(manager_client):
    client, _, _ = manager_client
    page = client.get("/monitoring/process/analytics_sale?from=2025-06-01&to=2025-06-30").get_data(
        as_text=True
    )
    assert 'data-testid="summary-started" href' in page and re.search(r'summary-started"[^>]*>3<', page)
    heat = json.loads(
        re.search(r'<script type="application/json" id="heat-data">(.*?)</script>', page, re.S).group(1)
    )
    assert heat["heat"]["Task_A"]["passes"] == 3 and heat["heat"]["Task_A"]["mean_h"] == 2
    assert heat["heat"]["Task_A"]["sla"] == "PT2H working" and heat["heat"]["GW"]["passes"] == 2
    assert "<bpmn:definitions" in heat["xml"]
    steps = _csv(client.get("/monitoring/process/analytics_sale?from=2025-06-01&to=2025-06-30&csv=steps"))
    row = dict(zip(steps[0], next(r for r in steps if r[0] == "Task_B"), strict=True))
    assert (row["mean_wait_h"], row["mean_work_h"], row["mean_h"]) == ("5", "2", "7")
    branches = _csv(
        client.get("/monitoring/process/analytics_sale?from=2025-06-01&to=2025-06-30&csv=branches")
    )
    assert [r[1] for r in branches[1:]] == ["No", "Yes"] or [r[1] for r in branches[1:]] == ["Yes", "No"]
    series = _csv(client.get("/monitoring/process/analytics_sale?from=2025-06-01&to=2025-06-30&csv=series"))
    assert series[1:] == [
        ["2025-06-10", "1", "1", "0"],
        ["2025-06-11", "1", "0", "1"],
        ["2025-06-16", "1", "1", "1"],
    ]


def test_drill_down_to_instances_of_a_branch(manager_client):
    client, _, _ = manager_client
    page = client.get(
        "/monitoring/process/analytics_sale/instances?from=2025-06-01&to=2025-06-30&flow=Flow_no"
    )
    text = page.get_data(as_text=True)
    assert "interest:2" in text and "interest:1" not in text


def test_unknown_route_map_is_404(manager_client):
    client, _, _ = manager_client
    assert client.get("/monitoring/process/nope").status_code == 404


def test_sla_page_and_csv(manager_client):
    client, _, _ = manager_client
    page = client.get("/monitoring/sla?from=2025-06-01&to=2025-06-30").get_data(as_text=True)
    assert "Claim" in page and "Anna Agent" in page
    by_type = _csv(client.get("/monitoring/sla?from=2025-06-01&to=2025-06-30&csv=type"))
    row = dict(zip(by_type[0], by_type[1], strict=True))
    # every clock is finished or past its deadline long after June 2025, so "now" settles each state
    assert (row["group"], row["reaction_total"], row["reaction_met"]) == ("Claim", "4", "2")
    problems = _csv(client.get("/monitoring/sla?from=2025-06-01&to=2025-06-30&csv=problems"))
    assert {r[1] for r in problems[1:]} >= {"Wrong invoice", "Late courier"}


def test_control_funnel_and_alert_pages(manager_client):
    client, _, built = manager_client
    assert "Boris Seller" in client.get("/monitoring/control").get_data(as_text=True)
    assert _csv(client.get("/monitoring/control?csv=1"))[0][0] == "manager"
    funnel = client.get("/monitoring/funnel").get_data(as_text=True)
    assert 'data-testid="funnel-table"' in funnel and 'data-testid="dynamics-table"' in funnel
    resp = client.post("/monitoring/alerts", data={"name": "Breaches", "metric": "reaction_breach_rate",
                                                   "comparison": ">", "threshold": "10", "window_days": "3650",
                                                   "recipient_id": str(built["boris"].id)})  # fmt: skip
    assert resp.status_code == 302
    client.post("/monitoring/alerts", data={"action": "evaluate"})
    page = client.get("/monitoring/alerts").get_data(as_text=True)
    assert "Breaches: 50.0 &gt; 10" in page or "Breaches: 50.0 > 10" in page


def test_rollup_catches_up_on_page_view(manager_client):
    client, _, _ = manager_client
    client.get("/monitoring/")
    assert refresh_facts() == 0
