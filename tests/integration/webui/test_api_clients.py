"""API: clients, contacts, leads and search — access as in the UI, duplicate control, errors, paging."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.clients.models import Client, ContactPerson, Lead
from engine.db import db
from tests.integration.webui.api_fixtures import caller_for
from tests.integration.webui.workplace_fixtures import build_company


@pytest.fixture
def company(any_app):
    return build_company()


@pytest.fixture
def mary(any_app, company):
    return caller_for(any_app, company.manager)


@pytest.fixture
def oleg(any_app, company):
    return caller_for(any_app, company.other_manager)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_manager_lists_and_reads_only_clients_visible_to_them(mary, oleg, company):
    names = [c["name"] for c in mary.get("/api/v1/clients")["items"]]
    assert names == ["Romashka LLC"]
    assert [c["name"] for c in oleg.get("/api/v1/clients")["items"]] == ["Vector JSC"]
    card = mary.get(f"/api/v1/clients/{company.client.id}")
    assert card["phones"] == ["+7 495 123-45-67"] and card["responsible_id"] == company.manager.id
    denied = mary.get(f"/api/v1/clients/{company.other_client.id}", expect=403)
    assert denied["title"] == "Access denied" and str(company.other_client.id) in denied["detail"]
    assert mary.get("/api/v1/clients/999999", expect=404)["status"] == 404
    assert mary.get(f"/api/v1/clients/{company.other_client.id}/contacts", expect=403)
    assert mary.get(f"/api/v1/clients/{company.other_client.id}/feed", expect=403)


def test_create_client_with_duplicate_control(mary, company):
    created = mary.post(
        "/api/v1/clients", {"name": "Lotos LLC", "inn": "7707083893", "emails": ["a@lotos.ru"]}, expect=201
    )
    assert created["inn"] == "7707083893" and created["emails"] == ["a@lotos.ru"]
    before = _count(Client)
    clash = mary.post("/api/v1/clients", {"name": "Lotos", "inn": "7707083893"}, expect=409)
    assert [(c["id"], c["reason"], c["accessible"]) for c in clash["candidates"]] == [
        (created["id"], "inn", True)
    ]
    other = mary.post("/api/v1/clients", {"name": "Vector", "phones": "+7 812 700-10-20"}, expect=409)
    assert (
        other["candidates"][0]["client_id"] == company.other_client.id
        and not other["candidates"][0]["accessible"]
    )
    assert _count(Client) == before
    forced = mary.post(
        "/api/v1/clients", {"name": "Lotos", "inn": "7707083893", "allow_duplicate": True}, expect=201
    )
    assert forced["id"] != created["id"] and _count(Client) == before + 1


def test_client_input_errors_are_problems_and_store_nothing(mary):
    before = _count(Client)
    bad = mary.post("/api/v1/clients", {"name": "X Corp", "inn": "123", "emails": "not-mail"}, expect=422)
    assert set(bad["errors"]) == {"inn", "emails"} and bad["title"] == "Invalid input"
    typed = mary.post("/api/v1/clients", {"title": "no name", "kind": "alien", "region_id": "7"}, expect=422)
    assert typed["errors"]["name"] == "this field is required" and typed["errors"]["title"] == "unknown field"
    assert {"kind", "region_id"} <= set(typed["errors"])
    http = mary.http
    auth = {"Authorization": f"Bearer {mary.token}"}
    broken = http.post("/api/v1/clients", data='{"name": "X', headers=auth, content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["title"] == "Malformed JSON"
    assert broken.mimetype == "application/problem+json"
    not_object = http.post("/api/v1/clients", json=["X"], headers=auth)
    assert not_object.status_code == 400 and "object" in not_object.get_json()["detail"]
    form = http.post("/api/v1/clients", data={"name": "X"}, headers=auth)
    assert form.status_code == 400 and "application/json" in form.get_json()["detail"]
    assert _count(Client) == before


def test_paging_follows_next_links_and_checks_parameters(mary):
    for n in range(5):
        mary.post("/api/v1/clients", {"name": f"Paged {n} Ltd", "allow_duplicate": True}, expect=201)
    first = mary.get("/api/v1/clients?q=paged&per_page=2")
    assert first["total"] == 5 and len(first["items"]) == 2 and "page=2" in first["next"]
    seen = [c["name"] for c in first["items"]]
    link = first["next"]
    while link:
        page = mary.get(link)
        seen += [c["name"] for c in page["items"]]
        link = page["next"]
    assert seen == [f"Paged {n} Ltd" for n in range(5)]
    assert mary.get("/api/v1/clients?per_page=1000", expect=400)["errors"] == {"per_page": "too large"}
    assert "page" in mary.get("/api/v1/clients?page=abc", expect=400)["errors"]
    assert "kind" in mary.get("/api/v1/clients?kind=alien", expect=400)["errors"]


def test_contacts_with_duplicate_control(mary, oleg, company):
    path = f"/api/v1/clients/{company.client.id}/contacts"
    anna = mary.post(
        path,
        {
            "full_name": "Anna Petrova",
            "phones": ["+7 900 111-22-33"],
            "birthday": "1990-04-01",
            "is_key_person": True,
        },
        expect=201,
    )
    assert anna["birthday"] == "1990-04-01" and anna["client_id"] == company.client.id
    before = _count(ContactPerson)
    assert mary.post(path, {"full_name": "Anna Petrova"}, expect=409)["candidates"][0]["entity"] == "contact"
    assert mary.post(path, {"full_name": "Ivan", "birthday": "31.12.1990"}, expect=422)["errors"]["birthday"]
    assert _count(ContactPerson) == before
    assert [c["full_name"] for c in mary.get(path)["items"]] == ["Anna Petrova"]
    assert mary.get(f"/api/v1/contacts/{anna['id']}")["phones"] == ["+7 900 111-22-33"]
    oleg.get(f"/api/v1/contacts/{anna['id']}", expect=403)
    oleg.post(path, {"full_name": "Spy"}, expect=403)
    assert _count(ContactPerson) == before


def test_leads_and_search(mary, oleg, company):
    lead = mary.post(
        "/api/v1/leads", {"name": "Boris", "phone": "+7 916 555-44-33", "source": "web"}, expect=201
    )
    assert lead["status"] == "open" and lead["responsible_id"] == company.manager.id
    assert mary.get(f"/api/v1/leads/{lead['id']}")["phone"] == "+7 916 555-44-33"
    oleg.get(f"/api/v1/leads/{lead['id']}", expect=403)
    assert [x["id"] for x in mary.get("/api/v1/leads")["items"]] == [lead["id"]]
    assert oleg.get("/api/v1/leads")["items"] == []
    before = _count(Lead)
    assert mary.post("/api/v1/leads", {"name": "Bad", "email": "nope"}, expect=422)["errors"] == {
        "email": "not an e-mail address"
    }
    assert _count(Lead) == before
    hits = mary.get("/api/v1/search?q=Romashka")["items"]
    assert [(h["entity"], h["id"]) for h in hits] == [("client", company.client.id)]
    assert oleg.get("/api/v1/search?q=Romashka")["items"] == []
    assert mary.get("/api/v1/search?q=R", expect=400)["errors"] == {"q": "too short"}


def test_a_designer_sees_no_clients_and_may_not_create_them(any_app, company):
    dina = caller_for(any_app, company.designer)
    assert dina.get("/api/v1/clients")["total"] == 0
    dina.get(f"/api/v1/clients/{company.client.id}", expect=403)
    dina.post("/api/v1/clients", {"name": "Nope LLC"}, expect=403)
