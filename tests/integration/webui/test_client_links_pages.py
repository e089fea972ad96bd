"""Relationships and the merge tool through the real app: add with a type (seen inverse on the other card),
remove, validation; merge candidates, side-by-side preview with what moves, confirm, the old URL lands on the
kept card; only for users who may edit both cards (another manager → 403)."""

import pytest

from crm.activities.notes import add_note
from crm.clients.contacts import add_contact
from crm.clients.models import Client, ClientRelation, ContactPerson
from crm.clients.services import create_client
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
def twin(world):
    """A duplicate of Mary's Romashka (same phone), with a contact, an interest and a note of its own."""
    twin = create_client(
        world.manager,
        {"name": "Romashka", "phones": "+7 495 123-45-67, +7 495 999-00-00", "website": "romashka.ru"},
        allow_duplicate=True,
    )
    add_contact(world.manager, twin.id, {"full_name": "Olga Sidorova"})
    create_interest(world.manager, {"client_id": twin.id, "title": "Chairs", "amount": 1000})
    add_note(world.manager, {"client_id": twin.id, "body_html": "<p>Met at the fair</p>"})
    return twin


def test_add_relationship_is_seen_inverse_on_the_other_card_and_removed(mary, world, twin):
    url = f"/clients/{world.own_client.id}/relations"
    resp = mary.post(
        url, data={"relation_type": "subsidiary", "to_client_id": str(twin.id), "comment": "50%"}
    )
    assert resp.status_code == 303
    assert "subsidiary" in mary.get(url).get_data(as_text=True)
    other_side = mary.get(f"/clients/{twin.id}/relations").get_data(as_text=True)
    assert "parent company" in other_side and "Romashka LLC" in other_side
    relation = db.session.query(ClientRelation).one()
    assert db.session.query(ChangeLogEntry).filter_by(field="relation", action="create").count() == 2
    assert mary.post(f"/clients/{world.own_client.id}/relations/{relation.id}/delete").status_code == 303
    assert db.session.query(ClientRelation).count() == 0
    assert "No relationships recorded." in mary.get(url).get_data(as_text=True)


def test_relationship_errors_are_shown_next_to_fields(mary, world):
    url = f"/clients/{world.own_client.id}/relations"
    resp = mary.post(url, data={"relation_type": "partner", "to_client_id": ""})
    assert resp.status_code == 422 and 'data-field-error="to_client_id"' in resp.get_data(as_text=True)
    resp = mary.post(url, data={"relation_type": "partner", "to_client_id": str(world.own_client.id)})
    assert resp.status_code == 422 and "cannot be linked to itself" in resp.get_data(as_text=True)
    assert db.session.query(ClientRelation).count() == 0


def test_relationships_of_another_managers_client_are_403(client, world):
    log_in(client, "oleg")
    own = world.own_client.id
    assert client.get(f"/clients/{own}/relations").status_code == 403
    resp = client.post(f"/clients/{own}/relations", data={"relation_type": "partner", "to_client_id": "2"})
    assert resp.status_code == 403
    # Nor may Oleg link his client to Mary's: he cannot see it.
    resp = client.post(f"/clients/{world.other_client.id}/relations",
                       data={"relation_type": "partner", "to_client_id": str(own)})  # fmt: skip
    assert resp.status_code == 403
    assert db.session.query(ClientRelation).count() == 0


def test_merge_candidates_preview_and_confirm(mary, world, twin):
    pick = mary.get(f"/clients/{world.own_client.id}/merge").get_data(as_text=True)
    assert f"/clients/{world.own_client.id}/merge/{twin.id}" in pick and "same phone" in pick
    preview = mary.get(f"/clients/{world.own_client.id}/merge/{twin.id}").get_data(as_text=True)
    assert 'data-testid="merge-keep-name"' in preview and "romashka.ru" in preview
    moving = {key: value for key, value in _moving(preview)}
    assert moving["contacts"] == 1 and moving["interests"] == 1 and moving["notes"] == 1
    assert moving["phones"] == 1  # the shared phone is not copied twice
    assert db.session.get(Client, twin.id).merged_into_id is None  # the preview changed nothing
    resp = mary.post(f"/clients/{world.own_client.id}/merge/{twin.id}")
    assert resp.status_code == 303 and resp.location.endswith(f"/clients/{world.own_client.id}")
    db.session.expire_all()
    kept = db.session.get(Client, world.own_client.id)
    assert db.session.get(Client, twin.id).merged_into_id == kept.id
    assert kept.website == "romashka.ru" and "+7 495 999-00-00" in kept.phones
    assert db.session.query(ContactPerson).filter_by(full_name="Olga Sidorova").one().client_id == kept.id
    assert db.session.query(Interest).filter_by(title="Chairs").one().client_id == kept.id
    old_url = mary.get(f"/clients/{twin.id}")
    assert old_url.status_code == 302 and old_url.location.endswith(f"/clients/{kept.id}")
    history = mary.get(f"/clients/{kept.id}/history").get_data(as_text=True)
    assert 'data-field="merged"' in history and 'data-field="website"' in history


def test_merge_preview_can_swap_which_card_is_kept(mary, world, twin):
    page = mary.get(f"/clients/{world.own_client.id}/merge/{twin.id}").get_data(as_text=True)
    assert f"/clients/{twin.id}/merge/{world.own_client.id}" in page
    assert mary.post(f"/clients/{twin.id}/merge/{world.own_client.id}").status_code == 303
    db.session.expire_all()
    assert db.session.get(Client, world.own_client.id).merged_into_id == twin.id


def test_merge_same_card_goes_back_to_the_picker(mary, world):
    resp = mary.get(f"/clients/{world.own_client.id}/merge/{world.own_client.id}")
    assert resp.status_code == 303 and resp.location.endswith(f"/clients/{world.own_client.id}/merge")


def test_merge_needs_edit_rights_on_both_cards(client, world):
    log_in(client, "mary")
    # Vector JSC is Oleg's: Mary may neither preview nor merge it, and it is not offered as a candidate.
    create_client(
        world.other_manager, {"name": "Romashka", "phones": "+7 495 123-45-67"}, allow_duplicate=True
    )
    assert "Vector" not in client.get(f"/clients/{world.own_client.id}/merge").get_data(as_text=True)
    assert "Romashka<" not in client.get(f"/clients/{world.own_client.id}/merge").get_data(as_text=True)
    url = f"/clients/{world.own_client.id}/merge/{world.other_client.id}"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    db.session.expire_all()
    assert db.session.get(Client, world.other_client.id).merged_into_id is None


def _moving(page: str):
    import re

    for key, value in re.findall(
        r'data-moving="(\w+)"><span>[^<]*</span><span class="badge[^"]*">(\d+)<', page
    ):
        yield key, int(value)
