"""A real worker process killed with SIGKILL in the middle of sending a letter, on SQLite and PostgreSQL with real
SMTP (aiosmtpd) and IMAP (Dovecot) servers: the letter still goes out exactly once.

The worker is a separate Python process running the outbox's own ``send_outbox_item`` through the application's
real mail connectors; a thin wrapper around them only announces (a file) that it reached the point where it is
to die, then waits to be killed there:

- after the SMTP server accepted the letter and its copy was stored in Sent, before the worker could commit
  ``sent``: the sweep finds the row ``sending`` with its lock run out, finds the letter in Sent by Message-ID,
  and marks it sent without sending it again;
- before the SMTP transaction: nothing reached the server; the sweep sends it once.

Also: many letters swept by two workers at once (PostgreSQL) — each goes out once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.mail.models import MailMessage, MailOutbox
from crm.mail.outbox import ALREADY_SENT, LOCK, SENT, send_due_letters
from engine.db import db, utcnow
from tests.integration.crm.mail.test_outgoing_real_servers import DroppingDispatcher, real_world

ROOT = Path(__file__).resolve().parents[4]
WAIT = 60.0  # how long the test waits for the worker to reach its point (a guard, never an assertion)

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    from tests.conftest import base_config
    from webui import create_app
    from crm.mail import transport
    from crm.mail.outbox import send_outbox_item

    uri, outbox_id, point, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=uri))

    def die_here():
        marker.write_text(point)
        while True:  # wait for SIGKILL
            time.sleep(1)

    with app.app_context():
        real_mailbox, real_mailer = transport._factories["mailbox"], transport._factories["mailer"]

        class Mailer:
            def __init__(self, settings):
                self.inner = real_mailer(settings)

            def send(self, raw, sender, recipients):
                if point == "before_smtp":
                    die_here()
                self.inner.send(raw, sender, recipients)

        class Mailbox:
            def __init__(self, settings):
                self.inner = real_mailbox(settings)

            def __enter__(self):
                self.inner.__enter__()
                return self

            def __exit__(self, *exc):
                return self.inner.__exit__(*exc)

            def __getattr__(self, name):
                return getattr(self.inner, name)

            def append(self, folder, raw, flags=()):
                uid = self.inner.append(folder, raw, flags)
                if point == "after_smtp_and_sent_copy":
                    die_here()
                return uid

        transport.install_transport(Mailbox, Mailer)
        send_outbox_item(outbox_id)
    """
)


def run_worker_and_kill(tmp_path: Path, outbox_id: int, point: str) -> None:
    """Start the worker, wait until it reports reaching ``point``, then SIGKILL it."""
    script, marker = tmp_path / "worker.py", tmp_path / f"reached-{point}"
    script.write_text(WORKER)
    uri = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, str(script), uri, str(outbox_id), point, str(marker)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
        while not marker.exists() and worker.poll() is None and datetime.now(UTC) < deadline:
            threading.Event().wait(0.05)
        if not marker.exists():
            output = worker.stdout.read().decode(errors="replace") if worker.poll() is not None else ""
            pytest.fail(f"the worker never reached {point!r}: {output[-3000:]}")
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(WAIT)
        if worker.stdout is not None:
            worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL


@pytest.fixture
def world(any_app, imap_user, smtp_server, dovecot):
    world = real_world(imap_user, smtp_server, dovecot)
    any_app.extensions["routemap.dispatcher"] = (
        DroppingDispatcher()
    )  # only the killed worker and the sweep send
    return world


def queue_reply(world) -> tuple[int, int]:
    from crm.mail.compose import LetterDraft, send_letter

    letter = send_letter(world.mary, LetterDraft(account_id=world.account.id, to="ivan@romashka.example",
                                                 subject="Offer", html="<p>Our offer</p>"))  # fmt: skip
    item = db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == letter.id)).one()
    return letter.id, item.id


def state_of(outbox_id: int) -> MailOutbox:
    db.session.expire_all()
    return db.session.get(MailOutbox, outbox_id)


def in_sent(world, message_id: str) -> list[int]:
    with world.imap_user.client() as client:
        client.select_folder("Sent", readonly=True)
        return list(client.search(["HEADER", "Message-ID", f"<{message_id}>"]))


def test_killed_after_the_server_took_the_letter_it_is_not_sent_again(world, tmp_path):
    letter_id, outbox_id = queue_reply(world)
    run_worker_and_kill(tmp_path, outbox_id, "after_smtp_and_sent_copy")
    assert len(world.smtp.messages) == 1  # the server has it; the worker died before it could say so
    item = state_of(outbox_id)
    assert item.state == "sending" and item.attempts == 1
    assert send_due_letters() == {}  # its lock still holds: nobody touches it yet
    assert send_due_letters(now=item.locked_until + timedelta(seconds=1)) == {ALREADY_SENT: 1}
    assert len(world.smtp.messages) == 1
    letter = db.session.get(MailMessage, letter_id, populate_existing=True)
    assert (state_of(outbox_id).state, letter.status) == ("sent", "sent")
    assert len(in_sent(world, letter.message_id)) == 1 and letter.folder_id == world.sent_folder.id


def test_killed_before_the_smtp_transaction_it_is_sent_once_later(world, tmp_path):
    letter_id, outbox_id = queue_reply(world)
    run_worker_and_kill(tmp_path, outbox_id, "before_smtp")
    assert world.smtp.messages == [] and state_of(outbox_id).state == "sending"
    later = utcnow() + LOCK + timedelta(seconds=1)
    assert send_due_letters(now=later) == {SENT: 1}
    assert send_due_letters(now=later + timedelta(hours=3)) == {}
    [received] = world.smtp.messages
    letter = db.session.get(MailMessage, letter_id, populate_existing=True)
    assert letter.message_id in received.raw.decode(errors="replace") and letter.status == "sent"
    assert len(in_sent(world, letter.message_id)) == 1
    assert state_of(outbox_id).last_error == "sent again after an interrupted attempt (not found in Sent)"


@pytest.mark.postgres
def test_two_sweeping_workers_send_each_letter_once(pg_app, imap_user, smtp_server, dovecot):
    world = real_world(imap_user, smtp_server, dovecot)
    pg_app.extensions["routemap.dispatcher"] = DroppingDispatcher()
    from crm.mail.outbox import SENT as SENT_OUTCOME

    ids = [queue_reply(world)[1] for _ in range(6)]
    outcomes: list[dict[str, int]] = []
    start = threading.Barrier(2)

    def sweeper() -> None:
        with pg_app.app_context():
            start.wait(WAIT)
            outcomes.append(send_due_letters())
            db.session.remove()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert sum(o.get(SENT_OUTCOME, 0) for o in outcomes) == 6
    assert len(smtp_server.messages) == 6
    assert sorted(state_of(i).state for i in ids) == ["sent"] * 6
