"""Incoming mail end to end against a real Dovecot on 127.0.0.1, on SQLite and PostgreSQL: a delivered letter
shows up in the CRM and in the client's Feed, UIDs are tracked across syncs and a renumbered folder, old
charsets and broken MIME keep their bytes, lead letters start the route map, the shipped trigger maps run on
real letters, rules move letters on the server and forward them through a real SMTP server."""

from __future__ import annotations

import base64
import time
from email.utils import formatdate
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from imapclient.exceptions import LoginError
from sqlalchemy import select

from connectors.mail.parsing import parse_message
from crm.accounts.models import Group
from crm.clients.contacts import add_contact
from crm.clients.models import Lead
from crm.clients.services import create_client
from crm.deals.models import Interest
from crm.deals.services import create_interest, ensure_default_stages
from crm.feed.services import feed_for
from crm.mail.accounts import check_connection, create_account, set_lead_folders, set_members
from crm.mail.ingest import sync_account
from crm.mail.letters import move_letters
from crm.mail.models import MailFolder, MailMessage, MailRawMessage
from crm.mail.rules import create_rule
from crm.mail.secrets import encrypt_secret
from crm.processes_models import ProcessNotification
from crm.triggers import configure_trigger
from engine.db import db
from engine.definitions import deploy_path
from engine.instance_model import ProcessInstance

PROCESSES = Path(__file__).resolve().parents[4] / "processes"
_numbers = count(1)


def raw_letter(sender: str, subject: str, *, body: str = "Hello!", headers: str = "", mid: str = "") -> bytes:
    n = next(_numbers)
    lines = [f"From: {sender}", "To: Sales <sales@example.test>", f"Subject: {subject}", f"Date: {formatdate()}",
             f"Message-ID: {mid or f'<it{n}@client.example>'}", "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8", *[h for h in headers.splitlines() if h]]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def wait_for_login(user: Any, seconds: float = 10.0) -> None:
    """Readiness loop: Dovecot re-reads its passwd file at most once a second, so a user added a moment ago
    may not log in yet."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with user.client():
                return
        except LoginError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def mailbox(people: Any, imap_user: Any) -> Any:
    """A shared account on the Dovecot user's mailbox, Alice (sales) and Bob its members; a client with a
    contact person; the usual folders on the server."""
    wait_for_login(imap_user)
    for folder in ("Sent", "Trash", "Leads", "Orders"):
        imap_user.server.create_folder(imap_user.name, imap_user.password, folder)
    ensure_default_stages()
    account = create_account(people.admin, {
        "name": "Sales", "email_address": "sales@example.test", "imap_host": imap_user.server.host,
        "imap_port": imap_user.server.port, "imap_security": "none", "imap_username": imap_user.name,
        "imap_password": imap_user.password, "smtp_host": "127.0.0.1", "smtp_security": "none",
    })  # fmt: skip
    set_members(people.admin, account.id, [people.alice.id, people.bob.id])
    client = create_client(
        people.admin, {"name": "Client Co", "kind": "company", "responsible_id": people.alice.id}
    )
    contact = add_contact(
        people.admin, client.id, {"full_name": "Ivan Petrov", "emails": ["ivan@client.example"]}
    )
    return type("Mailbox", (), {"account": account, "user": imap_user, "people": people, "client": client,
                                "contact": contact})  # fmt: skip


def sync(mailbox: Any) -> Any:
    result = sync_account(mailbox.account.id)
    assert result.ok, (result.error, result.folder_errors)
    db.session.expire_all()
    return result


def letters(mailbox: Any) -> list[MailMessage]:
    db.session.expire_all()
    query = select(MailMessage).where(
        MailMessage.account_id == mailbox.account.id, MailMessage.direction == "in"
    )
    return list(db.session.scalars(query.order_by(MailMessage.id)))


def folder(mailbox: Any, name: str) -> MailFolder:
    return db.session.scalars(
        select(MailFolder).where(MailFolder.account_id == mailbox.account.id, MailFolder.name == name)
    ).one()


def test_a_letter_delivered_to_the_server_shows_up_in_the_crm_and_the_client_feed(mailbox):
    raw = raw_letter("Ivan Petrov <ivan@client.example>", "Need an offer", body="20 desks, please.")
    uid = mailbox.user.deliver(raw)
    assert sync(mailbox).stored == 1
    [stored] = letters(mailbox)
    assert (stored.uid, stored.subject, stored.snippet) == (uid, "Need an offer", "20 desks, please.")
    assert db.session.get(MailRawMessage, stored.raw_id).content == raw
    assert (stored.client_id, stored.contact_id, stored.responsible_id) == (
        mailbox.client.id, mailbox.contact.id, mailbox.people.alice.id)  # fmt: skip
    page = feed_for(mailbox.people.alice, client_id=mailbox.client.id, kinds=["letter"])
    assert [(e.title, e.ref_id) for e in page.entries] == [("Need an offer", stored.id)]
    assert {f.name: f.role for f in db.session.scalars(select(MailFolder))}["Sent"] == "sent"


def test_uids_are_tracked_across_syncs_and_a_renumbered_folder_is_not_stored_twice(mailbox):
    first = [raw_letter("a@client.example", f"letter {n}") for n in range(3)]
    for raw in first[:2]:
        mailbox.user.deliver(raw, "Orders")
    assert sync(mailbox).stored == 2
    mailbox.user.deliver(first[2], "Orders")
    assert sync(mailbox).stored == 1
    assert sync(mailbox).stored == 0
    orders = folder(mailbox, "Orders")
    validity, known = orders.uidvalidity, {m.message_id: m.id for m in letters(mailbox)}
    # The server loses the folder and gets the same letters back (a restore): a new UIDVALIDITY.
    mailbox.user.server.recreate_folder(mailbox.user.name, mailbox.user.password, "Orders")
    for raw in first:
        mailbox.user.deliver(raw, "Orders")
    mailbox.user.deliver(raw_letter("a@client.example", "letter after the restore"), "Orders")
    result = sync(mailbox)
    assert (result.stored, result.reattached) == (1, 3)
    stored = letters(mailbox)
    assert len(stored) == 4 and {m.message_id: m.id for m in stored[:3]} == known
    assert folder(mailbox, "Orders").uidvalidity != validity and {m.uid for m in stored} == {1, 2, 3, 4}


def test_old_charsets_and_broken_mime_are_stored_with_their_bytes(mailbox):
    cp1251 = (f"From: =?windows-1251?B?{base64.b64encode('Степан'.encode('cp1251')).decode()}?= <s@c.example>\r\n"
              "Subject: =?windows-1251?Q?=D1=F7=E5=F2?=\r\nContent-Type: text/plain; charset=windows-1251\r\n"
              "\r\n").encode() + "Оплата по счёту".encode("cp1251")  # fmt: skip
    koi8 = (f"From: k@c.example\r\nSubject: =?koi8-r?B?{base64.b64encode('Привет'.encode('koi8-r')).decode()}?=\r\n"
            "Content-Type: text/plain; charset=koi8-r\r\n\r\n").encode() + "Текст в КОИ-8".encode("koi8-r")  # fmt: skip
    broken = (b'From: b@c.example\r\nSubject: cut off\r\nContent-Type: multipart/mixed; boundary="Q"\r\n\r\n'
              b"--Q\r\nContent-Type: text/plain\r\n\r\nthe rest never came")  # fmt: skip
    for raw in (cp1251, koi8, broken):
        mailbox.user.deliver(raw)
    sync(mailbox)
    first, second, third = letters(mailbox)
    assert (first.from_name, first.subject, first.text_body.strip()) == ("Степан", "Счет", "Оплата по счёту")
    assert (second.subject, second.text_body.strip()) == ("Привет", "Текст в КОИ-8")
    assert "the rest never came" in third.text_body and third.parse_error
    # Dovecot may only normalise line ends; the bytes are what the server gave.
    kept = [db.session.get(MailRawMessage, m.raw_id).content for m in (first, second, third)]
    assert [k.replace(b"\r\n", b"\n") for k in kept] == [
        r.replace(b"\r\n", b"\n") for r in (cp1251, koi8, broken)
    ]


def test_a_lead_letter_in_a_lead_folder_starts_the_sale_route_map_and_the_answer_eta_trigger(mailbox):
    deploy_path([PROCESSES])
    configure_trigger(None, "answer_eta", enabled=True)
    db.session.add(Group(code="sales", name="Sales"))
    db.session.commit()
    sync(mailbox)
    set_lead_folders(mailbox.people.admin, mailbox.account.id, "selected", [folder(mailbox, "Leads").id], {})
    mailbox.user.deliver(raw_letter("Olga <olga@new.example>", "Chairs for the office"), "Leads")
    sync(mailbox)
    [stored] = letters(mailbox)
    lead = db.session.scalars(select(Lead)).one()
    interest = db.session.scalars(select(Interest)).one()
    sale = db.session.get(ProcessInstance, interest.process_instance_id)
    assert (sale.process_key, sale.business_key, sale.status) == (
        "sale",
        f"interest:{interest.id}",
        "running",
    )
    assert (stored.lead_id, stored.interest_id, stored.lead_scenario) == (lead.id, interest.id, "sales")
    assert stored.responsible_group_id == db.session.scalar(select(Group.id).where(Group.code == "sales"))
    assert (lead.name, lead.email) == ("Olga", "olga@new.example")
    # request.received: the "when to expect an answer" trigger wrote to her (queued in the outbox).
    [answer] = db.session.scalars(select(MailMessage).where(MailMessage.direction == "out"))
    assert answer.to_addresses[0]["address"] == "olga@new.example"
    assert answer.subject == "Re: Chairs for the office" and "We will answer by" in answer.text_body


def test_a_website_request_letter_creates_a_potential_client_and_an_interest(mailbox):
    deploy_path([PROCESSES])
    configure_trigger(None, "website_request", enabled=True, params={"website_sender": "forms@site.example"})
    mailbox.user.deliver(raw_letter("Website <forms@site.example>", "Request: 20 desks",
                                    headers="Reply-To: Anna Lee <anna@buyer.example>", body="Name: Anna Lee"))  # fmt: skip
    mailbox.user.deliver(raw_letter("someone@else.example", "not from the website"))
    sync(mailbox)
    request, other = letters(mailbox)
    lead = db.session.scalars(select(Lead)).one()
    assert (lead.name, lead.email, lead.source, lead.comment) == ("Anna Lee", "anna@buyer.example", "website",
                                                                  "Name: Anna Lee")  # fmt: skip
    interest = db.session.scalars(select(Interest)).one()
    assert (interest.lead_id, interest.title, interest.source) == (lead.id, "Request: 20 desks", "website")
    assert request.lead_id == lead.id and other.lead_id is None
    runs = db.session.scalars(
        select(ProcessInstance.status).where(ProcessInstance.process_key == "trigger_website_request")
    ).all()
    assert sorted(runs) == ["completed", "completed"]  # one opened the interest, the other ended at "Off"


def test_a_letter_on_an_interest_tells_its_manager(mailbox):
    deploy_path([PROCESSES])
    configure_trigger(None, "mail_on_interest", enabled=True)
    interest = create_interest(mailbox.people.alice, {"client_id": mailbox.client.id, "title": "Desks"})
    mailbox.user.deliver(raw_letter("Ivan <ivan@client.example>", f"Re: our offer [#I-{interest.id}]"))
    sync(mailbox)
    [stored] = letters(mailbox)
    assert stored.interest_id == interest.id
    [notice] = db.session.scalars(select(ProcessNotification).where(ProcessNotification.user_id.is_not(None)))
    assert notice.user_id == mailbox.people.alice.id
    assert notice.text == f"New letter from ivan@client.example: Re: our offer [#I-{interest.id}]"


def test_rules_move_on_the_server_and_forward_through_real_smtp(mailbox, smtp_server):
    mailbox.account.smtp_port = smtp_server.port
    db.session.commit()
    sync(mailbox)
    create_rule(mailbox.people.admin, {
        "account_id": mailbox.account.id, "name": "offers to the boss",
        "conditions": [{"field": "subject", "op": "contains", "value": "offer"}],
        "actions": [{"type": "forward_to", "address": "boss@partner.example"},
                    {"type": "move_to_folder", "folder_id": folder(mailbox, "Leads").id}],
    })  # fmt: skip
    raw = raw_letter("Ivan <ivan@client.example>", "An offer for you")
    mailbox.user.deliver(raw)
    result = sync(mailbox)
    assert (result.stored, result.reattached) == (1, 1)  # stored from INBOX, found again in Leads
    [stored] = letters(mailbox)
    assert stored.folder_id == folder(mailbox, "Leads").id and stored.uid == 1
    with mailbox.user.client() as imap:
        imap.select_folder("INBOX")
        assert imap.search("ALL") == []
        imap.select_folder("Leads")
        assert len(imap.search("ALL")) == 1
    [forward] = smtp_server.messages
    assert forward.rcpt_tos == ["boss@partner.example"]
    parsed = parse_message(forward.raw)
    assert "An offer for you" in parsed.subject
    [original] = [a for a in parsed.attachments if a.content_type == "message/rfc822"]
    assert parse_message(original.content).message_id == stored.message_id


def test_moving_a_letter_to_the_trash_moves_it_on_the_server_and_marks_it_for_deletion(mailbox):
    mailbox.user.deliver(raw_letter("Ivan <ivan@client.example>", "to be deleted"))
    sync(mailbox)
    [stored] = letters(mailbox)
    move_letters(mailbox.people.alice, [stored.id], folder(mailbox, "Trash").id)
    assert sync(mailbox).reattached == 1
    [again] = letters(mailbox)
    assert (again.id, again.folder_id, again.marked_for_deletion) == (
        stored.id,
        folder(mailbox, "Trash").id,
        True,
    )
    with mailbox.user.client() as imap:
        imap.select_folder("INBOX")
        assert imap.search("ALL") == []


def test_the_connection_check_and_a_sync_say_what_is_wrong_with_a_bad_password(mailbox):
    assert not [p for p in check_connection(mailbox.account.id) if p.startswith("IMAP")]
    mailbox.account.imap_password_encrypted = encrypt_secret("wrong")
    db.session.commit()
    [problem, *_] = check_connection(mailbox.account.id)
    assert problem.startswith("IMAP: ") and "password" in problem.lower()
    result = sync_account(mailbox.account.id)
    db.session.expire_all()
    assert result.error and mailbox.account.last_error == result.error
