"""Lead conversion moving history, relationships, merge, absences and permanent hand-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.absences.services import (
    active_deputies_of,
    create_absence,
    hand_over_clients,
    users_represented_by,
)
from crm.activities.models import Interaction, Note
from crm.activities.notes import add_note, list_notes
from crm.activities.services import add_interaction
from crm.clients.contacts import add_contact, list_contacts
from crm.clients.leads import convert_lead, create_lead, get_lead, list_leads
from crm.clients.merge import merge_clients
from crm.clients.relations import link_clients, relations_of
from crm.clients.services import client_history, create_client, get_client, list_clients
from crm.deals.models import Interest
from crm.deals.services import create_interest, ensure_default_stages, get_interest, list_interests
from crm.errors import AccessDenied, DuplicateFound, ValidationFailed
from crm.feed.models import FeedEntry
from crm.history import history_of
from crm.support.models import Ticket
from crm.support.services import create_ticket
from engine.db import db
from tests.integration.crm.conftest import COMPANY_INNS, People, client_data


def test_lead_conversion_moves_history_and_assigns_interest_manager(people: People) -> None:
    ensure_default_stages()
    lead = create_lead(people.alice, {"name": "Petr Ivanov", "company_name": "Vector LLC",
                                      "phone": "+7 912 000 11 22", "email": "petr@vector.example"})  # fmt: skip
    interest = create_interest(people.alice, {"lead_id": lead.id, "title": "Website"})
    # The lead's interest is worked by Bob: the new client must go to him.
    create_interest(people.admin, {"lead_id": lead.id, "title": "Hosting", "responsible_id": people.bob.id})
    call = add_interaction(people.alice, {"kind": "call", "direction": "incoming", "lead_id": lead.id})
    note = add_note(people.alice, {"lead_id": lead.id, "body_html": "<p>Wants a quote</p>"})
    ticket = create_ticket(people.alice, {"lead_id": lead.id, "subject": "Question"})

    client, contact = convert_lead(people.alice, lead.id)

    assert (client.name, client.kind, client.responsible_id) == ("Vector LLC", "company", people.bob.id)
    assert (contact.full_name, contact.phones, contact.emails) == ("Petr Ivanov", ["+7 912 000 11 22"],
                                                                    ["petr@vector.example"])  # fmt: skip
    for model, ident in (
        (Interest, interest.id),
        (Interaction, call.id),
        (Note, note.id),
        (Ticket, ticket.id),
    ):
        row = db.session.get(model, ident)
        assert (row.client_id, row.contact_id, row.lead_id) == (client.id, contact.id, lead.id)
    feed_clients = set(db.session.scalars(select(FeedEntry.client_id).where(FeedEntry.lead_id == lead.id)))
    assert feed_clients == {client.id}
    lead = get_lead(people.admin, lead.id)
    assert (lead.status, lead.converted_client_id) == ("converted", client.id)
    assert list_leads(people.alice) == ([], 0)
    # Bob now sees the client with its whole history; Alice still sees her own interest as its manager.
    assert {i.title for i in list_interests(people.bob, client_id=client.id)[0]} == {"Website", "Hosting"}
    assert [n.id for n in list_notes(people.bob, client_id=client.id)] == [note.id]
    assert get_interest(people.alice, interest.id).id == interest.id
    with pytest.raises(AccessDenied):
        get_client(people.alice, client.id)
    with pytest.raises(ValidationFailed):
        convert_lead(people.admin, lead.id)
    assert [r.action for r in history_of("lead", lead.id)] == ["convert", "create"]


def test_relations_are_visible_from_both_sides(people: People) -> None:
    parent = create_client(people.alice, client_data("Holding"))
    child = create_client(people.alice, client_data("Daughter"))
    rival = create_client(people.bob, client_data("Rival"))
    link_clients(people.alice, parent.id, child.id, "subsidiary")
    assert [(v.other_client_id, v.relation_type) for v in relations_of(people.alice, parent.id)] == [
        (child.id, "subsidiary")]  # fmt: skip
    assert [(v.other_client_id, v.relation_type) for v in relations_of(people.alice, child.id)] == [
        (parent.id, "parent")]  # fmt: skip
    with pytest.raises(AccessDenied):
        link_clients(people.alice, parent.id, rival.id, "competitor")
    with pytest.raises(ValidationFailed):
        link_clients(people.alice, parent.id, child.id, "friend")


def test_merge_moves_everything_and_records_it(people: People) -> None:
    ensure_default_stages()
    keep = create_client(people.alice, client_data("Romashka", phones=["+7 495 100-00-00"]))
    dup = create_client(people.alice, client_data("Romashka Ltd", inn=COMPANY_INNS[1], website="r.example",
                                                  phones=["+74951000000", "+7 495 200-00-00"]),
                        allow_duplicate=True)  # fmt: skip
    contact = add_contact(people.alice, dup.id, {"full_name": "Olga"})
    interest = create_interest(people.alice, {"client_id": dup.id, "title": "Deal"})
    other = create_client(people.alice, client_data("Partner"))
    link_clients(people.alice, dup.id, other.id, "partner")
    link_clients(people.alice, dup.id, keep.id, "partner")
    with pytest.raises(AccessDenied):
        merge_clients(people.bob, keep.id, dup.id)

    merged = merge_clients(people.alice, keep.id, dup.id)

    assert (merged.inn, merged.website) == (COMPANY_INNS[1], "r.example")
    assert sorted(merged.phones) == ["+7 495 100-00-00", "+7 495 200-00-00"]
    assert [c.id for c in list_contacts(people.alice, keep.id)] == [contact.id]
    assert db.session.get(Interest, interest.id).client_id == keep.id
    assert [(v.other_client_id, v.relation_type) for v in relations_of(people.alice, keep.id)] == [
        (other.id, "partner")]  # fmt: skip
    assert get_client(people.alice, dup.id).id == keep.id  # the old card resolves to the kept one
    assert {c.id for c in list_clients(people.alice)[0]} == {keep.id, other.id}
    assert any(
        r.action == "merge" and r.new_value.startswith(f"{dup.id}:")
        for r in client_history(people.alice, keep.id)
    )
    # The merged card no longer counts as a duplicate; the kept one does.
    with pytest.raises(DuplicateFound) as err:
        create_client(people.bob, client_data("X", inn=COMPANY_INNS[1]))
    assert [c.id for c in err.value.candidates] == [keep.id]


def test_absence_gives_the_deputy_access_for_its_period(people: People) -> None:
    client = create_client(people.bob, client_data("Bob's"))
    now = datetime.now(UTC)
    with pytest.raises(AccessDenied):
        create_absence(people.alice, people.bob.id, people.alice.id, now, now + timedelta(days=1))
    create_absence(
        people.bob, people.bob.id, people.dave.id, now - timedelta(hours=1), now + timedelta(days=7)
    )
    assert active_deputies_of(people.bob.id) == [people.dave.id]
    assert users_represented_by(people.dave.id) == [people.bob.id]
    assert users_represented_by(people.dave.id, now + timedelta(days=8)) == []
    assert get_client(people.dave, client.id).id == client.id
    assert [c.id for c in list_clients(people.dave)[0]] == [client.id]
    with pytest.raises(ValidationFailed):
        create_absence(people.admin, people.bob.id, people.dave.id, now, now - timedelta(days=1))


def test_hand_over_moves_open_work_and_logs_it(people: People) -> None:
    ensure_default_stages()
    client = create_client(people.bob, client_data("Leaving"))
    open_interest = create_interest(people.bob, {"client_id": client.id, "title": "Open"})
    closed = create_interest(people.bob, {"client_id": client.id, "title": "Closed"})
    from crm.deals.services import close_interest

    close_interest(people.bob, closed.id, "won")
    planned = add_interaction(people.bob, {"kind": "meeting", "client_id": client.id,
                                           "planned_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()})  # fmt: skip
    with pytest.raises(AccessDenied):
        hand_over_clients(people.carol, people.bob.id, people.alice.id)
    counts = hand_over_clients(people.admin, people.bob.id, people.alice.id)
    assert counts == {"clients": 1, "leads": 0, "interests": 1, "tickets": 0, "interactions": 1}
    db.session.expire_all()
    assert get_client(people.alice, client.id).responsible_id == people.alice.id
    assert db.session.get(Interest, open_interest.id).responsible_id == people.alice.id
    assert db.session.get(Interest, closed.id).responsible_id == people.bob.id
    assert db.session.get(Interaction, planned.id).responsible_id == people.alice.id
    assert next((r.action, r.old_value, r.new_value) for r in history_of("client", client.id)) == (
        "hand_over", str(people.bob.id), str(people.alice.id))  # fmt: skip
    with pytest.raises(AccessDenied):
        get_client(people.bob, client.id)
