"""Steps of features/triggers.feature: the trigger library's route maps end to end on the real engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select, update

from connectors.mail.parsing import parse_message
from crm.clients.models import Client, Lead
from crm.clients.services import create_client
from crm.deals.models import Interest
from crm.deals.services import close_interest, create_interest
from crm.feed.models import FeedEntry
from crm.mail.models import MailAccount, MailMessage
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


@given(parsers.parse('the company writes to clients from the shared mail account "{address}"'))
def shared_account(world: World, address: str, smtp_server: Any) -> None:
    """A shared account whose SMTP server is a real one on 127.0.0.1 (aiosmtpd) that keeps what it gets."""
    account = MailAccount(name="Company", email_address=address, kind="shared", smtp_host=smtp_server.host,
                          smtp_port=smtp_server.port, smtp_security="none")  # fmt: skip
    db.session.add(account)
    db.session.commit()
    world.things.update(account_id=account.id, smtp=smtp_server)


@given("the shared mail account is switched off")
def account_off(world: World) -> None:
    db.session.get(MailAccount, world.things["account_id"]).is_active = False
    db.session.commit()


def letters_to(world: World, email: str) -> list[Any]:
    """What the SMTP server received for ``email`` (the outbox job sends right after the step commits)."""
    return [parse_message(m.raw) for m in world.things["smtp"].messages if email in m.rcpt_tos]


@then(parsers.parse('"{email}" gets a letter "{subject}" saying "{text}" on Monday at "{hhmm}"'))
def letter_on_monday(world: World, email: str, subject: str, text: str, hhmm: str) -> None:
    monday = moment(world, "Monday", "00:00").date().isoformat()
    [letter] = letters_to(world, email)
    assert letter.subject == subject and text in letter.text and f"{monday} {hhmm}" in letter.text, (
        letter.text
    )


@then(parsers.parse('"{email}" gets a letter "{subject}" saying "{text}"'))
def gets_letter(world: World, email: str, subject: str, text: str) -> None:
    [letter] = letters_to(world, email)
    assert letter.subject == subject and text in letter.text, (letter.subject, letter.text)
    assert letter.from_.address == db.session.get(MailAccount, world.things["account_id"]).email_address
    world.things["letter_message_id"] = letter.message_id


@then("the letter is in the Feed of the client")
def letter_in_feed(world: World) -> None:
    letter = db.session.scalars(
        select(MailMessage).where(MailMessage.message_id == world.things["letter_message_id"])
    ).one()
    entries = db.session.scalars(
        select(FeedEntry).where(FeedEntry.kind == "mail", FeedEntry.ref_id == letter.id)
    )
    assert [e.client_id for e in entries] == [world.things["client_id"]]


@then(parsers.parse('"{email}" got no letter'))
def no_letter(world: World, email: str) -> None:
    assert letters_to(world, email) == []
    assert db.session.scalars(select(MailMessage).where(MailMessage.direction == "out")).all() == []


@then(parsers.parse('a notice for "{email}" keeps "{text}"'))
def notice_kept(email: str, text: str) -> None:
    texts = [n.text for n in notifications(to_email=email)]
    assert len(texts) == 1 and text in texts[0], texts


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
