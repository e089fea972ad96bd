"""The auto-responder (SPEC #40) on a fixed clock with the mail fakes: once per sender every 3 days, only in its
period and while on, never to robots, to ourselves or to old letters; the answer says Auto-Submitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.parsing import parse_message
from crm.mail.autoreply import maybe_autoreply
from crm.mail.models import MailAutoreplyLog
from crm.mail.transport import use_transport
from engine.db import db
from tests.unit.crm.mail.test_outgoing_world import make_world, store_incoming

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(app):
    mailbox, mailer = InMemoryMailbox(("INBOX",)), RecordingMailer()
    mailbox.add_folder("Sent", "sent")
    with use_transport(mailbox.factory, mailer.factory):
        world = make_world()
        world.mailer = mailer
        account = world.account
        account.autoreply_enabled = True
        account.autoreply_from, account.autoreply_until = T0 - timedelta(days=1), T0 + timedelta(days=30)
        account.autoreply_subject = "Away: {{appeal_number_reply}}"
        account.autoreply_body = "Hello {{client_name}},\nwe are on holiday until {{date}}."
        db.session.commit()
        yield world


def arrives(world, at, sender=("Ivan Petrov", "ivan@romashka.example"), headers=None, subject="Question"):
    return store_incoming(world, subject=subject, text="Hi", sender=sender, headers=headers, occurred_at=at)


def answer(world, letter, now):
    reply = maybe_autoreply(letter, now=now)
    db.session.commit()
    return reply


def test_answers_once_then_not_for_three_days_then_again(world):
    first = answer(world, arrives(world, T0), T0)
    assert first is not None
    [sent] = world.mailer.sent
    parsed = parse_message(sent.raw)
    assert sent.recipients == ("ivan@romashka.example",)
    assert parsed.auto_submitted == "auto-replied"
    assert (
        parsed.subject == f"Away: [#I-{world.interest.id}]"
        and "Hello Romashka," in parsed.text
        and "we are on holiday" in parsed.text
    )
    later = T0 + timedelta(days=2, hours=23)
    assert answer(world, arrives(world, later), later) is None
    after = T0 + timedelta(days=3)
    assert answer(world, arrives(world, after), after) is not None
    assert len(world.mailer.sent) == 2
    [log] = db.session.scalars(select(MailAutoreplyLog)).all()
    assert (log.sender_address, log.replied_at) == ("ivan@romashka.example", after)


def test_each_sender_has_their_own_interval(world):
    assert answer(world, arrives(world, T0), T0) is not None
    other = arrives(world, T0, sender=("Anna", "Anna@Romashka.example"))
    assert answer(world, other, T0) is not None
    assert [s.recipients for s in world.mailer.sent] == [
        ("ivan@romashka.example",),
        ("anna@romashka.example",),
    ]


def test_the_reply_is_threaded_and_linked_like_the_letter(world):
    letter = arrives(world, T0, subject=f"Order [#I-{world.interest.id}]")
    reply = answer(world, letter, T0)
    parsed = parse_message(world.mailer.sent[0].raw)
    assert parsed.in_reply_to == letter.message_id and parsed.subject == f"Away: [#I-{world.interest.id}]"
    assert (reply.interest_id, reply.client_id, reply.thread_key) == (world.interest.id, world.client.id,
                                                                     letter.thread_key)  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        (("Robot", "ivan@romashka.example"), {"Auto-Submitted": "auto-generated"}),
        (("List", "ivan@romashka.example"), {"Precedence": "bulk"}),
        (("List", "ivan@romashka.example"), {"List-Id": "<news.romashka.example>"}),
        (("Mail Delivery", "mailer-daemon@romashka.example"), None),
        (("", "noreply@romashka.example"), None),
        (("Ourselves", "sales@co.example"), None),
    ],
)
def test_never_to_robots_or_ourselves(world, sender, headers):
    assert answer(world, arrives(world, T0, sender=sender, headers=headers), T0) is None
    assert world.mailer.sent == [] and db.session.scalars(select(MailAutoreplyLog)).all() == []


def test_only_while_on_and_inside_its_period(world):
    letter = arrives(world, T0)
    too_early = world.account.autoreply_from - timedelta(seconds=1)
    assert answer(world, arrives(world, too_early), too_early) is None
    too_late = world.account.autoreply_until + timedelta(seconds=1)
    assert answer(world, arrives(world, too_late), too_late) is None
    world.account.autoreply_enabled = False
    db.session.commit()
    assert answer(world, letter, T0) is None
    assert world.mailer.sent == []


def test_an_old_letter_from_the_mailboxs_history_gets_no_answer(world):
    old = arrives(world, T0 - timedelta(days=5))
    assert answer(world, old, T0) is None


def test_an_outgoing_letter_gets_no_answer(world):
    letter = arrives(world, T0)
    letter.direction = "out"
    assert answer(world, letter, T0) is None
