"""Writing letters (SPEC #31–#33, #36, #39, #41) against the in-memory mail fakes on SQLite: defaults of a
reply, From with the personal sender name, signature autotext, .eml attachments, files of the interest, the
attachment limit, field errors, drafts, links and the Feed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from connectors.mail.fakes import InMemoryMailbox, RecordingMailer
from connectors.mail.parsing import parse_message
from crm.errors import AccessDenied, ValidationFailed
from crm.feed.models import FeedEntry
from crm.mail.compose import LetterDraft, linked_files, new_letter_defaults, save_draft, send_letter
from crm.mail.models import MailMessage, MailOutbox
from crm.mail.preferences import set_personal_font
from crm.mail.transport import use_transport
from engine.db import db
from tests.unit.crm.mail.test_outgoing_world import PDF, make_world, store_incoming


@pytest.fixture
def world(app):
    mailbox, mailer = InMemoryMailbox(("INBOX", "Sent")), RecordingMailer()
    mailbox.add_folder("Sent", "sent")
    with use_transport(mailbox.factory, mailer.factory):
        world = make_world()
        world.mailer, world.mailbox = mailer, mailbox
        yield world


def reply_draft(world: SimpleNamespace, **changes) -> LetterDraft:
    defaults = new_letter_defaults(world.mary, world.account.id, reply_to_letter_id=world.incoming.id)
    fields = {k: defaults[k] for k in ("to", "cc", "subject", "html", "reply_to_letter_id")}
    return LetterDraft(account_id=world.account.id, **{**fields, **changes})


def test_a_reply_starts_with_the_sender_the_appeal_number_the_signature_and_the_quote(world):
    set_personal_font(world.mary, "Verdana", "12pt")
    defaults = new_letter_defaults(world.mary, world.account.id, reply_to_letter_id=world.incoming.id)
    assert defaults["to"] == "Ivan Petrov <ivan@romashka.example>"
    assert defaults["subject"] == f"Re: Prices [#I-{world.interest.id}]"
    assert defaults["from_name"] == "Mary from Sales"
    assert f"<p>Regards, Mary Seller</p><p>Ref. [#I-{world.interest.id}]</p>" in defaults["html"]
    assert "Ivan Petrov &lt;ivan@romashka.example&gt; wrote:" in defaults["html"]
    assert "<blockquote>" in defaults["html"] and "Please send the prices." in defaults["html"]
    assert (defaults["font_family"], defaults["font_size"]) == ("Verdana", "12pt")
    assert (defaults["interest_id"], defaults["client_id"]) == (world.interest.id, world.client.id)


def test_a_reply_goes_out_from_the_users_sender_name_in_the_thread_with_an_eml(world):
    letter = send_letter(world.mary, reply_draft(world, eml_letter_ids=[world.incoming.id]))
    [sent] = world.mailer.sent
    parsed = parse_message(sent.raw)
    assert (parsed.from_.name, parsed.from_.address) == ("Mary from Sales", "sales@co.example")
    assert sent.recipients == ("ivan@romashka.example",)
    assert parsed.in_reply_to == world.incoming.message_id and world.incoming.message_id in parsed.references
    assert "Regards, Mary Seller" in parsed.html and "font-family: Arial; font-size: 10pt;" in parsed.html
    [eml] = parsed.attachments
    assert (eml.content_type, eml.filename) == ("message/rfc822", f"Prices [#I-{world.interest.id}].eml")
    assert parse_message(eml.content).message_id == world.incoming.message_id
    assert (letter.status, letter.interest_id, letter.client_id) == (
        "sent",
        world.interest.id,
        world.client.id,
    )
    assert letter.thread_key == world.incoming.thread_key and letter.created_by_id == world.mary.id
    entries = db.session.scalars(
        select(FeedEntry).where(FeedEntry.kind == "mail", FeedEntry.ref_id == letter.id)
    )
    [entry] = entries.all()
    assert (entry.interest_id, entry.client_id, entry.details["mail_message_id"]) == (
        world.interest.id, world.client.id, letter.id)  # fmt: skip


def test_a_bad_address_is_a_field_error_and_nothing_is_queued(world):
    with pytest.raises(ValidationFailed) as err:
        send_letter(world.mary, LetterDraft(account_id=world.account.id, to="ivan@romashka.example, abc",
                                            cc="x@", subject="Hi"))  # fmt: skip
    assert err.value.field_errors == {"to": "to: 'abc' is not an e-mail address",
                                      "cc": "cc: 'x@' is not an e-mail address"}  # fmt: skip
    with pytest.raises(ValidationFailed) as err:
        send_letter(world.mary, LetterDraft(account_id=world.account.id, to=" ", subject="Hi"))
    assert err.value.field_errors == {"to": "to: give at least one recipient"}
    assert db.session.scalars(select(MailOutbox)).all() == [] and world.mailer.sent == []


def test_the_accounts_attachment_limit_is_enforced_with_a_clear_error(world):
    big = ("catalogue.pdf", "application/pdf", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValidationFailed) as err:
        send_letter(world.mary, LetterDraft(account_id=world.account.id, to="a@b.example", attachments=[big]))
    assert err.value.field_errors == {
        "attachments": "the attachments take 1.0 MB; this account allows at most 1 MB in one letter"
    }
    small = ("note.txt", "text/plain", b"hello")
    send_letter(world.mary, LetterDraft(account_id=world.account.id, to="a@b.example", attachments=[small]))
    assert [a.filename for a in parse_message(world.mailer.sent[0].raw).attachments] == ["note.txt"]


def test_files_of_the_interest_come_from_its_other_letters(world):
    offered = linked_files(
        world.mary, LetterDraft(account_id=world.account.id, to="", interest_id=world.interest.id)
    )
    assert [(f.filename, f.source, f.size) for f in offered] == [("prices.pdf", "letter", len(PDF))]
    send_letter(world.mary, LetterDraft(account_id=world.account.id, to="ivan@romashka.example", subject="Files",
                                        interest_id=world.interest.id, include_linked_files=True))  # fmt: skip
    [pdf] = parse_message(world.mailer.sent[0].raw).attachments
    assert (pdf.filename, pdf.content) == ("prices.pdf", PDF)


def test_someone_who_does_not_use_the_account_cannot_write_from_it(world):
    with pytest.raises(AccessDenied):
        send_letter(world.oleg, LetterDraft(account_id=world.account.id, to="a@b.example"))
    with pytest.raises(AccessDenied):
        new_letter_defaults(world.oleg, world.account.id)


def test_a_draft_keeps_its_placeholders_and_files_and_becomes_the_letter(world):
    draft = LetterDraft(account_id=world.account.id, to="ivan@romashka.example", subject="Offer {{appeal_number}}",
                        html="<p>Dear {{client_name}},</p>", interest_id=world.interest.id,
                        attachments=[("offer.txt", "text/plain", b"offer")])  # fmt: skip
    saved = save_draft(world.mary, draft)
    assert (saved.status, saved.subject, saved.message_id) == ("draft", "Offer {{appeal_number}}", "")
    assert world.mailer.sent == [] and db.session.scalars(select(MailOutbox)).all() == []
    sent = send_letter(world.mary, LetterDraft(**{**draft.__dict__, "attachments": ()}), letter_id=saved.id)
    assert sent.id == saved.id and sent.status == "sent"
    parsed = parse_message(world.mailer.sent[0].raw)
    assert parsed.subject == f"Offer [#I-{world.interest.id}]" and "Dear Romashka," in parsed.html
    assert [a.filename for a in parsed.attachments] == ["offer.txt"]
    with pytest.raises(ValidationFailed):
        send_letter(world.mary, draft, letter_id=saved.id)  # it is no draft any more


def test_reply_all_copies_the_other_recipients_but_not_us(world):
    other = store_incoming(world, subject="Team", text="hi")
    other.to_addresses = [
        {"name": "Sales", "address": "sales@co.example"},
        {"name": "", "address": "anna@romashka.example"},
    ]
    other.cc_addresses = [{"name": "Ivan", "address": "ivan@romashka.example"}]
    db.session.commit()
    defaults = new_letter_defaults(world.mary, world.account.id, reply_to_letter_id=other.id, reply_all=True)
    assert defaults["to"] == "Ivan Petrov <ivan@romashka.example>"
    assert defaults["cc"] == "anna@romashka.example"


def test_a_forward_takes_the_originals_files_along(world):
    defaults = new_letter_defaults(world.mary, world.account.id, forward_of_letter_id=world.incoming.id)
    assert defaults["subject"].startswith("Fwd: Prices") and defaults["to"] == ""
    assert [f["filename"] for f in defaults["forward_attachments"]] == ["prices.pdf"]
    send_letter(world.mary, LetterDraft(account_id=world.account.id, to="boss@co.example",
                                        subject=defaults["subject"], html=defaults["html"],
                                        forward_of_letter_id=world.incoming.id))  # fmt: skip
    parsed = parse_message(world.mailer.sent[0].raw)
    assert [a.filename for a in parsed.attachments] == ["prices.pdf"]
    assert "Forwarded message" in parsed.html
    pdf_id = defaults["forward_attachments"][0]["id"]
    send_letter(world.mary, LetterDraft(account_id=world.account.id, to="boss@co.example", subject="Fwd",
                                        forward_of_letter_id=world.incoming.id, drop_attachment_ids=[pdf_id]))  # fmt: skip
    assert parse_message(world.mailer.sent[1].raw).attachments == []
    forwards = db.session.scalars(select(MailMessage).where(MailMessage.direction == "out")).all()
    assert [f.interest_id for f in forwards] == [
        None,
        None,
    ]  # a forward is not linked to the client's interest
