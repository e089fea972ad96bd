"""Clients workplace through the real app: list filters and access, new client with validation and duplicate
control, the client card with status "?" and quality drill-down, another manager's card → 403 page."""

import re

import pytest

from crm.clients.models import Client
from crm.clients.services import create_client
from crm.quality.rules import load_quality_template
from crm.statuses.rules import install_default_status_rules
from engine.db import db
from tests.integration.webui.clients_fixtures import build_world, log_in


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def mary(client, world):
    log_in(client, "mary")
    return client


def test_list_shows_only_visible_clients_with_status_and_quality(mary, world):
    page = mary.get("/clients").get_data(as_text=True)
    assert "Romashka LLC" in page
    assert "Vector JSC" not in page
    assert 'data-status="new"' in page
    assert "1 in all" in page


def test_list_filters_by_search_inn_status_and_quality(mary, world):
    assert "Romashka LLC" in mary.get("/clients?q=7707083893").get_data(as_text=True)
    assert "No clients found" in mary.get("/clients?q=nothing-like-it").get_data(as_text=True)
    assert "Romashka LLC" in mary.get("/clients?status=new").get_data(as_text=True)
    assert "No clients found" in mary.get("/clients?status=active").get_data(as_text=True)
    # No quality rules yet: the indicator cannot be calculated.
    assert "Romashka LLC" in mary.get("/clients?quality=none").get_data(as_text=True)
    load_quality_template(None)
    by_colour = {c: "Romashka LLC" in mary.get(f"/clients?quality={c}").get_data(as_text=True)
                 for c in ("red", "amber", "green", "none")}  # fmt: skip
    assert sum(by_colour.values()) == 1 and not by_colour["none"]


def test_new_client_shows_errors_next_to_fields(mary, world):
    resp = mary.post("/clients/new", data={"kind": "company", "name": "", "inn": "123", "segment_id": "0"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field-error="name"' in page
    resp = mary.post(
        "/clients/new", data={"kind": "company", "name": "Acme", "inn": "1234567890", "segment_id": "0"}
    )
    assert resp.status_code == 422
    assert 'data-field-error="inn"' in resp.get_data(as_text=True)
    assert db.session.query(Client).filter_by(name="Acme").count() == 0


def test_new_client_warns_about_duplicates_and_creates_anyway(mary, world):
    data = {"kind": "company", "name": "Romashka", "phones": "+7 (495) 123-45-67", "segment_id": "0"}
    resp = mary.post("/clients/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-testid="duplicates"' in page
    assert f"/clients/{world.own_client.id}" in page
    assert db.session.query(Client).filter_by(name="Romashka").count() == 0
    resp = mary.post("/clients/new", data={**data, "allow_duplicate": "y"})
    assert resp.status_code == 303
    created = db.session.query(Client).filter_by(name="Romashka").one()
    assert resp.location.endswith(f"/clients/{created.id}")


def test_card_shows_portrait_contacts_interests_and_feed(mary, world):
    page = mary.get(f"/clients/{world.own_client.id}").get_data(as_text=True)
    assert 'data-testid="client-name">Romashka LLC<' in page
    assert "+7 495 123-45-67" in page
    assert "Ivan Petrov" in page and 'data-testid="key-person"' in page
    assert 'data-testid="birthday-soon"' in page
    assert "Office furniture" in page
    assert 'data-testid="quick-actions"' in page
    feed = page.split('data-testid="feed-entries"')[1]
    assert "Office furniture" in feed  # the interest's Feed entry


def test_status_question_mark_explains_the_rule_and_recalculates(mary, world):
    install_default_status_rules()
    help_page = mary.get(f"/clients/{world.own_client.id}/status").get_data(as_text=True)
    assert 'data-testid="status-explanation"' in help_page
    assert re.search(r"bi-(check|x)-circle", help_page)
    resp = mary.post(f"/clients/{world.own_client.id}/status/recalculate")
    assert resp.status_code == 200
    assert 'data-testid="status-recalculated"' in resp.get_data(as_text=True)


def test_quality_drill_down_lists_items_or_setup_actions(mary, world):
    page = mary.get(f"/clients/{world.own_client.id}/quality").get_data(as_text=True)
    assert 'data-testid="quality-setup"' in page and "cannot be calculated" in page
    load_quality_template(None)
    page = mary.get(f"/clients/{world.own_client.id}/quality").get_data(as_text=True)
    assert 'data-filled="yes"' in page and 'data-testid="quality-setup"' not in page
    bare = create_client(world.manager, {"name": "Bare Client"})
    page = mary.get(f"/clients/{bare.id}/quality").get_data(as_text=True)
    assert 'data-filled="no"' in page


def test_another_managers_client_is_the_403_page(mary, world, app):
    app.config["TEST_ERROR_PAGES"] = True
    for url in (f"/clients/{world.other_client.id}", f"/clients/{world.other_client.id}/status",
                f"/clients/{world.other_client.id}/quality", f"/feed/client/{world.other_client.id}"):  # fmt: skip
        resp = mary.get(url)
        assert resp.status_code == 403, url
        assert "You do not have access to this page or record." in resp.get_data(as_text=True)
    assert mary.post(f"/clients/{world.other_client.id}/status/recalculate").status_code == 403
    assert mary.get("/clients/999999").status_code == 404


def test_clients_need_a_working_role(client, app):
    from crm.accounts import services as accounts

    accounts.ensure_builtin_roles()
    accounts.create_user("dora", "Dora Designer", "password-1", roles=["designer"])
    log_in(client, "dora")
    assert client.get("/clients").status_code == 403
    assert client.get("/wizard").status_code == 403
    assert client.get("/desktop").status_code == 403
