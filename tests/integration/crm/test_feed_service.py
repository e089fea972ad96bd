"""The Feed on SQLite and PostgreSQL: documents and process events of a client, contact, interest or
ticket, newest first, keyset-paged, filtered by kind, with "variant chosen" entries and access checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from crm.accounts.services import create_user, ensure_builtin_roles
from crm.clients.models import Client, ContactPerson, Lead
from crm.deals.models import Interest, InterestStage
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.errors import FeedScopeInvalid
from crm.feed.posting import post_feed_entry, reassign_feed_entries, remove_feed_entries, update_feed_entry
from crm.feed.services import FeedItem, feed_for
from crm.support.models import Ticket
from engine import events as ev
from engine.db import db
from engine.definition_model import ProcessDefinition

T0 = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def world(any_app: Flask) -> dict:
    ensure_builtin_roles()
    manager = create_user("manager", "Maria Manager", "manager", roles=["manager"], allow_short_password=True)
    other = create_user("manager2", "Oleg Other", "manager2", roles=["manager"], allow_short_password=True)
    stage = InterestStage(code="proposal", name="Proposal", sort_order=30)
    client = Client(name="ООО «Ромашка»", responsible_id=manager.id)
    db.session.add_all([stage, client])
    db.session.flush()
    contact = ContactPerson(client_id=client.id, full_name="Ivan Petrov")
    interest = Interest(client_id=client.id, contact_id=None, title="Supply of 40 chairs", stage_id=stage.id)
    ticket = Ticket(client_id=client.id, subject="Broken leg of a chair")
    definition = ProcessDefinition(key="sales", version=1, name="Sales", bpmn_xml="<x/>", sha256="0" * 64)
    db.session.add_all([contact, interest, ticket, definition])
    db.session.flush()
    w = {"manager": manager, "other": other, "client": client, "contact": contact, "interest": interest}
    w.update({"ticket": ticket, "definition": definition})
    docs = [
        ("interest", interest.id, "Interest: Supply of 40 chairs", at(0), {"interest_id": interest.id}),
        ("call", 11, "Incoming call", at(1), {"contact_id": contact.id, "interest_id": interest.id}),
        ("letter", 21, "Letter: price list", at(3), {"contact_id": contact.id}),
        ("note", 31, "Note", at(5), {}),
        ("proposal", 41, "Proposal No. 7", at(6), {"interest_id": interest.id}),
        ("letter", 22, "Letter: invoice", at(7), {"interest_id": interest.id}),
        ("ticket", ticket.id, "Appeal: Broken leg", at(8), {"ticket_id": ticket.id}),
    ]
    for kind, ref, title, when, owners in docs:
        post_feed_entry(
            kind=kind,
            ref_id=ref,
            title=title,
            occurred_at=when,
            author_id=manager.id,
            client_id=client.id,
            **owners,
        )
    events = [
        (ev.INSTANCE_STARTED, f"interest:{interest.id}", at(0), None, None, {}),
        (ev.TASK_CREATED, f"interest:{interest.id}", at(2), "Qualify", None, {}),  # not a Feed kind
        (ev.TASK_COMPLETED, f"interest:{interest.id}", at(4), "Qualify", manager.id, {}),
        (
            ev.VARIANT_CHOSEN,
            f"interest:{interest.id}",
            at(4),
            "Qualify",
            manager.id,
            {"gateway": "Gateway_1", "flow": "Flow_3", "variant": "Hot lead"},
        ),
        (ev.INSTANCE_STARTED, f"ticket:{ticket.id}", at(8), None, None, {}),
        (ev.INSTANCE_STARTED, "interest:999", at(9), None, None, {}),  # someone else's deal
    ]
    for kind, key, when, element, user, details in events:
        ev.record_event(
            instance_id=1,
            definition_id=definition.id,
            kind=kind,
            business_key=key,
            at=when,
            element_name=element,
            user_id=user,
            details=details,
        )
    db.session.commit()
    return w


def titles(items: list[FeedItem]) -> list[str]:
    return [i.title for i in items]


def test_client_feed_is_newest_first_with_documents_and_process_events(world: dict) -> None:
    page = feed_for(world["manager"], client_id=world["client"].id)
    assert page.next_cursor is None
    assert titles(page.entries) == [
        "Appeal: Broken leg",  # documents sort above events posted at the same instant
        "Process started: Sales",
        "Letter: invoice",
        "Proposal No. 7",
        "Note",
        "Variant chosen: Hot lead",  # same instant as its task: the later event first
        "Task completed: Qualify",
        "Letter: price list",
        "Incoming call",
        "Interest: Supply of 40 chairs",
        "Process started: Sales",
    ]  # hidden kinds (task created) and other deals' events are left out
    keys = [i.key for i in page.entries]
    assert keys == sorted(keys, reverse=True)
    assert all(i.author_name == "Maria Manager" for i in page.entries if i.source == "document")


def test_variant_chosen_entry_names_variant_task_and_who(world: dict) -> None:
    page = feed_for(world["manager"], interest_id=world["interest"].id, kinds=["variant_chosen"])
    [entry] = page.entries
    assert entry.title == "Variant chosen: Hot lead"
    assert entry.details["variant"] == "Hot lead" and entry.details["task_name"] == "Qualify"
    assert entry.author_name == "Maria Manager" and entry.interest_id == world["interest"].id
    assert "Qualify" in entry.summary and "Sales" in entry.summary


def test_paging_walks_every_entry_once_in_order(world: dict) -> None:
    everything = feed_for(world["manager"], client_id=world["client"].id, limit=100).entries
    walked: list[FeedItem] = []
    cursor = None
    pages = 0
    while True:
        page = feed_for(world["manager"], client_id=world["client"].id, limit=3, before=cursor)
        walked += page.entries
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [(i.source, i.id) for i in walked] == [(i.source, i.id) for i in everything]
    assert pages == 4  # 11 entries, 3 a page


def test_new_entries_do_not_shift_the_next_page(world: dict) -> None:
    first = feed_for(world["manager"], client_id=world["client"].id, limit=4)
    expected_next = feed_for(
        world["manager"], client_id=world["client"].id, limit=4, before=first.next_cursor
    )
    post_feed_entry(
        kind="note", ref_id=99, title="Brand new", occurred_at=at(60), client_id=world["client"].id
    )
    db.session.commit()
    again = feed_for(world["manager"], client_id=world["client"].id, limit=4, before=first.next_cursor)
    assert titles(again.entries) == titles(expected_next.entries)
    assert feed_for(world["manager"], client_id=world["client"].id, limit=1).entries[0].title == "Brand new"


def test_kind_filter(world: dict) -> None:
    letters = feed_for(world["manager"], client_id=world["client"].id, kinds=["letter"])
    assert titles(letters.entries) == ["Letter: invoice", "Letter: price list"]
    process = feed_for(world["manager"], client_id=world["client"].id, kinds=["process"])
    assert {i.source for i in process.entries} == {"process"} and len(process.entries) == 4
    mixed = feed_for(world["manager"], client_id=world["client"].id, kinds=["note", "variant_chosen"])
    assert titles(mixed.entries) == ["Note", "Variant chosen: Hot lead"]
    with pytest.raises(ValidationFailed):
        feed_for(world["manager"], client_id=world["client"].id, kinds=["gossip"])


def test_contact_interest_and_ticket_feeds(world: dict) -> None:
    contact = feed_for(world["manager"], contact_id=world["contact"].id)
    assert titles(contact.entries) == ["Letter: price list", "Incoming call"]
    interest = feed_for(world["manager"], interest_id=world["interest"].id)
    assert titles(interest.entries) == [
        "Letter: invoice",
        "Proposal No. 7",
        "Variant chosen: Hot lead",
        "Task completed: Qualify",
        "Incoming call",
        "Interest: Supply of 40 chairs",
        "Process started: Sales",
    ]
    ticket = feed_for(world["manager"], ticket_id=world["ticket"].id)
    assert titles(ticket.entries) == ["Appeal: Broken leg", "Process started: Sales"]


def test_access_and_scope_errors(world: dict) -> None:
    for scope in (
        {"client_id": world["client"].id},
        {"contact_id": world["contact"].id},
        {"interest_id": world["interest"].id},
        {"ticket_id": world["ticket"].id},
    ):
        with pytest.raises(AccessDenied):
            feed_for(world["other"], **scope)
    with pytest.raises(FeedScopeInvalid):
        feed_for(world["manager"])
    with pytest.raises(FeedScopeInvalid):
        feed_for(world["manager"], client_id=world["client"].id, interest_id=world["interest"].id)
    with pytest.raises(NotFound):
        feed_for(world["manager"], client_id=123456)
    with pytest.raises(ValidationFailed):
        feed_for(world["manager"], client_id=world["client"].id, before="not-a-cursor")


def test_update_remove_and_lead_conversion(world: dict) -> None:
    client_id = world["client"].id
    assert update_feed_entry("note", 31, title="Note (edited)", summary="<b>ignored</b>  text") == 1
    assert remove_feed_entries("letter", 22) == 1
    db.session.commit()
    page = feed_for(world["manager"], client_id=client_id, kinds=["note", "letter"])
    assert titles(page.entries) == ["Note (edited)", "Letter: price list"]

    lead = Lead(name="Anna from the website", responsible_id=world["manager"].id)
    db.session.add(lead)
    db.session.flush()
    post_feed_entry(kind="call", ref_id=77, title="Call from a stranger", occurred_at=at(30), lead_id=lead.id)
    db.session.commit()
    assert titles(feed_for(world["manager"], lead_id=lead.id).entries) == ["Call from a stranger"]
    assert reassign_feed_entries(from_lead_id=lead.id, to_client_id=client_id) == 1
    db.session.commit()
    assert feed_for(world["manager"], client_id=client_id, limit=1).entries[0].title == "Call from a stranger"
