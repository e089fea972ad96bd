"""The auto-responder (SPEC #40) on a fixed clock against a real SMTP server, on SQLite and PostgreSQL: one
answer, none again within 3 days, another after; and on PostgreSQL two workers handling letters of the same
sender at the same moment answer once (the second waits on the first's row, then finds it taken)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from connectors.mail.parsing import parse_message
from crm.mail.autoreply import maybe_autoreply
from crm.mail.models import MailAccount, MailAutoreplyLog, MailMessage
from engine.db import db
from tests.unit.crm.mail.test_outgoing_world import make_world, store_incoming

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
WAIT = 30.0  # seconds a thread may take to reach its point before the test gives up (never an assertion)


def responder_world(smtp_server):
    world = make_world(smtp=(smtp_server.host, smtp_server.port), imap=None)
    account = world.account
    account.autoreply_enabled = True
    account.autoreply_from, account.autoreply_until = T0 - timedelta(days=1), T0 + timedelta(days=30)
    account.autoreply_body = "We are away; {{client_name}}, you will hear from us soon."
    db.session.commit()
    world.smtp = smtp_server
    return world


def arrives(world, at):
    return store_incoming(world, subject="Question", text="Hi", occurred_at=at)


def answer(letter, now):
    reply = maybe_autoreply(letter, now=now)
    db.session.commit()
    return reply


def test_answers_once_not_again_within_three_days_and_again_after(any_app, smtp_server):
    world = responder_world(smtp_server)
    assert answer(arrives(world, T0), T0) is not None
    [received] = smtp_server.messages
    parsed = parse_message(received.raw)
    assert received.rcpt_tos == ["ivan@romashka.example"] and parsed.auto_submitted == "auto-replied"
    assert "Romashka, you will hear from us soon." in parsed.text
    for hours in (1, 30, 71):
        at = T0 + timedelta(hours=hours)
        assert answer(arrives(world, at), at) is None
    assert len(smtp_server.messages) == 1
    after = T0 + timedelta(days=3, minutes=1)
    assert answer(arrives(world, after), after) is not None
    assert len(smtp_server.messages) == 2


def _waiting_locks() -> int:
    return int(db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")) or 0)


def _race(app, first_id: int, second_id: int, now: datetime) -> list[object]:
    """Worker A answers and holds its transaction until worker B waits on A's row lock; then A commits and B
    goes on. Returns [A's reply id or None, B's]."""
    results: list[object] = [None, None]
    a_done, a_may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker(index: int, letter_id: int) -> None:
        try:
            with app.app_context():
                if index == 1:
                    a_done.wait(WAIT)
                reply = maybe_autoreply(db.session.get(MailMessage, letter_id), now=now)
                results[index] = reply.id if reply is not None else None
                if index == 0:
                    a_done.set()
                    a_may_commit.wait(WAIT)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # surfaced in the test thread
            errors.append(exc)
            a_done.set()

    threads = [threading.Thread(target=worker, args=(i, lid)) for i, lid in enumerate((first_id, second_id))]
    for thread in threads:
        thread.start()
    a_done.wait(WAIT)
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
    while not _waiting_locks() and datetime.now(UTC) < deadline and not errors:
        db.session.rollback()  # a fresh snapshot of pg_locks each time
        threading.Event().wait(0.01)
    db.session.rollback()
    a_may_commit.set()
    for thread in threads:
        thread.join(WAIT)
    if errors:
        raise errors[0]
    return results


@pytest.mark.postgres
def test_two_workers_answer_a_first_letter_once(pg_app, smtp_server):
    world = responder_world(smtp_server)
    first, second = arrives(world, T0), arrives(world, T0)
    results = _race(pg_app, first.id, second.id, T0)
    assert results[0] is not None and results[1] is None
    assert db.session.scalar(select(func.count()).select_from(MailAutoreplyLog)) == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.postgres
def test_two_workers_answer_once_when_the_interval_has_passed(pg_app, smtp_server):
    world = responder_world(smtp_server)
    db.session.add(MailAutoreplyLog(account_id=world.account.id, sender_address="ivan@romashka.example",
                                    replied_at=T0 - timedelta(days=4)))  # fmt: skip
    db.session.commit()
    first, second = arrives(world, T0), arrives(world, T0)
    results = _race(pg_app, first.id, second.id, T0)
    assert results[0] is not None and results[1] is None
    [log] = db.session.scalars(select(MailAutoreplyLog)).all()
    assert log.replied_at == T0 and len(smtp_server.messages) == 1
    assert db.session.get(MailAccount, world.account.id).autoreply_enabled
