"""``mail/send`` from the shipped trigger route maps, on SQLite and PostgreSQL with a real SMTP server: the
payment and answer-time triggers write to the client from the shared account, the letter sits in the client's
Feed; without an account the map falls back to the kept notice and still finishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.mail.parsing import parse_message
from crm.clients.services import create_client
from crm.feed.models import FeedEntry
from crm.mail.models import MailAccount, MailMessage
from crm.processes_models import ProcessNotification
from crm.triggers import configure_trigger
from engine.db import db
from engine.definitions import deploy_path
from engine.instance_model import ProcessInstance
from engine.messages import deliver_message
from tests.bdd.shipped import build_world

PROCESSES = Path(__file__).resolve().parents[4] / "processes"


@pytest.fixture
def company(any_app, smtp_server):
    world = build_world(deploy=False)
    deploy_path([PROCESSES / "trigger_payment_received.bpmn", PROCESSES / "trigger_answer_eta.bpmn"])
    account = MailAccount(name="Company", email_address="sales@company.example", kind="shared",
                          smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none")  # fmt: skip
    db.session.add(account)
    db.session.commit()
    client = create_client(world.user("mary"), {"name": "Romashka", "kind": "company",
                                                "emails": ["info@romashka.example"]})  # fmt: skip
    return world, account, client


def delivered(smtp_server) -> list:
    """What the SMTP server got: the outbox job runs right after the engine step that queued the letter."""
    return [(m.rcpt_tos, parse_message(m.raw)) for m in smtp_server.messages]


def test_the_payment_trigger_e_mails_the_client_and_the_feed_shows_it(company, smtp_server):
    world, _account, client = company
    configure_trigger(None, "payment_received", enabled=True)
    deliver_message("payment.received", None, {"client_id": client.id, "amount": 120000, "currency": "RUB",
                                               "email": ""}, now=world.now)  # fmt: skip
    [(rcpt, letter)] = delivered(smtp_server)
    assert rcpt == ["info@romashka.example"] and letter.subject == "Payment received"
    assert "We have received your payment of 120000 RUB. Thank you!" in letter.text
    assert (letter.from_.name, letter.from_.address) == ("Company", "sales@company.example")
    stored = db.session.scalars(select(MailMessage).where(MailMessage.direction == "out")).one()
    assert (stored.client_id, stored.status) == (client.id, "sent")
    entries = db.session.scalars(
        select(FeedEntry).where(FeedEntry.kind == "mail", FeedEntry.ref_id == stored.id)
    )
    assert [e.client_id for e in entries] == [client.id]
    [instance] = db.session.scalars(select(ProcessInstance)).all()
    assert instance.status == "completed"


def test_the_answer_time_trigger_answers_the_request_address(company, smtp_server):
    world = company[0]
    configure_trigger(None, "answer_eta", enabled=True)
    deliver_message("request.received", None, {"subject": "Price list", "email": "buyer@new.example",
                                               "lead_id": None, "client_id": None}, now=world.now)  # fmt: skip
    [(rcpt, letter)] = delivered(smtp_server)
    assert rcpt == ["buyer@new.example"] and letter.subject == "Re: Price list"
    assert "We will answer by" in letter.text


def test_without_a_mail_account_the_map_keeps_the_notice_and_finishes(company, smtp_server):
    world, account, client = company
    account.is_active = False
    db.session.commit()
    configure_trigger(None, "payment_received", enabled=True)
    deliver_message("payment.received", None, {"client_id": client.id, "amount": 5, "currency": "RUB",
                                               "email": "info@romashka.example"}, now=world.now)  # fmt: skip
    assert delivered(smtp_server) == []
    [kept] = db.session.scalars(select(ProcessNotification)).all()
    assert (kept.channel, kept.to_email) == ("email", "info@romashka.example")
    assert db.session.scalars(select(ProcessInstance)).one().status == "completed"
