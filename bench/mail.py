"""Incoming mail ingestion from a real IMAP server: letters stored, parsed, linked and posted to the Feed per
minute.

    .venv/bin/python bench/mail.py                  # 2,000 letters, SQLite in a temp folder
    .venv/bin/python bench/mail.py --pg             # the same on a throw-away PostgreSQL database
    .venv/bin/python bench/mail.py --letters 500 --json
    .venv/bin/python bench/mail.py --after-receive  # also time the after-receive jobs (route-map messages)

Starts a Dovecot of its own on 127.0.0.1 (the test suite's ``tests/mail_servers.py`` recipe; needs root and
``dovecot-imapd``), delivers ``--letters`` letters to one mailbox with IMAP APPEND (not timed) and then times
``crm.mail.ingest.sync_account`` from the first FETCH to the last commit: fetch over IMAP, MIME parsing, raw
bytes and attachments stored, linking by address / thread / appeal number, Responsible, sorting rules and
Feed rows. The mix: a third of the letters come from known contact persons (linked, posted to the Feed),
a tenth answer an earlier letter (thread), a tenth carry an appeal number, a tenth have a PDF attachment, a
tenth are windows-1251. The after-receive jobs (engine messages ``mail.received`` starting the shipped
trigger maps) are recorded, not run, unless ``--after-receive`` asks to time them separately.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from email.utils import formatdate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MAX_LETTERS = 20_000
PROCESSES = Path(__file__).resolve().parent.parent / "processes"


class RecordingDispatcher:
    """Keeps the jobs a sync queues (the after-receive work) instead of running them."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None:
        self.jobs.append((task_name, args))


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from tests.mail_servers import DovecotServer, _dovecot_unavailable, make_certificate

    reason = _dovecot_unavailable()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="routemap-bench-mail-"))
    root.chmod(0o755)
    cert, key = make_certificate(root)
    key.chmod(0o600)
    server = DovecotServer(root, cert, key)
    db_url, drop = _database(args, root)
    try:
        server.start()
        results = _run(args, server, db_url)
    finally:
        server.stop()
        if drop:
            drop()
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(results, sort_keys=True))
    else:
        _print(results)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--letters", type=int, default=2000, help=f"letters to deliver (at most {MAX_LETTERS})"
    )
    parser.add_argument("--pg", action="store_true", help="PostgreSQL on 127.0.0.1 instead of SQLite")
    parser.add_argument(
        "--after-receive", action="store_true", help="also run and time the after-receive jobs"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.letters <= MAX_LETTERS:
        parser.error(f"--letters must be between 1 and {MAX_LETTERS}")
    return args


def _database(args: argparse.Namespace, root: Path) -> tuple[str, Any]:
    if not args.pg:
        return f"sqlite:///{root / 'bench.db'}", None
    name = f"routemap_bench_mail_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def _letters(count: int, contacts: list[str]) -> list[bytes]:
    """The letters of the run (see the module docstring for the mix)."""
    letters: list[bytes] = []
    date = formatdate()
    pdf = base64.b64encode(b"%PDF-1.4\n" + os.urandom(6000)).decode()
    for n in range(count):
        known = n % 3 == 0
        sender = contacts[n % len(contacts)] if known else f"person{n}@prospect{n % 97}.example"
        subject = f"Question number {n} about desks"
        headers = [f"From: Sender {n} <{sender}>", "To: Sales <sales@bench.test>", f"Date: {date}",
                   f"Message-ID: <bench-{n}@bench.example>", "MIME-Version: 1.0"]  # fmt: skip
        if n % 10 == 1 and n > 10:
            headers.append(f"In-Reply-To: <bench-{n - 10}@bench.example>")
            headers.append(f"References: <bench-{n - 10}@bench.example>")
            subject = f"Re: {subject}"
        if n % 10 == 2:
            subject += f" [#I-{1 + n % 50}]"
        body = (
            f"Hello,\n\nwe would like {n % 40 + 1} desks and {n % 7 + 2} chairs.\nRegards,\nSender {n}\n" * 3
        )
        if n % 10 == 3:
            headers += [f"Subject: =?windows-1251?B?{base64.b64encode('Заявка'.encode('cp1251')).decode()}?=",
                        "Content-Type: text/plain; charset=windows-1251", "Content-Transfer-Encoding: 8bit"]  # fmt: skip
            raw = ("\r\n".join(headers) + "\r\n\r\n").encode() + ("Здравствуйте! " + body).encode("cp1251")
        elif n % 10 == 4:
            headers += [f"Subject: {subject}", 'Content-Type: multipart/mixed; boundary="b1"']
            raw = ("\r\n".join(headers) + "\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
                   + "\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
                   'filename="offer.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n' + pdf + "\r\n--b1--\r\n").encode()  # fmt: skip
        else:
            headers += [f"Subject: {subject}", "Content-Type: text/plain; charset=utf-8"]
            raw = ("\r\n".join(headers) + "\r\n\r\n" + body).encode()
        letters.append(raw)
    return letters


def _run(args: argparse.Namespace, server: Any, db_url: str) -> dict[str, Any]:
    from webui import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", "REDIS_URL": "", "TESTING": True,
                      "JOBS_EAGER": True})  # fmt: skip
    with app.app_context():
        from engine.db import db

        db.create_all()
        contacts = _company()
        user, password = f"bench{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        server.add_user(user, password)
        letters = _letters(args.letters, contacts)
        started = time.perf_counter()
        with server.client(user, password) as imap:
            for raw in letters:
                imap.append("INBOX", raw)
        delivered_s = time.perf_counter() - started
        account_id = _account(server, user, password)
        recorder = RecordingDispatcher()
        app.extensions["routemap.dispatcher"] = recorder
        from crm.mail.ingest import sync_account

        load_before = os.getloadavg()
        started = time.perf_counter()
        stored = 0
        while True:
            result = sync_account(account_id)
            if result.error or result.folder_errors:
                raise RuntimeError(f"sync failed: {result.error or result.folder_errors}")
            stored += result.stored
            if result.stored == 0:
                break
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()
        linked, feed_rows = _counts(account_id)
        results: dict[str, Any] = {
            "database": "postgresql" if args.pg else "sqlite",
            "letters": stored,
            "seconds": round(seconds, 2),
            "letters_per_min": round(stored / seconds * 60),
            "ms_per_letter": round(seconds / max(stored, 1) * 1000, 2),
            "linked_letters": linked,
            "feed_rows": feed_rows,
            "append_seconds": round(delivered_s, 2),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in load_after],
            "cpus": os.cpu_count(),
        }
        if stored != args.letters:
            raise RuntimeError(f"{args.letters} letters delivered but {stored} stored")
        if args.after_receive:
            results.update(_after_receive(app, recorder))
    return results


def _company() -> list[str]:
    """An administrator, a manager, 200 client companies each with a contact person; the contacts' e-mails."""
    from crm.accounts.models import User
    from crm.accounts.services import ensure_builtin_roles
    from crm.clients.models import EMAIL, Client, ContactDetail, ContactPerson
    from crm.deals.models import Interest
    from crm.deals.services import ensure_default_stages
    from engine.db import db

    roles = {r.code: r for r in ensure_builtin_roles()}
    stages = ensure_default_stages()
    manager = User(username="manager", full_name="Mary Manager", password_hash="!", roles=[roles["employee"]])
    db.session.add(manager)
    db.session.flush()
    addresses = []
    for n in range(200):
        client = Client(name=f"Client {n}", name_normalized=f"client {n}", responsible_id=manager.id)
        db.session.add(client)
        db.session.flush()
        contact = ContactPerson(client_id=client.id, full_name=f"Contact {n}")
        db.session.add(contact)
        db.session.flush()
        address = f"contact{n}@client{n}.example"
        db.session.add(ContactDetail(client_id=client.id, contact_id=contact.id, kind=EMAIL, value=address,
                                     normalized=address))  # fmt: skip
        if n < 50:
            db.session.add(Interest(client_id=client.id, title=f"Deal {n}", stage_id=stages[0].id,
                                    responsible_id=manager.id))  # fmt: skip
        addresses.append(address)
    db.session.commit()
    return addresses


def _account(server: Any, user: str, password: str) -> int:
    from crm.mail.models import MailAccount, MailAccountMember
    from crm.mail.secrets import encrypt_secret
    from engine.db import db

    account = MailAccount(
        name="Sales", email_address="sales@bench.test", imap_host=server.host, imap_port=server.port,
        imap_security="none", imap_username=user, imap_password_encrypted=encrypt_secret(password),
        smtp_host="", kind="shared",
    )  # fmt: skip
    db.session.add(account)
    db.session.flush()
    db.session.add(MailAccountMember(account_id=account.id, user_id=1, sender_name="Mary Manager"))
    db.session.commit()
    return account.id


def _counts(account_id: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from crm.feed.models import FeedEntry
    from crm.mail.models import MailMessage
    from engine.db import db

    linked = db.session.scalar(
        select(func.count()).where(MailMessage.account_id == account_id, MailMessage.client_id.is_not(None))
    )
    feed = db.session.scalar(select(func.count()).where(FeedEntry.kind == "letter"))
    db.session.rollback()
    return int(linked or 0), int(feed or 0)


def _after_receive(app: Any, recorder: RecordingDispatcher) -> dict[str, Any]:
    """Deploy the shipped maps and run the recorded after-receive jobs (two trigger maps start per letter)."""
    from crm.mail.incoming import after_receive
    from crm.mail.ingest import AFTER_RECEIVE
    from engine.definitions import deploy_path

    deploy_path([PROCESSES])
    letter_ids = [args[0] for name, args in recorder.jobs if name == AFTER_RECEIVE]
    started = time.perf_counter()
    for letter_id in letter_ids:
        after_receive(letter_id)
    seconds = time.perf_counter() - started
    from sqlalchemy import func, select

    from engine.db import db
    from engine.instance_model import ProcessInstance

    started_maps = int(db.session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)
    db.session.rollback()
    return {
        "after_receive_route_maps_started": started_maps,
        "after_receive_letters": len(letter_ids),
        "after_receive_seconds": round(seconds, 2),
        "after_receive_per_min": round(len(letter_ids) / seconds * 60) if seconds else None,
    }


def _print(results: dict[str, Any]) -> None:
    print(
        f"Incoming mail ingestion from Dovecot on 127.0.0.1 ({results['database']}, {results['cpus']} CPUs)"
    )
    print(f"  letters stored           {results['letters']} in {results['seconds']} s "
          f"(APPEND of the letters beforehand: {results['append_seconds']} s, not timed)")  # fmt: skip
    print(
        f"  letters per minute       {results['letters_per_min']}  ({results['ms_per_letter']} ms a letter)"
    )
    print(f"  linked to a client       {results['linked_letters']}; Feed rows {results['feed_rows']}")
    if "after_receive_per_min" in results:
        print(f"  after-receive jobs       {results['after_receive_letters']} in {results['after_receive_seconds']} s "
              f"({results['after_receive_per_min']} a minute; {results['after_receive_route_maps_started']} trigger "
              "route maps started)")  # fmt: skip
    print(f"  load average before/after {results['load_before']} / {results['load_after']}")


if __name__ == "__main__":
    raise SystemExit(main())
