"""Potential clients through the real app: list (filters, access), card with Feed and history, edit with
errors next to fields, and conversion into a new client (preview of what moves and who becomes responsible,
duplicate warning, "create anyway") or into an existing client; another manager's lead → 403."""

import pytest

from crm.activities.notes import add_note
from crm.activities.services import add_interaction
from crm.clients.leads import create_lead
from crm.clients.models import Client, ContactPerson, Lead
from crm.deals.models import Interest
from crm.deals.services import create_interest
from crm.history import ChangeLogEntry
from engine.db import db
from tests.integration.webui.clients_fixtures import build_world, log_in


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def world(any_app):
    return build_world()


@pytest.fixture
def mary(client, world):
    log_in(client, "mary")
    return client


@pytest.fixture
def lead(world):
    lead = create_lead(world.manager, {"name": "Pavel Orlov", "company_name": "Orlov & Sons",
                                       "phone": "+7 903 555-44-33", "email": "pavel@orlov.ru", "source": "fair"})  # fmt: skip
    create_interest(world.manager, {"lead_id": lead.id, "title": "Warehouse shelves", "amount": 90000})
    add_note(world.manager, {"lead_id": lead.id, "body_html": "<p>Wants a quote by Friday</p>"})
    add_interaction(world.manager, {"lead_id": lead.id, "kind": "call", "subject": "First call"})
    return lead


def test_list_and_card_show_the_lead_with_feed_and_history(mary, world, lead):
    page = mary.get("/leads").get_data(as_text=True)
    assert "Pavel Orlov" in page and "Orlov &amp; Sons" in page and "Mary Manager" in page
    assert "Pavel Orlov" not in mary.get("/leads?status=converted").get_data(as_text=True)
    assert "Pavel Orlov" not in mary.get("/leads?q=nobody").get_data(as_text=True)
    card = mary.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert 'data-testid="lead-name">Pavel Orlov<' in card
    assert "Wants a quote by Friday" in card  # the Feed
    assert 'data-testid="lead-history"' in card and "created" in card


def test_another_managers_lead_is_hidden_and_403(client, world, lead):
    log_in(client, "oleg")
    assert "Pavel Orlov" not in client.get("/leads").get_data(as_text=True)
    for url in (f"/leads/{lead.id}", f"/leads/{lead.id}/edit", f"/leads/{lead.id}/convert",
                f"/leads/{lead.id}/history"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post(f"/leads/{lead.id}/edit", data={"name": "X", "status": "open"}).status_code == 403
    assert client.post(f"/leads/{lead.id}/convert", data={"mode": "new"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "open"


def test_edit_lead_shows_errors_and_saves_with_history(mary, world, lead):
    url = f"/leads/{lead.id}/edit"
    base = {"name": "Pavel Orlov", "company_name": "Orlov & Sons", "phone": "+7 903 555-44-33", "source": "fair",
            "email": "pavel@orlov.ru", "region_id": "0", "responsible_id": str(world.manager.id), "status": "open"}  # fmt: skip
    resp = mary.post(url, data={**base, "name": "", "email": "not-an-email"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field-error="name"' in page and 'data-field-error="email"' in page
    resp = mary.post(url, data={**base, "name": "Pavel", "responsible_id": str(world.other_manager.id)})
    assert resp.status_code == 422 and 'data-field-error="responsible_id"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).name == "Pavel Orlov"
    assert mary.post(url, data={**base, "phone": "+7 903 555-00-00", "status": "rejected"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "rejected"
    fields = {e.field for e in db.session.query(ChangeLogEntry).filter_by(entity="lead", entity_id=lead.id)}
    assert {"phone", "status"} <= fields
    assert 'data-field="phone"' in mary.get(f"/leads/{lead.id}/history").get_data(as_text=True)


def test_convert_preview_then_new_client_moves_everything(mary, world, lead):
    page = mary.get(f"/leads/{lead.id}/convert").get_data(as_text=True)
    assert 'data-moving="interests"><span>Interests</span><span class="badge text-bg-primary">1<' in page
    assert 'data-moving="notes"><span>Notes</span><span class="badge text-bg-primary">1<' in page
    assert "Mary Manager" in page  # who becomes responsible
    resp = mary.post(
        f"/leads/{lead.id}/convert", data={"mode": "new", "kind": "company", "name": "Orlov & Sons"}
    )
    assert resp.status_code == 303
    db.session.expire_all()
    client = db.session.query(Client).filter_by(name="Orlov & Sons").one()
    assert resp.location.endswith(f"/clients/{client.id}")
    assert client.responsible_id == world.manager.id
    assert db.session.query(Interest).filter_by(title="Warehouse shelves").one().client_id == client.id
    assert (
        db.session.query(ContactPerson).filter_by(client_id=client.id, full_name="Pavel Orlov").count() == 1
    )
    converted = db.session.get(Lead, lead.id)
    assert converted.status == "converted" and converted.converted_client_id == client.id
    card = mary.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert 'data-testid="lead-client"' in card and 'data-testid="lead-convert"' not in card
    again = mary.get(f"/leads/{lead.id}/convert")
    assert again.status_code == 302  # already converted: back to the card


def test_convert_warns_about_duplicates_then_into_existing_client(mary, world, lead):
    from crm.clients.services import create_client

    existing = create_client(world.manager, {"name": "Orlov & Sons LLC", "phones": "+7 903 555-44-33"})
    page = mary.get(f"/leads/{lead.id}/convert").get_data(as_text=True)
    assert f'<option value="{existing.id}"' in page  # offered to convert into
    resp = mary.post(
        f"/leads/{lead.id}/convert", data={"mode": "new", "kind": "company", "name": "Orlov & Sons"}
    )
    assert resp.status_code == 422 and 'data-testid="duplicates"' in resp.get_data(as_text=True)
    assert db.session.get(Lead, lead.id).status == "open"
    resp = mary.post(f"/leads/{lead.id}/convert", data={"mode": "into", "into_client_id": ""})
    assert resp.status_code == 422 and 'data-field-error="into_client_id"' in resp.get_data(as_text=True)
    resp = mary.post(f"/leads/{lead.id}/convert", data={"mode": "into", "into_client_id": str(existing.id)})
    assert resp.status_code == 303 and resp.location.endswith(f"/clients/{existing.id}")
    db.session.expire_all()
    assert db.session.query(Interest).filter_by(title="Warehouse shelves").one().client_id == existing.id
    assert db.session.query(Client).count() == 3  # no new client: Romashka, Vector, the existing one


def test_convert_cannot_go_into_another_managers_client(mary, world, lead):
    resp = mary.post(
        f"/leads/{lead.id}/convert", data={"mode": "into", "into_client_id": str(world.other_client.id)}
    )
    assert resp.status_code == 422 and 'data-field-error="into_client_id"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "open"


def test_convert_anyway_creates_the_duplicate(mary, world, lead):
    from crm.clients.services import create_client

    create_client(world.other_manager, {"name": "Orlov & Sons"})
    resp = mary.post(
        f"/leads/{lead.id}/convert", data={"mode": "new", "kind": "company", "name": "Orlov & Sons"}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "a client of another manager" in page  # the name is not disclosed
    data = {"mode": "new", "kind": "company", "name": "Orlov & Sons", "allow_duplicate": "y"}
    assert mary.post(f"/leads/{lead.id}/convert", data=data).status_code == 303
    assert db.session.query(Client).filter_by(name="Orlov & Sons").count() == 2


def test_a_stale_lead_form_is_refused_and_the_change_kept(mary, world, lead):
    import re

    url = f"/leads/{lead.id}/edit"
    page = mary.get(url).get_data(as_text=True)
    mark = re.search(r'name="seen_mark"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="seen_mark"', page)
    assert mark
    base = {"name": "Pavel Orlov", "company_name": "Orlov & Sons", "phone": "+7 903 555-44-33", "source": "fair",
            "email": "pavel@orlov.ru", "region_id": "0", "responsible_id": str(world.manager.id), "status": "open",
            "seen_mark": mark.group(1) or mark.group(2)}  # fmt: skip
    assert mary.post(url, data={**base, "status": "rejected"}).status_code == 303
    resp = mary.post(url, data={**base, "source": "website"})
    assert resp.status_code == 409
    assert 'data-testid="edit-conflict"' in resp.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Lead, lead.id)
    assert (saved.status, saved.source) == ("rejected", "fair")
