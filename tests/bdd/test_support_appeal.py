"""Steps of features/support_appeal.feature: the ``support_appeal`` route map end to end on the real engine."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from crm.activities.models import Note
from crm.clients.services import create_client
from crm.processes import client_replied, reopen_ticket, start_ticket_process
from crm.support.models import AppealType, Ticket
from crm.support.services import create_ticket
from engine.db import db
from tests.bdd.shipped import World, variants

scenarios("support_appeal.feature")


@given("the appeal types")
def appeal_types(world: World, datatable: Any) -> None:
    _header, *rows = datatable
    for name, reaction, processing in rows:
        db.session.add(
            AppealType(name=name, reaction_sla=reaction.strip(), processing_sla=processing.strip())
        )
    db.session.commit()


@given(parsers.parse('{agent}\'s client "{name}"'))
def client_of(world: World, agent: str, name: str) -> None:
    user = world.user(agent)
    world.things["client_id"] = create_client(user, {"name": name, "kind": "company"}).id


@when(parsers.parse('{agent} registers the appeal "{subject}" of type "{kind}" with priority "{priority}"'))
def register(
    world: World, instance: dict[str, int], agent: str, subject: str, kind: str, priority: str
) -> None:
    user = world.user(agent)
    type_id = db.session.scalar(select(AppealType.id).where(AppealType.name == kind))
    ticket = create_ticket(
        user,
        {
            "subject": subject,
            "appeal_type_id": type_id,
            "priority": priority,
            "client_id": world.things["client_id"],
        },
    )
    world.things["ticket_id"] = ticket.id
    instance["id"] = start_ticket_process(user, ticket.id, now=world.now)


def _ticket(world: World) -> Ticket:
    row = db.session.get(Ticket, world.things["ticket_id"], populate_existing=True)
    assert row is not None
    return row


@when("the client replies to the appeal")
def replies(world: World) -> None:
    assert client_replied(
        world.things["ticket_id"], {"reply_excerpt": "It is a LaserJet 1020"}, now=world.now
    ).delivered_to


@when("the client reopens the appeal")
def reopens(world: World) -> None:
    assert reopen_ticket(None, world.things["ticket_id"], "It broke again", now=world.now).delivered_to


@then(parsers.parse('the appeal is "{status}"'))
def status_is(world: World, status: str) -> None:
    assert _ticket(world).status == status


@then(parsers.parse('the appeal is "{status}" and its first answer is recorded'))
def status_and_answer(world: World, status: str) -> None:
    ticket = _ticket(world)
    assert ticket.status == status
    assert ticket.first_response_at is not None


@then(parsers.parse('the appeal\'s variants are "{names}"'))
def appeal_variants(world: World, names: str) -> None:
    got = variants(f"ticket:{world.things['ticket_id']}")
    assert got == [n.strip() for n in names.split(",")], got


@then(parsers.parse("{who} does not have any open task"))
def no_open_task(world: World, instance: dict[str, int], who: str) -> None:
    user = world.user(who)
    assert [t.element_name for t in world.open_tasks(instance["id"]) if t.assignee_id == user.id] == []


@then(parsers.parse('the Feed of the appeal has the note "{text}"'))
def feed_note(world: World, text: str) -> None:
    notes = db.session.scalars(select(Note).where(Note.ticket_id == world.things["ticket_id"])).all()
    assert any(text in n.body_html for n in notes), [n.body_html for n in notes]
