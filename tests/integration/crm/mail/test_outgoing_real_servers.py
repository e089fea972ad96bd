"""Outgoing mail end to end on SQLite and PostgreSQL with a real SMTP server (aiosmtpd) and a real IMAP server
(Dovecot), through the application's own mail connectors: a reply with the From name, the signature's
autotext and an .eml; the copy in Sent; retries after 451; 550 failing with the reason; the attachment limit;
a lost job sent once by the sweep."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from connectors.mail.parsing import parse_message
from crm.errors import ValidationFailed
from crm.mail.compose import LetterDraft, new_letter_defaults, send_letter
from crm.mail.models import MailMessage, MailOutbox
from crm.mail.outbox import SENT, send_due_letters
from engine.db import db, utcnow
from tests.unit.crm.mail.test_outgoing_world import make_world


class DroppingDispatcher:
    """Jobs vanish (the worker that should run them crashed)."""

    def __init__(self) -> None:
        self.dropped: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None:
        self.dropped.append((task_name, args))


def real_world(imap_user, smtp_server, dovecot) -> SimpleNamespace:
    dovecot.create_folder(imap_user.name, imap_user.password, "Sent")
    world = make_world(
        address=imap_user.address,
        smtp=(smtp_server.host, smtp_server.port),
        imap=(dovecot.host, dovecot.port),
        imap_user=(imap_user.name, imap_user.password),
    )
    world.smtp, world.imap_user = smtp_server, imap_user
    return world


@pytest.fixture
def world(any_app, imap_user, smtp_server, dovecot):
    return real_world(imap_user, smtp_server, dovecot)


def in_sent(world, message_id: str) -> list[int]:
    with world.imap_user.client() as client:
        client.select_folder("Sent", readonly=True)
        return list(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))


def reply(world, **extra) -> MailMessage:
    defaults = new_letter_defaults(world.mary, world.account.id, reply_to_letter_id=world.incoming.id)
    draft = LetterDraft(account_id=world.account.id, to=defaults["to"], subject=defaults["subject"],
                        html=defaults["html"], reply_to_letter_id=world.incoming.id, **extra)  # fmt: skip
    return send_letter(world.mary, draft)


def outbox_of(letter_id: int) -> MailOutbox:
    db.session.expire_all()
    return db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == letter_id)).one()


def test_a_reply_reaches_the_server_with_the_sender_name_signature_and_eml_and_lands_in_sent(world):
    letter = reply(world, eml_letter_ids=[world.incoming.id])
    [received] = world.smtp.messages
    assert received.mail_from == world.imap_user.address
    assert received.rcpt_tos == ["ivan@romashka.example"]
    parsed = parse_message(received.raw)
    assert (parsed.from_.name, parsed.from_.address) == ("Mary from Sales", world.imap_user.address)
    assert "Regards, Mary Seller" in parsed.html and f"Ref. [#I-{world.interest.id}]" in parsed.html
    assert parsed.subject == f"Re: Prices [#I-{world.interest.id}]"
    assert parsed.in_reply_to == world.incoming.message_id
    [eml] = parsed.attachments
    assert eml.content_type == "message/rfc822"
    assert parse_message(eml.content).message_id == world.incoming.message_id
    letter = db.session.get(MailMessage, letter.id, populate_existing=True)
    assert letter.status == "sent" and outbox_of(letter.id).state == "sent"
    assert len(in_sent(world, letter.message_id)) == 1
    assert letter.folder_id == world.sent_folder.id and letter.uid == in_sent(world, letter.message_id)[0]


def test_a_temporary_refusal_is_retried_with_backoff_and_then_delivered(world):
    world.smtp.fail_next(1, code=451)
    letter = reply(world)
    item = outbox_of(letter.id)
    assert (item.state, item.attempts) == ("pending", 1) and "451" in item.last_error
    assert world.smtp.messages == []
    assert send_due_letters(now=item.next_attempt_at) == {SENT: 1}
    assert len(world.smtp.messages) == 1 and outbox_of(letter.id).state == "sent"


def test_a_permanent_refusal_fails_the_letter_with_the_servers_reason(world):
    world.smtp.reject_next(1, code=550)
    letter = reply(world)
    item = outbox_of(letter.id)
    assert item.state == "failed" and item.attempts == 1
    assert item.last_error.startswith("The server refused the letter: ") and "550" in item.last_error
    assert db.session.get(MailMessage, letter.id, populate_existing=True).status == "failed"
    assert send_due_letters(now=utcnow() + timedelta(days=1)) == {} and world.smtp.messages == []


def test_too_big_attachments_never_reach_the_server(world):
    big = ("catalogue.pdf", "application/pdf", b"x" * (2 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as err:
        reply(world, attachments=[big])
    assert "this account allows at most 1 MB" in err.value.field_errors["attachments"]
    assert world.smtp.messages == [] and db.session.scalars(select(MailOutbox)).all() == []


def test_a_letter_whose_job_was_lost_is_sent_once_by_the_sweep(world, any_app):
    world_app = any_app
    saved = world_app.extensions["routemap.dispatcher"]
    world_app.extensions["routemap.dispatcher"] = DroppingDispatcher()
    try:
        letter = reply(world)
    finally:
        world_app.extensions["routemap.dispatcher"] = saved
    assert world.smtp.messages == [] and outbox_of(letter.id).state == "pending"
    assert send_due_letters() == {SENT: 1}
    assert send_due_letters(now=utcnow() + timedelta(hours=1)) == {}
    assert len(world.smtp.messages) == 1 and len(in_sent(world, letter.message_id)) == 1


def test_a_refused_recipient_does_not_stop_the_letter_for_the_others(world):
    world.smtp.refuse_recipient("gone@romashka.example")
    letter = reply(world, cc="gone@romashka.example")
    [received] = world.smtp.messages
    assert received.rcpt_tos == ["ivan@romashka.example"]
    item = outbox_of(letter.id)
    assert item.state == "sent" and "gone@romashka.example" in item.last_error
    assert send_due_letters(now=utcnow() + timedelta(days=1)) == {} and len(world.smtp.messages) == 1
