"""Malformed and out-of-range numbers in URLs, query strings and API bodies answer 404/400/422 or fall back
to a default page — never a 500 (SQLite raises OverflowError for integers beyond 64 bits)."""

from __future__ import annotations

import pytest

from crm.api_tokens import issue_token
from tests.integration.webui.workplace_fixtures import build_company, log_in

HUGE = "99999999999999999999"


@pytest.fixture
def company(app):
    return build_company()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/clients/{HUGE}"),
        ("GET", f"/interests/{HUGE}"),
        ("GET", f"/tickets/{HUGE}"),
        ("GET", f"/tasks/{HUGE}"),
        ("POST", f"/tasks/{HUGE}/claim"),
        ("GET", f"/admin/users/{HUGE}"),
        ("POST", f"/account/api-tokens/{HUGE}/revoke"),
        ("GET", f"/processes/sale/versions/{HUGE}/download"),
    ],
)
def test_ids_beyond_the_database_range_are_not_found(client, company, method, path):
    log_in(client, "root")
    assert client.open(path, method=method).status_code == 404


def test_routes_take_ids_up_to_the_largest_postgresql_integer(app):
    from werkzeug.exceptions import NotFound

    urls = app.url_map.bind("localhost")
    assert urls.match("/interests/2147483647") == ("main.interest_card", {"interest_id": 2147483647})
    with pytest.raises(NotFound):
        urls.match("/interests/2147483648")


@pytest.mark.parametrize(
    "path",
    [
        f"/tasks?page={HUGE}",
        f"/tasks?client={HUGE}",
        f"/tasks?priority={HUGE}",
        "/tasks?page=-1",
        f"/admin/users?page={HUGE}",
        f"/admin/crm/absences?page={HUGE}",
        f"/admin/crm/portrait?page={HUGE}",
        f"/monitoring/sla?department={HUGE}",
        "/monitoring/sla?department=%C2%B2",  # "²": str.isdigit() says yes, int() says no
        f"/sales?view=table&page={HUGE}",
    ],
)
def test_out_of_range_query_numbers_fall_back_to_the_default(client, company, path):
    log_in(client, "root")
    assert client.get(path).status_code == 200


def test_api_refuses_query_numbers_beyond_the_database_range(client, company):
    token, _row = issue_token(company.manager, "bounds")
    headers = {"Authorization": f"Bearer {token}"}
    for path, name in (
        (f"/api/v1/clients?page={HUGE}", "page"),
        (f"/api/v1/interests?client_id={HUGE}", "client_id"),
        (f"/api/v1/tickets?client_id={HUGE}", "client_id"),
        (f"/api/v1/tasks?page={HUGE}", "page"),
    ):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 400, (path, resp.get_data(as_text=True))
        assert resp.get_json()["errors"] == {name: "too large"}


def test_api_refuses_ids_beyond_the_database_range_in_bodies(client, company):
    token, _row = issue_token(company.manager, "bounds")
    resp = client.post(
        "/api/v1/notes",
        headers={"Authorization": f"Bearer {token}"},
        json={"client_id": int(HUGE), "body_html": "<p>hello</p>"},
    )
    assert resp.status_code == 422
    assert "client_id" in resp.get_json()["errors"]


@pytest.mark.parametrize("ident", [HUGE, "²", "-3", "abc"])
def test_form_ids_that_are_not_record_ids_are_refused_not_500(client, company, ident):
    log_in(client, "mary")
    move = client.post("/sales/move", data={"interest_id": ident, "stage": "needs"})
    assert move.status_code == 400
    assert client.get(f"/wizard/caller?entity=client&id={ident}").status_code == 200
    wizard = client.post(
        "/wizard", data={"channel": "phone", "action": "attach", "caller": "client", "caller_id": ident}
    )
    assert wizard.status_code == 422
    alerts = client.post("/monitoring/alerts", data={"action": "delete", "rule_id": ident})
    assert alerts.status_code == 302
    saved = client.post(
        "/monitoring/alerts",
        data={"name": "Late", "metric": "overdue_tasks", "window_days": "7", "recipient_id": ident},
    )
    assert saved.status_code == 302
    from crm.monitoring.alerts import list_alert_rules

    assert list_alert_rules() == []


def test_clients_list_ignores_malformed_and_huge_numbers(app, client):
    from crm.accounts import services as accounts

    accounts.ensure_builtin_roles()
    accounts.create_user("mgr", "Manager", "password-1", roles=["manager"])
    client.post("/login", data={"username": "mgr", "password": "password-1"})
    for query in ("page=²", "page=99999999999999999999", "segment=99999999999999999999", "responsible=-1"):
        assert client.get(f"/clients?{query}").status_code == 200, query
