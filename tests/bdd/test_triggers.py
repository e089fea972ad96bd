"""Steps of features/triggers.feature: the trigger library's route maps end to end on the real engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select, update

from crm.clients.models import Client, Lead
from crm.clients.services import create_client
from crm.deals.models import Interest
from crm.deals.services import close_interest, create_interest
from crm.triggers import configure_trigger
from engine.db import db
from engine.messages import deliver_message
from engine.start_triggers import sync_start_triggers
from engine.timers import fire_due_timers
from tests.bdd.shipped import MOSCOW, World, form_value, notifications

scenarios("triggers.feature")

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def moment(world: World, weekday: str, hhmm: str) -> datetime:
    """The next ``weekday`` at ``hhmm`` (Moscow) from the world's clock (today counts)."""
    today = world.now.astimezone(MOSCOW)
    ahead = (WEEKDAYS.index(weekday) - today.weekday()) % 7
    day = today.date() + timedelta(days=ahead)
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MOSCOW)


@given(parsers.parse('{owner}\'s client "{name}" with the address "{email}" has the interest "{title}"'))
def client_with_interest(world: World, owner: str, name: str, email: str, title: str) -> None:
    user = world.user(owner)
    client = create_client(user, {"name": name, "kind": "company", "emails": [email]})
    interest = create_interest(user, {"client_id": client.id, "title": title, "amount": 480000})
    world.things.update(client_id=client.id, interest_id=interest.id, email=email, owner=owner)


@given(parsers.parse('the trigger "{key}" is switched on'))
def switched_on(key: str) -> None:
    configure_trigger(None, key, enabled=True)


@given(parsers.parse('the trigger "{key}" is switched on with'))
def switched_on_with(key: str, datatable: Any) -> None:
    params = {row[0].strip(): form_value(row[1]) for row in datatable}
    if "run_at" in params:
        params["run_at"] = str(params["run_at"])
    configure_trigger(None, key, enabled=True, params=params)


@given(parsers.parse("it is {weekday} {hhmm}"))
@when(parsers.parse("it is {weekday} {hhmm}"))
def it_is(world: World, weekday: str, hhmm: str) -> None:
    world.now = moment(world, weekday, hhmm)
    fire_due_timers(now=world.now)


def _letter(world: World, sender: str, subject: str, **extra: Any) -> None:
    interest_id = extra.pop("interest_id", None)
    payload = {
        "sender": sender, "subject": subject, "interest_id": interest_id, "reply_to": sender,
        "client_name": "", "body_excerpt": "", **extra,
    }  # fmt: skip
    key = f"interest:{interest_id}" if interest_id else None
    deliver_message("mail.received", key, payload, now=world.now)


@when(parsers.parse('a letter from "{sender}" about "{subject}" arrives on the interest'))
def letter_on_interest(world: World, sender: str, subject: str) -> None:
    _letter(world, sender, subject, interest_id=world.things["interest_id"])


@when(parsers.parse('a letter from "{sender}" about "{subject}" arrives for "{name}" at "{reply_to}"'))
def letter_from_site(world: World, sender: str, subject: str, name: str, reply_to: str) -> None:
    _letter(world, sender, subject, client_name=name, reply_to=reply_to, body_excerpt="20 desks, 120x60")


@when(parsers.parse('a request "{subject}" arrives from "{email}"'))
def request_arrives(world: World, subject: str, email: str) -> None:
    payload = {"subject": subject, "email": email, "lead_id": None, "client_id": world.things["client_id"]}
    deliver_message("request.received", None, payload, now=world.now)


@when(parsers.parse("a payment of {amount:d} {currency} arrives from the client"))
def payment(world: World, amount: int, currency: str) -> None:
    payload = {"client_id": world.things["client_id"], "amount": amount, "currency": currency,
               "email": world.things["email"]}  # fmt: skip
    deliver_message("payment.received", None, payload, now=world.now)


@then(parsers.parse('"{email}" is told "{text}" on Monday at "{hhmm}"'))
def told_on_monday(world: World, email: str, text: str, hhmm: str) -> None:
    monday = moment(world, "Monday", "00:00").date().isoformat()
    texts = [n.text for n in notifications(to_email=email)]
    assert any(text in t and f"{monday} {hhmm}" in t for t in texts), texts


@then(parsers.parse('"{email}" is told "{text}"'))
def told(email: str, text: str) -> None:
    texts = [n.text for n in notifications(to_email=email)]
    assert len(texts) == 1 and text in texts[0], texts


@then(parsers.parse('"{email}" got no letter'))
def no_letter(email: str) -> None:
    assert notifications(to_email=email) == []


@then(parsers.parse('a potential client "{name}" exists with an interest "{title}" from the "{source}"'))
def lead_with_interest(name: str, title: str, source: str) -> None:
    lead = db.session.scalars(select(Lead).where(Lead.name == name)).one()
    interest = db.session.scalars(select(Interest).where(Interest.lead_id == lead.id)).one()
    assert (lead.source, interest.title, interest.source) == (source, title, source)


@then(parsers.parse("there is {count:d} potential client"))
def lead_count(count: int) -> None:
    assert db.session.scalar(select(func.count()).select_from(Lead)) == count


@given(parsers.parse("the client registered {days:d} days before {weekday}"))
def registered_before(world: World, days: int, weekday: str) -> None:
    at = moment(world, weekday, "12:00") - timedelta(days=days)
    db.session.execute(update(Client).where(Client.id == world.things["client_id"]).values(created_at=at))
    db.session.commit()


@given(parsers.parse("the interest was lost {days:d} days before {weekday}"))
def lost_before(world: World, days: int, weekday: str) -> None:
    interest_id = world.things["interest_id"]
    close_interest(None, interest_id, "lost", "Too expensive")
    at = moment(world, weekday, "12:00") - timedelta(days=days)
    db.session.execute(update(Interest).where(Interest.id == interest_id).values(closed_at=at))
    db.session.commit()


@given(parsers.parse("the daily schedule started on {weekday} at {hhmm}"))
def schedule_started(world: World, weekday: str, hhmm: str) -> None:
    sync_start_triggers(moment(world, weekday, hhmm))


@then(parsers.parse('{owner} has a new interest "{title}" for the client'))
def repeat_interest(world: World, owner: str, title: str) -> None:
    rows = db.session.scalars(select(Interest).where(Interest.title == title)).all()
    assert [(r.client_id, r.responsible_id, r.source, r.closed_at) for r in rows] == [
        (world.things["client_id"], world.user(owner).id, "repeat", None)
    ]


@then("no repeat interest was opened")
def no_repeat() -> None:
    assert db.session.scalars(select(Interest).where(Interest.source == "repeat")).all() == []
