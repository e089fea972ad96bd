"""The mail world the mail page tests share — a shared mailbox of Mary and Sveta with folders and letters stored
as rows (as the IMAP sync leaves them) — and the read queries behind the mail page, on SQLite and PostgreSQL:
folders with unread counts, keyset paging, every filter, "letters of the sender" and printing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from crm.accounts import services as accounts
from crm.errors import AccessDenied, ValidationFailed
from crm.mail import accounts as mail_accounts
from crm.mail import queries
from crm.mail.models import (
    MailAccount,
    MailAttachment,
    MailFolder,
    MailMessage,
    MailRawMessage,
)
from crm.mail.queries import LetterFilters
from engine.db import db
from tests.integration.webui.clients_fixtures import PASSWORD, build_world

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HTML_LETTER = (
    '<p>Hello <b>there</b> <a href="https://example.com/offer?id=7&amp;x=1">our offer</a></p>'
    '<img src="https://tracker.example.net/pixel.gif" alt="pixel">'
    "<script>alert('x')</script><p onclick=\"alert(1)\">Click</p>"
)


@dataclass
class MailWorld:
    manager: Any  # mary: member of the shared box
    other_manager: Any  # oleg: no mailbox
    agent: Any  # sveta: member of the shared box, in the "support" group
    admin: Any  # adam: administrator, no mailbox
    own_client: Any
    other_client: Any
    account: MailAccount
    inbox: MailFolder
    sent: MailFolder
    trash: MailFolder
    archive: MailFolder
    letters: list[MailMessage] = field(default_factory=list)  # the 60 plain inbox letters, oldest first
    html_letter: MailMessage | None = None
    group_letter: MailMessage | None = None
    group_id: int = 0


def raw_message(subject: str, sender: str, body: str = "Hello") -> MailRawMessage:
    content = (
        f"From: {sender}\r\nTo: sales@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{hashlib.sha1(subject.encode()).hexdigest()}@example.com>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()
    return MailRawMessage(sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content)


def add_letter(account: MailAccount, folder: MailFolder | None, subject: str, **values: Any) -> MailMessage:
    """A stored letter with its raw bytes (what the sync leaves behind)."""
    sender = values.pop("from_address", "buyer@romashka.ru")
    raw = raw_message(subject, sender, values.get("text_body", "Hello"))
    db.session.add(raw)
    db.session.flush()
    letter = MailMessage(
        account_id=account.id,
        folder_id=folder.id if folder is not None else None,
        uid=values.pop("uid", None),
        subject=subject,
        from_address=sender,
        from_name=values.pop("from_name", "Buyer"),
        to_addresses=values.pop("to_addresses", [{"name": "Sales", "address": "sales@example.com"}]),
        occurred_at=values.pop("occurred_at", START),
        snippet=values.pop("snippet", subject[:50]),
        size=raw.size,
        raw_id=raw.id,
        **values,
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def build_mail_world() -> MailWorld:
    world = build_world()
    admin = accounts.create_user("adam", "Adam Admin", PASSWORD, roles=["administrator"])
    support = accounts.save_group("support", "Support line")
    accounts.set_group_members(support.id, [world.agent.id])
    account = mail_accounts.create_account(
        admin,
        {"name": "Sales box", "email_address": "sales@example.com", "kind": "shared",
         "imap_host": "127.0.0.1", "imap_port": 1143, "imap_security": "none", "smtp_host": "127.0.0.1",
         "smtp_port": 1025, "smtp_security": "none", "max_attachments_mb": 1},
    )  # fmt: skip
    mail_accounts.set_members(admin, account.id, [world.manager.id, world.agent.id])
    # The letters below are rows as a sync leaves them; with no IMAP server named, marks and moves stay in the
    # CRM (the IMAP round trip is the sync's tests' business).
    mail_accounts.update_account(admin, account.id, {"imap_host": ""})
    folders = {}
    for name, role in (("INBOX", "inbox"), ("Sent", "sent"), ("Trash", "trash"), ("Archive", "archive")):
        folders[role] = MailFolder(account_id=account.id, name=name, role=role, uidvalidity=1)
        db.session.add(folders[role])
    db.session.flush()
    inbox = folders["inbox"]
    letters = []
    for n in range(60):
        letters.append(
            add_letter(
                account, inbox, f"Order {n:02d}", uid=n + 1, occurred_at=START + timedelta(hours=n),
                is_read=n % 3 != 0, is_flagged=n % 10 == 0, has_attachments=n == 5,
                from_address="buyer@romashka.ru" if n % 2 == 0 else f"person{n}@other.example",
            )
        )  # fmt: skip
    db.session.add(
        MailAttachment(message_id=letters[5].id, filename="price.pdf", content_type="application/pdf",
                       size=4, content=b"%PDF")
    )  # fmt: skip
    html_letter = add_letter(
        account, inbox, "Offer with pictures", uid=100, occurred_at=START + timedelta(days=10),
        html_body=HTML_LETTER, text_body="Hello there", from_address="news@shop.example", from_name="Shop",
        client_id=world.own_client.id,
    )  # fmt: skip
    group_letter = add_letter(
        account, inbox, "New lead from the site", uid=101, occurred_at=START + timedelta(days=11),
        responsible_group_id=support.id, lead_scenario="support", from_address="lead@newco.example",
    )  # fmt: skip
    add_letter(account, folders["trash"], "Old spam", uid=1, marked_for_deletion=True)
    db.session.commit()
    return MailWorld(
        manager=world.manager, other_manager=world.other_manager, agent=world.agent, admin=admin,
        own_client=world.own_client, other_client=world.other_client, account=account, inbox=inbox,
        sent=folders["sent"], trash=folders["trash"], archive=folders["archive"], letters=letters,
        html_letter=html_letter, group_letter=group_letter, group_id=support.id,
    )  # fmt: skip


@pytest.fixture
def mail_world(any_app):
    return build_mail_world()


def test_folder_tree_counts_unread_incoming_letters_per_folder(mail_world):
    tree = queries.folder_tree(mail_world.manager)
    assert [entry.account.id for entry in tree] == [mail_world.account.id]
    folders = {f.role or f.virtual: f for f in tree[0].folders}
    assert [f.role for f in tree[0].folders[:4]] == ["inbox", "sent", "archive", "trash"]
    assert folders["inbox"].unread == 20 + 2  # every third plain letter, the HTML one and the group one
    assert folders["trash"].unread == 0  # marked for deletion: not counted
    assert tree[0].unread == 22
    assert queries.unread_total(mail_world.manager) == 22
    assert queries.folder_tree(mail_world.other_manager) == []
    assert queries.unread_total(mail_world.other_manager) == 0


def test_letter_list_pages_by_keyset_newest_first_without_overlap(mail_world):
    filters = LetterFilters(folder_id=mail_world.inbox.id)
    first = queries.letter_page(mail_world.manager, filters, limit=25)
    assert first.total == 62
    assert first.letters[0].subject == "New lead from the site"
    seen = [m.id for m in first.letters]
    cursor = first.next_cursor
    # A letter arriving meanwhile sorts above the cursor: the next pages neither repeat nor skip.
    add_letter(
        mail_world.account, mail_world.inbox, "Arrived later", uid=500, occurred_at=START + timedelta(days=30)
    )
    db.session.commit()
    while cursor:
        page = queries.letter_page(mail_world.manager, filters, after=cursor, limit=25)
        seen += [m.id for m in page.letters]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 62
    oldest = queries.letter_page(
        mail_world.manager, LetterFilters(folder_id=mail_world.inbox.id, sort="oldest")
    )
    assert oldest.letters[0].subject == "Order 00"
    with pytest.raises(ValidationFailed):
        queries.letter_page(mail_world.manager, filters, after="not-a-cursor")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"text": "order 1"}, 10),
        ({"text": "SHOP"}, 1),  # the sender's name
        ({"from_address": "BUYER@romashka.ru"}, 30),
        ({"unread": True}, 22),
        ({"flagged": True}, 6),
        ({"with_attachments": True}, 1),
        ({"responsible": "none"}, 61),
        ({"responsible": "me"}, 0),
        ({"linked": "client"}, 1),
        ({"linked": "none"}, 61),
        ({"lead_scenario": "support"}, 1),
        ({"lead_scenario": "sales"}, 0),
        ({"lead_scenario": "any"}, 1),
        ({"date_from": date(2025, 3, 4), "date_to": date(2025, 3, 4)}, 24),
    ],
)
def test_letter_list_filters(mail_world, filters, expected):
    page = queries.letter_page(
        mail_world.manager, LetterFilters(folder_id=mail_world.inbox.id, **filters), timezone="UTC"
    )
    assert page.total == expected


def test_group_filter_shows_letters_waiting_in_my_groups(mail_world):
    mine = LetterFilters(folder_id=mail_world.inbox.id, responsible="group")
    assert [m.id for m in queries.letter_page(mail_world.agent, mine).letters] == [mail_world.group_letter.id]
    assert queries.letter_page(mail_world.manager, mine).total == 0


def test_bad_filters_and_foreign_folders_are_refused(mail_world):
    with pytest.raises(ValidationFailed):
        queries.letter_page(mail_world.manager, LetterFilters(responsible="boss"))
    with pytest.raises(ValidationFailed):
        queries.letter_page(
            mail_world.manager, LetterFilters(date_from=date(2025, 5, 1), date_to=date(2025, 4, 1))
        )
    with pytest.raises(AccessDenied):
        queries.letter_page(mail_world.other_manager, LetterFilters(folder_id=mail_world.inbox.id))
    # Without a folder a stranger sees nothing at all.
    assert queries.letter_page(mail_world.other_manager, LetterFilters()).total == 0


def test_trash_shows_letters_marked_for_deletion_other_folders_hide_them(mail_world):
    trash = queries.letter_page(mail_world.manager, LetterFilters(folder_id=mail_world.trash.id))
    assert [m.subject for m in trash.letters] == ["Old spam"]
    assert queries.letter_page(mail_world.manager, LetterFilters(text="old spam")).total == 0


def test_sender_target_prefers_a_visible_card_then_falls_back_to_the_list(mail_world):
    target = queries.sender_target(mail_world.manager, " INFO@romashka.ru ")
    assert (target.kind, target.client_id) == ("client", mail_world.own_client.id)
    # Oleg may not open Romashka: for him the address leads to the letter list.
    assert queries.sender_target(mail_world.other_manager, "info@romashka.ru").kind == "list"
    assert queries.sender_target(mail_world.manager, "nobody@nowhere.example").kind == "list"
    with pytest.raises(ValidationFailed):
        queries.sender_target(mail_world.manager, "not an address")


def test_letters_for_print_keep_only_the_readers_letters_oldest_first(mail_world):
    ids = [mail_world.letters[3].id, mail_world.letters[1].id, 10**6]
    printed = queries.letters_for_print(mail_world.manager, ids)
    assert [m.subject for m in printed] == ["Order 01", "Order 03"]
    assert queries.letters_for_print(mail_world.other_manager, ids) == []
    assert queries.attachment_names([mail_world.letters[5].id]) == {mail_world.letters[5].id: ["price.pdf"]}


def test_the_crms_own_letters_show_in_virtual_folders_and_drafts_stay_private(mail_world):
    from crm.mail.models import DIRECTION_OUT

    account, mary, sveta = mail_world.account, mail_world.manager, mail_world.agent
    for subject, status, author in (("Mary's draft", "draft", mary), ("Sveta's draft", "draft", sveta),
                                    ("Queued", "queued", mary), ("Failed", "failed", sveta),
                                    ("Sent without IMAP", "sent", mary)):  # fmt: skip
        add_letter(account, None, subject, direction=DIRECTION_OUT, status=status, created_by_id=author.id)
    db.session.commit()
    virtual = {f.virtual: f.count for f in queries.folder_tree(mary)[0].folders if f.virtual}
    assert virtual == {"drafts": 1, "outbox": 2, "sent": 1}

    def subjects(user, **filters):
        page = queries.letter_page(user, LetterFilters(account_id=account.id, **filters))
        return sorted(m.subject for m in page.letters)

    assert subjects(mary, virtual="drafts") == ["Mary's draft"]
    assert subjects(sveta, virtual="drafts") == ["Sveta's draft"]
    assert subjects(mary, virtual="outbox") == ["Failed", "Queued"]
    assert subjects(mary, virtual="sent") == ["Sent without IMAP"]
    assert "Sveta's draft" not in subjects(mary, text="draft")  # not in "All folders" either
    assert [m.subject for m in queries.picker_page(mary, "draft").letters] == ["Mary's draft"]
    with pytest.raises(ValidationFailed):
        queries.letter_page(mary, LetterFilters(account_id=account.id, virtual="junk"))
