"""A small company with a shared mailbox on the in-memory IMAP fake (real SQLite), for the incoming-mail tests.

Other ``test_incoming_*`` / ``test_rules_*`` / ``test_leads_*`` / ``test_letters_*`` / ``test_accounts_*``
modules import ``world_fixture`` (the ``world`` fixture) and ``letter`` (raw bytes of a letter) from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.interfaces import ServerSettings
from crm.accounts.models import Group, User
from crm.accounts.services import ensure_builtin_roles
from crm.clients.contacts import add_contact
from crm.clients.models import Client, ContactPerson
from crm.clients.services import create_client
from crm.deals.services import ensure_default_stages
from crm.mail.models import MailAccount, MailAccountMember, MailFolder, MailMessage
from crm.mail.secrets import encrypt_secret
from crm.mail.transport import use_transport
from engine.db import db

PROCESSES = Path(__file__).resolve().parents[4] / "processes"


def letter(
    *,
    sender: str = "Ivan Petrov <ivan@client.example>",
    to: str = "Sales <sales@co.example>",
    subject: str = "Question",
    body: str = "Hello, how much are 20 desks?",
    message_id: str | None = None,
    extra_headers: str = "",
    cc: str = "",
    date: str | None = None,
) -> bytes:
    """A plain text letter (UTF-8, quoted-printable-free) as the server would hold it."""
    counter = next(_ids)
    mid = message_id or f"<m{counter}@client.example>"
    headers = [
        f"From: {sender}",
        f"To: {to}",
        *([f"Cc: {cc}"] if cc else []),
        f"Subject: {subject}",
        f"Message-ID: {mid}",
        f"Date: {date or formatdate()}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if extra_headers:
        headers += [h for h in extra_headers.strip().splitlines() if h.strip()]
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


def _counter() -> Any:
    n = 0
    while True:
        n += 1
        yield n


_ids = _counter()


@dataclass
class World:
    app: Flask
    mailbox: InMemoryMailbox
    mailer: RecordingMailer
    account: MailAccount
    admin: User
    mary: User  # employee, sales group, member of the account
    oleg: User  # employee, member of the account
    sam: User  # employee, support group, not a member
    client: Client  # responsible: mary
    contact: ContactPerson  # of client, ivan@client.example
    mailboxes: dict[str, InMemoryMailbox] = field(default_factory=dict)

    def folder(self, name: str) -> MailFolder:
        return db.session.scalars(
            select(MailFolder).where(MailFolder.account_id == self.account.id, MailFolder.name == name)
        ).one()

    def letters(self, **where: Any) -> list[MailMessage]:
        db.session.expire_all()
        query = select(MailMessage).where(MailMessage.account_id == self.account.id)
        for key, value in where.items():
            query = query.where(getattr(MailMessage, key) == value)
        return list(db.session.scalars(query.order_by(MailMessage.id)))

    def sync(self) -> Any:
        from crm.mail.ingest import sync_account

        result = sync_account(self.account.id)
        db.session.expire_all()
        return result


class MailboxSession:
    """One session on the shared in-memory server. The fake is server and session in one object; with eager
    jobs an outbox job opens and closes its own session in the middle of a sync, which must not close the
    sync's session (two IMAP connections to a real server do not either)."""

    def __init__(self, box: InMemoryMailbox) -> None:
        self.box = box

    def __enter__(self) -> MailboxSession:
        self.box.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.box.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.box, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.box.is_open = True
            return attribute(*args, **kwargs)

        return call


def make_user(username: str, roles: list[Any], groups: list[Group] = ()) -> User:  # type: ignore[assignment]
    user = User(username=username, full_name=username.title(), roles=roles, groups=list(groups),
                email=f"{username}@co.example")  # fmt: skip
    db.session.add(user)
    return user


def build_account(
    name: str = "Sales", address: str = "sales@co.example", host: str = "imap.test"
) -> MailAccount:
    account = MailAccount(
        name=name, email_address=address, imap_host=host, imap_port=993, imap_username=address,
        imap_password_encrypted=encrypt_secret("secret"), smtp_host="smtp.test",
        smtp_password_encrypted=encrypt_secret("secret"),
    )  # fmt: skip
    db.session.add(account)
    db.session.flush()
    return account


@pytest.fixture(name="world")
def world_fixture(app: Flask) -> Any:
    roles = {r.code: r for r in ensure_builtin_roles()}
    ensure_default_stages()
    sales = Group(code="sales", name="Sales")
    support = Group(code="support", name="Support")
    db.session.add_all([sales, support])
    admin = make_user("admin", [roles["administrator"]])
    mary = make_user("mary", [roles["employee"]], [sales])
    oleg = make_user("oleg", [roles["employee"]])
    sam = make_user("sam", [roles["employee"]], [support])
    db.session.commit()
    account = build_account()
    db.session.add_all([MailAccountMember(account_id=account.id, user_id=mary.id, sender_name="Mary Seller"),
                        MailAccountMember(account_id=account.id, user_id=oleg.id)])  # fmt: skip
    db.session.commit()
    client = create_client(admin, {"name": "Client Co", "kind": "company", "responsible_id": mary.id,
                                   "emails": ["office@client.example"]})  # fmt: skip
    contact = add_contact(admin, client.id, {"full_name": "Ivan Petrov", "emails": ["Ivan@Client.example"]})
    mailbox, mailer = InMemoryMailbox(("INBOX",)), RecordingMailer()
    mailbox.add_folder("Sent", "sent")
    mailbox.add_folder("Trash", "trash")
    mailbox.add_folder("Leads")
    boxes = {"imap.test": mailbox}

    def mailbox_for(settings: ServerSettings) -> MailboxSession:
        return MailboxSession(boxes[settings.host].factory(settings))

    with use_transport(mailbox_for, mailer.factory):
        yield World(app, mailbox, mailer, account, admin, mary, oleg, sam, client, contact, boxes)
