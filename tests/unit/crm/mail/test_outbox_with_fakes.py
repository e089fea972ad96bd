"""The transactional outbox against the in-memory mail fakes (real SQLite): queued with the change that causes
the letter, sent after the commit, retried with backoff, failed with a reason, never sent twice when a killed
worker's letter is already in Sent."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.parsing import parse_message
from crm.accounts.models import User
from crm.mail.models import (
    MailAccount,
    MailAccountMember,
    MailFolder,
    MailMessage,
    MailOutbox,
    MailRawMessage,
)
from crm.mail.outbox import (
    ALREADY_SENT,
    MAX_ATTEMPTS,
    SENT,
    SKIPPED,
    backoff,
    retry_letter,
    send_due_letters,
    send_outbox_item,
)
from crm.mail.outgoing import OutgoingDraft, create_outgoing_letter
from crm.mail.secrets import encrypt_secret
from crm.mail.transport import use_transport
from engine.db import db, utcnow


class DroppingDispatcher:
    """A worker that never runs the job (it crashed before sending)."""

    def __init__(self) -> None:
        self.dropped: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None:
        self.dropped.append((task_name, args))


@pytest.fixture
def world(app):
    mailbox, mailer = InMemoryMailbox(("INBOX",)), RecordingMailer()
    mailbox.add_folder("Sent", "sent")
    user = User(username="mary", full_name="Mary Seller", email="mary@co.example")
    account = MailAccount(name="Sales", email_address="sales@co.example", smtp_host="smtp.test",
                          imap_host="imap.test", smtp_password_encrypted=encrypt_secret("pw"))  # fmt: skip
    db.session.add_all([user, account])
    db.session.flush()
    db.session.add(MailAccountMember(account_id=account.id, user_id=user.id))
    sent_folder = MailFolder(account_id=account.id, name="Sent", role="sent")
    db.session.add(sent_folder)
    db.session.commit()
    with use_transport(mailbox.factory, mailer.factory):
        yield SimpleNamespace(app=app, mailbox=mailbox, mailer=mailer, user=user, account=account,
                              sent_folder=sent_folder)  # fmt: skip


def queue(world, subject="Offer", commit=True) -> int:
    draft = OutgoingDraft(account=world.account, from_name="Mary Seller", subject=subject, html="<p>Hello</p>",
                          to=[{"name": "Ivan", "address": "ivan@client.example"}], author_id=world.user.id)  # fmt: skip
    letter = create_outgoing_letter(draft)
    letter_id = letter.id
    if commit:
        db.session.commit()
    return letter_id


def outbox_of(letter_id: int) -> MailOutbox:
    db.session.expire_all()
    return db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == letter_id)).one()


def test_a_letter_goes_out_after_the_commit_and_its_copy_lands_in_sent(world):
    letter_id = queue(world)
    letter = db.session.get(MailMessage, letter_id)
    assert [s.recipients for s in world.mailer.sent] == [("ivan@client.example",)]
    sent = world.mailer.sent[0]
    assert sent.sender == "sales@co.example"
    assert parse_message(sent.raw).message_id == letter.message_id
    assert (letter.status, outbox_of(letter_id).state) == ("sent", "sent")
    raw = db.session.get(MailRawMessage, letter.raw_id)
    assert (
        world.mailbox.uids("Sent") == [1] and world.mailbox.message("Sent", 1).raw == raw.content == sent.raw
    )
    assert (letter.folder_id, letter.uid) == (world.sent_folder.id, 1)


def test_a_rolled_back_change_sends_nothing(world):
    queue(world, commit=False)
    db.session.rollback()
    assert world.mailer.sent == [] and db.session.scalars(select(MailOutbox)).all() == []


def test_a_job_lost_with_its_worker_is_sent_once_by_the_sweep(world):
    world.app.extensions["routemap.dispatcher"] = dropping = DroppingDispatcher()
    letter_id = queue(world)
    assert len(dropping.dropped) == 1 and world.mailer.sent == []
    assert outbox_of(letter_id).state == "pending"
    assert send_due_letters() == {SENT: 1}
    assert send_due_letters() == {}
    assert len(world.mailer.sent) == 1


def test_a_temporary_failure_backs_off_then_succeeds(world):
    world.mailer.fail_next(2)
    letter_id = queue(world)  # attempt 1 fails at once (451)
    item = outbox_of(letter_id)
    assert (item.state, item.attempts) == ("pending", 1)
    assert "Attempt 1 of 8 failed: smtp.test:465: 451 try again later" in item.last_error
    first_retry = item.next_attempt_at
    assert send_due_letters(now=first_retry - timedelta(seconds=1)) == {}  # not due yet
    assert send_due_letters(now=first_retry) == {"retry": 1}
    item = outbox_of(letter_id)
    assert item.attempts == 2 and item.next_attempt_at == first_retry + backoff(2)
    assert send_due_letters(now=item.next_attempt_at) == {SENT: 1}
    assert outbox_of(letter_id).state == "sent" and len(world.mailer.sent) == 1


def test_backoff_doubles_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == timedelta(hours=2)


def test_a_refusal_fails_at_once_with_the_reason(world):
    world.mailer.fail_next(1, permanent=True)
    letter_id = queue(world)
    item = outbox_of(letter_id)
    assert item.state == "failed" and item.attempts == 1
    assert item.last_error == "The server refused the letter: smtp.test:465: 550 mailbox unavailable"
    assert db.session.get(MailMessage, letter_id).status == "failed"
    assert send_due_letters(now=utcnow() + timedelta(days=1)) == {}


def test_after_the_last_attempt_the_letter_is_failed(world):
    world.mailer.fail_next(None)
    letter_id = queue(world)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS - 1):
        now = outbox_of(letter_id).next_attempt_at
        send_due_letters(now=now)
    item = outbox_of(letter_id)
    assert (item.state, item.attempts) == ("failed", MAX_ATTEMPTS)
    assert item.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts: ")
    assert world.mailer.attempts == MAX_ATTEMPTS and world.mailer.sent == []


def test_retry_puts_a_failed_letter_back_and_sends_it(world):
    world.mailer.fail_next(1, permanent=True)
    letter_id = queue(world)
    retry_letter(world.user, letter_id)
    assert outbox_of(letter_id).state == "sent" and len(world.mailer.sent) == 1
    assert db.session.get(MailMessage, letter_id).status == "sent"


def interrupted(world, letter_id: int) -> MailOutbox:
    """The row as a worker killed mid-send leaves it: ``sending``, its lock run out."""
    item = outbox_of(letter_id)
    item.state, item.attempts, item.locked_until = "sending", 1, utcnow() - timedelta(seconds=1)
    db.session.commit()
    return item


def test_a_killed_workers_letter_found_in_sent_is_not_sent_again(world):
    world.app.extensions["routemap.dispatcher"] = DroppingDispatcher()
    letter_id = queue(world)
    letter = db.session.get(MailMessage, letter_id)
    raw = db.session.get(MailRawMessage, letter.raw_id).content
    with world.mailbox:
        world.mailbox.append("Sent", raw)  # the server took it (and it was filed) before the worker died
    interrupted(world, letter_id)
    assert send_due_letters() == {ALREADY_SENT: 1}
    assert world.mailer.sent == [] and outbox_of(letter_id).state == "sent"
    assert db.session.get(MailMessage, letter_id).status == "sent"


def test_a_killed_workers_letter_missing_from_sent_is_sent_with_a_note(world):
    world.app.extensions["routemap.dispatcher"] = DroppingDispatcher()
    letter_id = queue(world)
    interrupted(world, letter_id)
    assert send_due_letters() == {SENT: 1}
    assert len(world.mailer.sent) == 1
    assert outbox_of(letter_id).last_error == "sent again after an interrupted attempt (not found in Sent)"


def test_a_letter_being_sent_is_not_claimed_twice(world):
    world.app.extensions["routemap.dispatcher"] = DroppingDispatcher()
    letter_id = queue(world)
    item = interrupted(world, letter_id)
    item.locked_until = utcnow() + timedelta(minutes=5)  # another worker holds it
    db.session.commit()
    assert send_outbox_item(item.id) == SKIPPED and send_due_letters() == {}
    assert world.mailer.sent == []


def test_an_unreachable_sent_folder_postpones_an_interrupted_letter_instead_of_risking_a_duplicate(world):
    world.app.extensions["routemap.dispatcher"] = DroppingDispatcher()
    letter_id = queue(world)
    interrupted(world, letter_id)
    world.mailbox.fail()
    assert send_due_letters() == {"retry": 1}
    item = outbox_of(letter_id)
    assert item.state == "pending" and "the Sent folder could not be checked" in item.last_error
    assert world.mailer.sent == []


def test_a_letter_taken_for_some_recipients_is_sent_with_the_refusal_noted(world):
    from connectors.mail.interfaces import MailRecipientsRefused

    refusal = MailRecipientsRefused("smtp.test:465: the letter went to ivan@client.example but the server "
                                    "refused gone@client.example (550 no such user)",
                                    refused={"gone@client.example": (550, "no such user")},
                                    accepted=["ivan@client.example"])  # fmt: skip
    world.mailer.fail_with(refusal)
    letter_id = queue(world)
    item = outbox_of(letter_id)
    assert item.state == "sent" and db.session.get(MailMessage, letter_id).status == "sent"
    assert (
        item.last_error.startswith("not delivered to everyone: ") and "gone@client.example" in item.last_error
    )
    assert world.mailbox.uids("Sent") == [1]


def test_a_letter_refused_for_everyone_fails(world):
    from connectors.mail.interfaces import MailRecipientsRefused

    world.mailer.fail_with(MailRecipientsRefused("smtp.test:465: the server refused every recipient",
                                                 refused={"ivan@client.example": (550, "no")}))  # fmt: skip
    letter_id = queue(world)
    assert outbox_of(letter_id).state == "failed" and world.mailbox.uids("Sent") == []
