"""The ``mail/send`` operation with the mail fakes: the address from the client card, the default shared
account, the responsible's sender name and signature, threading, and the in-app fallback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.parsing import parse_message
from crm.errors import ValidationFailed
from crm.mail.models import MailMessage
from crm.mail.operations import email_alert, send_mail_operation
from crm.mail.transport import use_transport
from crm.processes_models import ProcessNotification
from engine.db import db
from engine.operations import get_operation
from tests.unit.crm.mail.test_outgoing_world import make_world


@pytest.fixture
def world(app):
    mailbox, mailer = InMemoryMailbox(("INBOX",)), RecordingMailer()
    mailbox.add_folder("Sent", "sent")
    with use_transport(mailbox.factory, mailer.factory):
        world = make_world()
        world.mailer = mailer
        yield world


def test_the_clients_address_the_shared_account_and_the_responsibles_name_and_signature(world):
    result = send_mail_operation(subject="Payment received", text="Thank you!", client_id=world.client.id)
    db.session.commit()
    [sent] = world.mailer.sent
    parsed = parse_message(sent.raw)
    assert sent.recipients == ("ivan@romashka.example",) and result["to"] == "ivan@romashka.example"
    assert (parsed.from_.name, parsed.from_.address) == ("Mary from Sales", "sales@co.example")
    assert "Thank you!" in parsed.html and "Regards, Mary Seller" in parsed.html
    letter = db.session.get(MailMessage, result["letter_id"])
    assert (letter.client_id, letter.status, letter.created_by_id) == (world.client.id, "sent", world.mary.id)


def test_a_business_key_links_the_letter_and_to_overrides_the_card(world):
    result = send_mail_operation(subject="Hi", text="x", to="Boss <boss@romashka.example>",
                                 business_key=f"interest:{world.interest.id}")  # fmt: skip
    db.session.commit()
    letter = db.session.get(MailMessage, result["letter_id"])
    assert (letter.interest_id, letter.client_id) == (world.interest.id, world.client.id)
    assert world.mailer.sent[0].recipients == ("boss@romashka.example",)


def test_an_answer_in_the_thread_of_a_letter(world):
    result = send_mail_operation(subject="Re: Prices", text="By Monday", reply_to_letter_id=world.incoming.id,
                                 client_id=world.client.id)  # fmt: skip
    db.session.commit()
    parsed = parse_message(world.mailer.sent[0].raw)
    assert parsed.in_reply_to == world.incoming.message_id and result["account_id"] == world.account.id


def test_without_an_account_the_fallback_keeps_the_message_as_before(world):
    world.account.is_active = False
    db.session.commit()
    result = send_mail_operation(subject="Payment", text="Thank you!", client_id=world.client.id,
                                 fallback_notice=True)  # fmt: skip
    db.session.commit()
    assert result["letter_id"] is None and result["notice"] and result["reason"] == "no shared mail account"
    [kept] = db.session.scalars(select(ProcessNotification)).all()
    assert (kept.channel, kept.to_email, kept.text) == ("email", "ivan@romashka.example", "Thank you!")
    assert world.mailer.sent == []
    with pytest.raises(ValidationFailed) as err:
        send_mail_operation(subject="Payment", text="x", client_id=world.client.id)
    assert err.value.field_errors == {"account_id": "cannot send the letter: no shared mail account"}


def test_without_an_address_the_responsible_is_told_in_the_app(world):
    from crm.clients.services import create_client

    silent = create_client(world.mary, {"name": "No Mail Ltd", "kind": "company"})
    result = send_mail_operation(
        subject="Payment", text="Thank you!", client_id=silent.id, fallback_notice=True
    )
    db.session.commit()
    [notice] = db.session.scalars(select(ProcessNotification)).all()
    assert (notice.channel, notice.user_id) == ("in_app", world.mary.id)
    assert notice.text == "Could not e-mail the client (no e-mail address): Thank you!"
    assert result["letter_id"] is None and world.mailer.sent == []
    with pytest.raises(ValidationFailed) as err:
        send_mail_operation(subject="Payment", text="x", client_id=silent.id)
    assert err.value.field_errors == {"to": "cannot send the letter: no e-mail address"}


def test_the_operation_is_registered_with_its_schema(world):
    operation = get_operation("mail/send")
    operation.validate({"subject": "Hi", "text": "x", "client_id": 1, "fallback_notice": True})
    with pytest.raises(ValueError, match="subject"):
        operation.validate({"text": "x"})


def test_an_alert_goes_to_the_user_from_the_shared_account_without_a_feed_entry(world):
    email_alert(world.mary, "SLA breaches: 25 > 10", "Reaction SLA breach rate is 25.")
    db.session.commit()
    [sent] = world.mailer.sent
    parsed = parse_message(sent.raw)
    assert sent.recipients == ("mary@co.example",) and parsed.subject == "SLA breaches: 25 > 10"
    assert parsed.auto_submitted == "auto-generated"
