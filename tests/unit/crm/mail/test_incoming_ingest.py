"""Synchronising an account from the in-memory IMAP fake: storing, UID tracking, renumbered folders, letters
that cannot be parsed or processed, sync errors kept per account."""

from __future__ import annotations

import base64

from sqlalchemy import func, select
from test_incoming_world import build_account, letter, world_fixture  # noqa: F401  (the world fixture)

from connectors.mail.fakes import InMemoryMailbox
from crm.feed.models import FeedEntry
from crm.mail.models import MailAttachment, MailMessage, MailRawMessage
from engine.db import db

MULTIPART = (
    b"From: Ivan Petrov <ivan@client.example>\r\nTo: sales@co.example\r\nSubject: Price list\r\n"
    b"Message-ID: <att-1@client.example>\r\nDate: Mon, 02 Jun 2025 10:00:00 +0300\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
    b"See the file.\r\n--XX\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="prices.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    b"JVBERi0xLjQK\r\n--XX--\r\n"
)


def test_a_letter_is_stored_with_its_raw_bytes_parts_links_and_feed_row(world):
    uid = world.mailbox.deliver(MULTIPART)
    result = world.sync()
    assert result.ok and result.stored == 1
    [stored] = world.letters()
    assert (stored.folder_id, stored.uid) == (world.folder("INBOX").id, uid)
    assert stored.subject == "Price list" and stored.from_address == "ivan@client.example"
    assert stored.message_id == "att-1@client.example" and stored.thread_key == "att-1@client.example"
    assert stored.snippet == "See the file." and stored.has_attachments and not stored.parse_error
    assert db.session.get(MailRawMessage, stored.raw_id).content == MULTIPART
    [attachment] = db.session.scalars(select(MailAttachment).where(MailAttachment.message_id == stored.id))
    assert (attachment.filename, attachment.content_type, attachment.content) == (
        "prices.pdf", "application/pdf", b"%PDF-1.4\n")  # fmt: skip
    # Ivan is a contact person of the client: the letter belongs to both and shows in both Feeds.
    assert (stored.client_id, stored.contact_id) == (world.client.id, world.contact.id)
    [entry] = db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "mail"))
    assert (entry.ref_id, entry.client_id, entry.contact_id) == (stored.id, world.client.id, world.contact.id)
    assert entry.details["source"] == "mail" and entry.details["direction"] == "incoming"
    # The client's responsible manager is the letter's Responsible (no sender name was addressed).
    assert stored.responsible_id == world.mary.id


def test_uids_are_tracked_so_a_second_sync_stores_only_what_is_new(world):
    world.mailbox.deliver(letter(subject="one"))
    world.mailbox.deliver(letter(subject="two"))
    assert world.sync().stored == 2
    again = world.sync()
    assert (again.stored, again.skipped, again.reattached) == (0, 0, 0)
    world.mailbox.deliver(letter(subject="three"))
    assert world.sync().stored == 1
    assert [m.subject for m in world.letters()] == ["one", "two", "three"]
    assert world.folder("INBOX").last_uid == 3


def test_a_renumbered_folder_is_resynced_without_duplicates(world):
    for n in range(3):
        world.mailbox.deliver(letter(subject=f"old {n}"))
    world.sync()
    before = {m.message_id: m.id for m in world.letters()}
    old_validity = world.folder("INBOX").uidvalidity
    world.mailbox.recreate_folder("INBOX")  # new UIDVALIDITY, the same letters under new UIDs
    world.mailbox.deliver(letter(subject="new"))
    result = world.sync()
    assert (result.stored, result.reattached) == (1, 3)
    letters = world.letters()
    assert len(letters) == 4
    assert {m.message_id: m.id for m in letters if m.subject.startswith("old")} == before
    assert sorted(m.uid for m in letters) == [1, 2, 3, 4]
    assert world.folder("INBOX").uidvalidity != old_validity


def test_a_letter_without_message_id_is_found_again_by_its_bytes_after_renumbering(world):
    raw = b"From: a@b.example\r\nSubject: no id\r\n\r\nbody\r\n"
    world.mailbox.deliver(raw)
    world.sync()
    world.mailbox.recreate_folder("INBOX")
    assert world.sync().reattached == 1
    assert len(world.letters()) == 1


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def test_letters_in_old_charsets_and_broken_mime_are_stored_and_readable(world):
    cp1251 = (f"From: {encoded_word('Степан', 'windows-1251')} <stepan@client.example>\r\n"
              "Subject: =?windows-1251?Q?=D1=F7=E5=F2?=\r\nContent-Type: text/plain; charset=windows-1251\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + "Привет из 1251".encode("cp1251")  # fmt: skip
    koi8 = (f"From: x@client.example\r\nSubject: {encoded_word('Счёт', 'koi8-r')}\r\n"
            "Content-Type: text/plain; charset=koi8-r\r\n\r\n").encode() + "Привет из КОИ".encode("koi8-r")  # fmt: skip
    broken = (b"From: y@client.example\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
              b"--B\r\nContent-Type: text/plain\r\n\r\ntruncated body without the closing boundary")  # fmt: skip
    for raw in (cp1251, koi8, broken):
        world.mailbox.deliver(raw)
    assert world.sync().stored == 3
    first, second, third = world.letters()
    assert (
        first.subject == "Счет"
        and first.text_body.strip() == "Привет из 1251"
        and first.from_name == "Степан"
    )
    assert second.subject == "Счёт" and second.text_body.strip() == "Привет из КОИ"
    assert "truncated body" in third.text_body and third.parse_error
    raws = [db.session.get(MailRawMessage, m.raw_id).content for m in (first, second, third)]
    assert raws == [cp1251, koi8, broken]


def test_a_letter_that_fails_processing_is_stored_bare_with_the_problem(world, monkeypatch):
    import crm.mail.ingest as ingest

    def explode(*args, **kwargs):
        raise RuntimeError("linking exploded")

    monkeypatch.setattr(ingest, "link_letter_documents", explode)
    raw = letter(subject="still here")
    world.mailbox.deliver(raw)
    assert world.sync().stored == 1
    [stored] = world.letters()
    assert "linking exploded" in stored.parse_error and stored.uid == 1
    assert db.session.get(MailRawMessage, stored.raw_id).content == raw
    assert world.folder("INBOX").last_uid == 1  # not fetched again
    assert world.sync().stored == 0


def test_a_server_error_is_kept_on_its_account_and_other_accounts_still_sync(world):
    other = build_account("Support", "support@co.example", host="imap2.test")
    db.session.commit()
    other_box = InMemoryMailbox(("INBOX",))
    world.mailboxes["imap2.test"] = other_box
    other_box.deliver(letter(subject="for support"))
    world.mailbox.fail(times=None)  # the sales server is down
    from crm.mail.ingest import sync_account
    from crm.mail.tasks import queue_due_syncs

    assert set(queue_due_syncs()) == {world.account.id, other.id}  # eager jobs: both synced right away
    db.session.expire_all()
    assert "connection was dropped" in world.account.last_error
    assert other.last_error == "" and other.last_sync_at is not None
    assert db.session.scalar(select(func.count()).where(MailMessage.account_id == other.id)) == 1
    world.mailbox.recover()
    world.mailbox.deliver(letter(subject="back"))
    assert sync_account(world.account.id).stored == 1
    db.session.expire_all()
    assert world.account.last_error == ""


def test_the_sweep_queues_only_accounts_whose_poll_interval_passed(world):
    from datetime import timedelta

    from crm.mail.tasks import due_account_ids

    world.sync()
    db.session.expire_all()
    last = world.account.last_sync_at
    assert due_account_ids(last + timedelta(seconds=30)) == []
    assert due_account_ids(last + timedelta(seconds=61)) == [world.account.id]


def test_replies_link_to_the_interest_of_their_thread_and_appeal_numbers_link_by_subject(world):
    from crm.deals.services import create_interest
    from crm.support.services import create_ticket

    interest = create_interest(world.admin, {"client_id": world.client.id, "title": "Desks"})
    ticket = create_ticket(world.admin, {"client_id": world.client.id, "subject": "Broken desk"})
    world.mailbox.deliver(letter(subject=f"Offer [#I-{interest.id}]", message_id="<root@co.example>",
                                 sender="stranger@else.example"))  # fmt: skip
    world.mailbox.deliver(letter(subject="Re: Offer", sender="stranger@else.example",
                                 extra_headers="In-Reply-To: <root@co.example>\nReferences: <root@co.example>"))  # fmt: skip
    world.mailbox.deliver(letter(subject=f"RE: Fwd: about it [#t-{ticket.id}]", sender="nobody@else.example"))
    world.mailbox.deliver(letter(subject="Re: [#I-999999] unknown", sender="nobody@else.example"))
    world.sync()
    tagged, reply, by_ticket, unknown = world.letters()
    assert (tagged.interest_id, tagged.client_id) == (interest.id, world.client.id)
    assert (reply.interest_id, reply.thread_key) == (interest.id, "root@co.example")
    assert (by_ticket.ticket_id, by_ticket.client_id) == (ticket.id, world.client.id)
    assert (unknown.interest_id, unknown.client_id) == (None, None)
    feed_interests = db.session.scalars(
        select(FeedEntry.interest_id).where(FeedEntry.kind == "mail").order_by(FeedEntry.id)
    ).all()
    assert feed_interests == [interest.id, interest.id, None]  # the unknown letter has no Feed row


def test_a_copy_of_a_crm_letter_in_sent_is_not_stored_twice(world):
    from crm.mail.outgoing import OutgoingDraft, create_outgoing_letter

    draft = OutgoingDraft(account=world.account, from_name="Mary", subject="Offer", html="<p>Hi</p>",
                          to=[{"name": "Ivan", "address": "ivan@client.example"}], author_id=world.mary.id)  # fmt: skip
    sent = create_outgoing_letter(draft)
    db.session.commit()  # the eager outbox job sends it and appends the copy to Sent
    db.session.expire_all()
    sent = db.session.get(MailMessage, sent.id)
    world.sync()
    copies = world.letters(message_id=sent.message_id)
    assert [c.id for c in copies] == [sent.id]
    assert copies[0].folder_id == world.folder("Sent").id and copies[0].uid is not None


def test_the_auto_responder_answers_and_its_failure_never_costs_a_letter(world, monkeypatch):
    import crm.mail.autoreply as autoreply

    world.account.autoreply_enabled = True
    world.account.autoreply_body = "We are on holiday."
    db.session.commit()
    world.mailbox.deliver(letter(sender="anna@buyer.example", subject="Hi"))
    world.sync()
    [answer] = world.letters(direction="out")
    assert answer.to_addresses[0]["address"] == "anna@buyer.example" and "holiday" in answer.text_body
    real = autoreply.maybe_autoreply

    def flaky(letter_row, now=None):
        if letter_row.subject == "breaks the responder":
            raise RuntimeError("responder bug")
        return real(letter_row, now)

    monkeypatch.setattr(autoreply, "maybe_autoreply", flaky)
    world.mailbox.deliver(letter(sender="bob@buyer.example", subject="breaks the responder"))
    world.mailbox.deliver(letter(sender="carl@buyer.example", subject="fine"))
    result = world.sync()
    assert result.stored == 2 and result.ok
    broken, fine = world.letters(direction="in")[1:]
    assert not broken.parse_error and (broken.subject, fine.subject) == ("breaks the responder", "fine")
    answers = sorted(a.to_addresses[0]["address"] for a in world.letters(direction="out"))
    assert answers == ["anna@buyer.example", "carl@buyer.example"]


def test_a_letter_sent_from_another_mail_program_is_stored_as_outgoing_and_linked_by_recipient(world):
    world.mailbox.deliver(letter(sender="Sales <sales@co.example>", to="Ivan <ivan@client.example>",
                                 subject="Our offer"), "Sent")  # fmt: skip
    world.sync()
    [sent] = world.letters()
    assert (sent.direction, sent.status, sent.is_read) == ("out", "sent", True)
    assert (sent.client_id, sent.contact_id, sent.lead_scenario) == (world.client.id, world.contact.id, None)
    [entry] = db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "mail"))
    assert entry.details["direction"] == "outgoing" and entry.ref_id == sent.id
