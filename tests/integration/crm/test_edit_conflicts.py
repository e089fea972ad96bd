"""Two people editing one card: a save made from a form opened before someone else's change does not undo
that change; it is refused with the change listed, and a save from the refreshed form overwrites knowingly."""

from __future__ import annotations

import pytest

from crm.clients.contacts import add_contact
from crm.clients.editing import history_rows, save_client, save_contact, save_lead
from crm.clients.leads import create_lead
from crm.clients.models import Client, ContactPerson, Lead
from crm.clients.services import create_client, update_client
from crm.edit_conflicts import EditConflict, history_mark
from crm.history import ChangeLogEntry
from engine.db import db
from tests.integration.crm.conftest import COMPANY_INNS


def _form(client: Client, **changes):
    """What the edit form posts: every field as the person saw it, with their own changes."""
    seen = {
        "name": client.name, "inn": client.inn, "phones": list(client.phones), "emails": list(client.emails),
        "responsible_id": client.responsible_id,
    }  # fmt: skip
    return {**seen, **changes}


@pytest.fixture
def card(people):
    return create_client(
        people.alice, {"name": "Romashka LLC", "inn": COMPANY_INNS[0], "phones": "+7 495 123-45-67"}
    )


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_a_stale_form_does_not_undo_a_change_made_meanwhile(people, card):
    mark = history_mark("client", card.id)
    alice_form = _form(card, phones=["+7 495 000-00-01"])
    carol_form = _form(card, name="Romashka Group")  # opened at the same time, still shows the old phone
    save_client(people.alice, card.id, alice_form, seen_mark=mark)

    with pytest.raises(EditConflict) as caught:
        save_client(people.carol, card.id, carol_form, seen_mark=mark)

    conflict = caught.value
    assert [(e.field, e.user_id, e.new_value) for e in conflict.entries] == [
        ("phones", people.alice.id, "+7 495 000-00-01")
    ]
    assert conflict.mark == history_mark("client", card.id) > mark
    saved = _fresh(Client, card.id)
    assert saved.phones == ["+7 495 000-00-01"] and saved.name == "Romashka LLC"  # nothing of Carol's save
    assert [r.user_name for r in history_rows(conflict.entries)] == ["Alice"]

    # Carol'saw the change and saves again from the refreshed form: her values win, knowingly.
    save_client(people.carol, card.id, carol_form, seen_mark=conflict.mark)
    saved = _fresh(Client, card.id)
    assert saved.name == "Romashka Group" and saved.phones == ["+7 495 123-45-67"]


def test_changes_of_other_fields_are_merged(people, card):
    mark = history_mark("client", card.id)
    save_client(people.alice, card.id, {"phones": ["+7 495 000-00-01"]}, seen_mark=mark)
    save_client(people.carol, card.id, {"name": "Romashka Group"}, seen_mark=mark)
    saved = _fresh(Client, card.id)
    assert (saved.name, saved.phones) == ("Romashka Group", ["+7 495 000-00-01"])


def test_the_same_change_made_twice_is_no_conflict(people, card):
    mark = history_mark("client", card.id)
    save_client(people.alice, card.id, _form(card, name="Romashka Group"), seen_mark=mark)
    save_client(people.carol, card.id, _form(card, name="Romashka Group"), seen_mark=mark)
    assert _fresh(Client, card.id).name == "Romashka Group"


def test_a_route_map_change_counts_too(people, card):
    mark = history_mark("client", card.id)
    form = _form(card, phones=["+7 495 000-00-02"])
    update_client(None, card.id, {"name": "Renamed by the process"})
    with pytest.raises(EditConflict) as caught:
        save_client(people.alice, card.id, form, seen_mark=mark)
    assert [(r.field, r.user_name) for r in history_rows(caught.value.entries)] == [("name", None)]
    assert _fresh(Client, card.id).phones == ["+7 495 123-45-67"]


def test_without_a_mark_the_save_overwrites_as_before(people, card):
    save_client(people.alice, card.id, {"name": "First"})
    save_client(people.carol, card.id, _form(card, name="Second"))
    assert _fresh(Client, card.id).name == "Second"


def test_a_conflict_leaves_no_history_row_behind(people, card):
    mark = history_mark("client", card.id)
    save_client(people.alice, card.id, _form(card, name="Alice's name"), seen_mark=mark)
    rows_before = db.session.query(ChangeLogEntry).count()
    with pytest.raises(EditConflict):
        save_client(
            people.carol, card.id, _form(card, name="Carol's name", inn=COMPANY_INNS[1]), seen_mark=mark
        )
    assert db.session.query(ChangeLogEntry).count() == rows_before
    assert _fresh(Client, card.id).inn == COMPANY_INNS[0]


def test_contact_person_and_potential_client_are_guarded_too(people, card):
    contact = add_contact(people.alice, card.id, {"full_name": "Ivan Petrov", "position": "Buyer"})
    mark = history_mark("contact", contact.id)
    save_contact(people.alice, contact.id, {"position": "Head of purchasing"}, seen_mark=mark)
    with pytest.raises(EditConflict) as caught:
        save_contact(
            people.carol, contact.id, {"full_name": "Ivan Petrov", "position": "Buyer"}, seen_mark=mark
        )
    assert caught.value.fields == {"position"}
    assert _fresh(ContactPerson, contact.id).position == "Head of purchasing"

    lead = create_lead(people.alice, {"name": "Pavel Orlov", "phone": "+7 903 555-44-33"})
    mark = history_mark("lead", lead.id)
    save_lead(people.alice, lead.id, {"phone": "+7 903 555-00-00"}, seen_mark=mark)
    with pytest.raises(EditConflict) as caught:
        save_lead(people.alice, lead.id, {"name": "Pavel", "phone": "+7 903 555-44-33"}, seen_mark=mark)
    assert caught.value.fields == {"phone"}  # the same person in another window is warned as well
    saved = _fresh(Lead, lead.id)
    assert (saved.name, saved.phone) == ("Pavel Orlov", "+7 903 555-00-00")
