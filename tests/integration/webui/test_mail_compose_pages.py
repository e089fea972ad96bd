"""Writing letters through the real app: reply / reply all / forward / from a card start with the right
recipients, subject, signature (autotext filled) and quote; bad input is shown next to its field and stores
nothing; the attachment limit; a letter with uploads and letters picked as .eml is queued; drafts; the picker,
the signature and linked-files helpers; strangers get 403."""

from __future__ import annotations

import html
import io
import re

import pytest

from crm.mail import accounts as mail_accounts
from crm.mail import signatures
from crm.mail.models import DIRECTION_OUT, MailAttachment, MailMessage, MailOutbox
from engine.db import db
from tests.integration.webui.test_mail_pages import as_user, text
from tests.integration.webui.test_mail_world import build_mail_world


@pytest.fixture
def world(any_app):
    world = build_mail_world()
    shared = signatures.create_signature(
        world.admin, {"name": "Company", "body_html": "<p>Best regards, {{current_user}}</p>", "shared": True}
    )
    mail_accounts.update_account(world.admin, world.account.id, {"default_signature_id": shared.id})
    mail_accounts.set_sender_name(world.manager, world.account.id, "Mary from Sales")
    return world


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def outgoing() -> list[MailMessage]:
    return list(db.session.query(MailMessage).filter_by(direction=DIRECTION_OUT).order_by(MailMessage.id))


def editor_text(page: str) -> str:
    return html.unescape(re.search(r"<textarea[^>]*data-editor-source>(.*?)</textarea>", page, re.S).group(1))


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
    )
    return html.unescape(found.group(1)) if found else ""


def test_reply_starts_with_sender_subject_signature_and_quote(world, client):
    as_user(client, "mary")
    resp = client.get(f"/mail/compose?reply={world.html_letter.id}")
    page = text(resp)
    assert "Mary from Sales &lt;sales@example.com&gt;" in page  # the personal sender name (SPEC #33)
    # The quoted letter keeps its tracker image, but the editor's page does not load it.
    assert "tracker.example.net" in editor_text(page)
    assert resp.headers["Content-Security-Policy"] == "img-src 'self' data:"
    assert "news@shop.example" in field_value(page, "to")
    assert field_value(page, "subject") == "Re: Offer with pictures"
    body = editor_text(page)
    assert '<div data-signature="1"><p>Best regards, Mary Manager</p></div>' in body  # autotext filled
    assert "<blockquote>" in body and "our offer" in body and "<script" not in body
    assert field_value(page, "reply_to_letter_id") == str(world.html_letter.id)


def test_reply_all_forward_and_a_letter_from_the_client_card(world, client):
    letter = db.session.get(MailMessage, world.letters[4].id)
    letter.cc_addresses = [{"name": "Boss", "address": "boss@romashka.ru"}]
    db.session.commit()
    as_user(client, "mary")
    page = text(client.get(f"/mail/compose?reply={letter.id}&all=1"))
    assert "boss@romashka.ru" in field_value(page, "cc")
    page = text(client.get(f"/mail/compose?forward={world.letters[5].id}"))
    assert field_value(page, "subject") == "Fwd: Order 05"
    assert field_value(page, "to") == ""
    assert 'data-testid="forward-files"' in page and "price.pdf" in page
    page = text(client.get(f"/mail/compose?client={world.own_client.id}"))
    assert "info@romashka.ru" in field_value(page, "to")
    assert field_value(page, "client_id") == str(world.own_client.id)


def test_bad_recipients_are_shown_next_to_the_field_and_nothing_is_stored(world, client):
    as_user(client, "mary")
    before = len(outgoing())
    resp = client.post("/mail/compose", data={"account_id": world.account.id, "to": "not an address",
                                              "subject": "Hi", "html": "<p>Hi</p>", "action": "send"})  # fmt: skip
    assert resp.status_code == 422
    assert 'data-field-error="to"' in text(resp)
    resp = client.post("/mail/compose", data={"account_id": world.account.id, "to": "", "subject": "Hi",
                                              "html": "<p>Hi</p>", "action": "send"})  # fmt: skip
    assert resp.status_code == 422 and 'data-field-error="to"' in text(resp)
    assert len(outgoing()) == before


def test_the_attachment_limit_is_shown_next_to_the_files(world, client):
    as_user(client, "mary")
    big = io.BytesIO(b"x" * (1024 * 1024 + 10))  # the account allows 1 MB
    resp = client.post(
        "/mail/compose",
        data={"account_id": world.account.id, "to": "ivan@romashka.ru", "subject": "Price list", "html": "<p>See</p>",
              "action": "send", "attachments": [(big, "price.xlsx")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert resp.status_code == 422
    page = text(resp)
    error = re.search(r'data-field-error="attachments">([^<]*)<', page).group(1)
    assert "at most 1 MB" in error
    assert 'data-testid="files-again"' in page  # the browser forgot the files: say so
    assert outgoing() == []


def test_a_letter_with_files_and_letters_as_eml_is_queued(world, client):
    as_user(client, "mary")
    resp = client.post(
        "/mail/compose",
        data={"account_id": world.account.id, "to": "Ivan <ivan@romashka.ru>", "subject": "Documents",
              "html": "<p>Hello <b>Ivan</b></p><script>x()</script>", "action": "send",
              "eml_letter_ids": [world.letters[1].id, world.letters[2].id], "font_family": "Georgia",
              "font_size": "12pt", "client_id": world.own_client.id, "next": f"/clients/{world.own_client.id}",
              "attachments": [(io.BytesIO(b"hello"), "note.txt")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert resp.status_code == 303, text(resp)[:3000]
    assert resp.location.endswith(f"/clients/{world.own_client.id}")  # back to the card it came from
    (letter,) = outgoing()
    assert letter.subject == "Documents" and letter.status in ("queued", "sent", "failed")
    assert letter.to_addresses == [{"name": "Ivan", "address": "ivan@romashka.ru"}]
    assert letter.from_name == "Mary from Sales" and letter.client_id == world.own_client.id
    assert "<script" not in letter.html_body and "Georgia" in letter.html_body
    files = {a.filename: a for a in db.session.query(MailAttachment).filter_by(message_id=letter.id)}
    assert set(files) == {"note.txt", "Order 01.eml", "Order 02.eml"}
    assert b"Subject: Order 01" in files["Order 01.eml"].content
    assert db.session.query(MailOutbox).filter_by(message_id=letter.id).count() == 1


def test_drafts_are_saved_reopened_and_sent(world, client):
    as_user(client, "mary")
    resp = client.post("/mail/compose", data={"account_id": world.account.id, "to": "", "subject": "Later",
                                              "html": "<p>Draft text</p>", "action": "draft"})  # fmt: skip
    assert resp.status_code == 303
    (draft,) = outgoing()
    assert draft.status == "draft" and resp.location.endswith(f"/mail/compose?draft={draft.id}")
    page = text(client.get(resp.location))
    assert field_value(page, "subject") == "Later" and "Draft text" in editor_text(page)
    assert f'href="/mail?account={world.account.id}&amp;virtual=drafts"' in text(client.get("/mail"))
    resp = client.post("/mail/compose", data={"account_id": world.account.id, "to": "ivan@romashka.ru",
                                              "subject": "Later", "html": "<p>Now</p>", "action": "send",
                                              "draft_id": draft.id})  # fmt: skip
    assert resp.status_code == 303
    db.session.expire_all()
    assert [m.id for m in outgoing()] == [draft.id] and outgoing()[0].status != "draft"
    as_user(client, "sveta")
    assert client.get(f"/mail/compose?draft={draft.id}").status_code == 404  # not hers


def test_picker_signature_and_linked_files_helpers(world, client):
    as_user(client, "mary")
    rows = text(client.get("/mail/compose/picker?q=order+1"))
    assert rows.count('data-testid="picker-row"') == 10 and "Order 12" in rows
    more = text(client.get("/mail/compose/picker"))
    assert 'hx-get="/mail/compose/picker?after=' in more
    assert client.get("/mail/compose/picker?after=bad").status_code == 400
    shared = signatures.list_signatures(world.manager)[0]
    assert "Best regards, Mary Manager" in text(
        client.get(f"/mail/compose/signature?signature_id={shared.id}")
    )
    assert text(client.get("/mail/compose/signature?signature_id=0")) == ""
    none = text(client.get(f"/mail/compose/linked-files?reply={world.html_letter.id}"))
    assert 'data-testid="linked-files-none"' in none


def test_strangers_cannot_write_or_reply_to_foreign_letters(world, client):
    as_user(client, "oleg")
    assert "You have no mailbox to write from" in text(client.get("/mail/compose"))
    assert text(client.get("/mail/compose/picker")).count('data-testid="picker-row"') == 0
    as_user(client, "mary")
    resp = client.post("/mail/compose", data={"account_id": 10**6, "to": "a@b.example", "action": "send"})
    assert resp.status_code == 422 and 'data-field-error="account_id"' in text(resp)
    assert outgoing() == []


def test_write_a_letter_from_the_client_and_interest_cards(world, client):
    from crm.deals.models import Interest

    interest = db.session.query(Interest).filter_by(title="Office furniture").one()
    as_user(client, "mary")
    for card, wanted in ((f"/clients/{world.own_client.id}", f"client={world.own_client.id}"),
                         (f"/interests/{interest.id}", f"interest={interest.id}")):  # fmt: skip
        link = re.search(r'<a[^>]*data-testid="write-letter"[^>]*>', text(client.get(card))).group(0)
        assert f'href="/mail/compose?{wanted}"' in link
    page = text(
        client.get(f"/mail/compose?interest={interest.id}", headers={"Referer": f"/interests/{interest.id}"})
    )
    assert field_value(page, "subject") == f"[#I-{interest.id}]"  # the appeal number autotext (SPEC #41)
    assert field_value(page, "interest_id") == str(interest.id)
    assert "info@romashka.ru" in field_value(page, "to")
    form = page[page.index('id="compose-form"') :]  # the page's language menu has a "next" of its own
    assert field_value(form, "next").endswith(f"/interests/{interest.id}")  # back to the card after sending
