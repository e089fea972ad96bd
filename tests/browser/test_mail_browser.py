"""Mail in Chromium against real servers: letters delivered to Dovecot and fetched by the CRM's own sync, read in
the mail page (cleaned body in a sandboxed frame, remote images blocked), answered with the company signature
and two letters picked in "Add letter" (double-click and tick) sent as .eml files through aiosmtpd; "Copy
hyperlink" on a link and an image; several letters printed on one page. Screenshots for docs/employees-mail.md.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from types import SimpleNamespace

import pytest

from crm.accounts.services import find_user
from crm.mail import accounts as mail_accounts
from crm.mail import signatures
from crm.mail.ingest import sync_account
from crm.mail.queries import unread_total
from engine.db import db
from tests.browser.conftest import screenshot
from tests.browser.test_clients_browser import choose_language, log_in_english

pytestmark = pytest.mark.browser

LINK = "https://example.com/price-list?ref=mail&utm=letter"
IMAGE = "https://images.example.com/logo.png"
HTML_BODY = (
    "<p>Good afternoon!</p><p>Please send us the "
    f'<a href="{LINK}">price list</a> for office chairs and desks.</p>'
    f'<p><img src="{IMAGE}" alt="Romashka logo" width="120" height="40"></p>'
    "<p>Ivan Petrov, Romashka LLC</p><script>alert('letter')</script>"
)


def letter(subject: str, sender: str, text: str, html: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "sales@example.test"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="romashka.ru")
    message["Date"] = "Mon, 03 Mar 2025 10:00:00 +0300"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


@pytest.fixture
def mailbox(live_app, imap_user, smtp_server):
    """The demo manager's shared mailbox on Dovecot (letters fetched by the CRM's sync) sending through aiosmtpd."""
    for raw in (
        letter("Delivery schedule", "Logistics <logistics@vector.ru>", "Trucks arrive on Tuesday."),
        letter("Invoice 42", "Accounting <office@vector.ru>", "Invoice 42 is attached to the next letter."),
        letter("Meeting notes", "Ivan Petrov <petrov@romashka.ru>", "Notes of our meeting."),
        letter(
            "Commercial proposal request",
            "Ivan Petrov <petrov@romashka.ru>",
            "Please send prices.",
            HTML_BODY,
        ),
    ):
        imap_user.deliver(raw)
    with live_app.app_context():
        admin, manager = find_user("admin"), find_user("manager")
        unread_before = unread_total(manager)  # the demo data's own mailbox has letters too
        settings = imap_user.settings
        account = mail_accounts.create_account(
            admin,
            {"name": "Sales department", "email_address": imap_user.address, "kind": "shared",
             "imap_host": settings.host, "imap_port": settings.port, "imap_security": "none",
             "imap_username": imap_user.name, "imap_password": imap_user.password,
             "smtp_host": smtp_server.settings.host, "smtp_port": smtp_server.settings.port,
             "smtp_security": "none"},
        )  # fmt: skip
        mail_accounts.set_members(admin, account.id, [manager.id])
        company = signatures.create_signature(
            admin, {"name": "Company", "shared": True, "body_html": "<p>Best regards, {{current_user}}</p>"}
        )
        mail_accounts.update_account(admin, account.id, {"default_signature_id": company.id})
        result = sync_account(account.id)
        assert result.stored == 4, result
        info = SimpleNamespace(
            account_id=account.id, manager_name=manager.full_name, unread=unread_before + result.stored
        )
        db.session.remove()
    return info


def open_letter(page, base: str, subject: str) -> None:
    page.goto(f"{base}/mail")
    page.locator("[data-testid=mail-row]", has_text=subject).click()
    page.wait_for_selector(f"[data-testid=letter-subject]:has-text('{subject}')")


def test_read_a_letter_and_reply_with_the_signature_and_two_letters_as_eml(
    page, live_server, mailbox, smtp_server
):
    log_in_english(page, live_server, "manager")
    page.goto(f"{live_server}/mail")
    assert page.locator("[data-testid=mail-row]").count() == 4
    assert page.locator("[data-testid=nav-mail-count]").text_content() == str(mailbox.unread)  # in the menu
    screenshot(page, "mail-page-en")

    open_letter(page, live_server, "Commercial proposal request")
    body = page.frame_locator("[data-testid=letter-body]")
    assert body.locator("a").inner_text() == "price list"
    assert body.locator("script").count() == 0
    assert page.locator("[data-testid=remote-images-blocked]").is_visible()
    assert page.locator(
        "[data-testid=letter-client]"
    ).is_visible()  # petrov@romashka.ru is Romashka's contact
    screenshot(page, "mail-reading-en")

    page.click("[data-testid=letter-reply]")
    page.wait_for_selector("[data-testid=compose-editor]")
    assert (
        f"Best regards, {mailbox.manager_name}" in page.locator("[data-testid=compose-editor]").inner_text()
    )
    assert page.input_value("#subject") == "Re: Commercial proposal request"
    page.locator("[data-testid=compose-editor] p").first.click()
    page.keyboard.type("Here are the letters you asked about.")
    page.keyboard.press("Shift+Home")
    page.click("[data-testid=editor-bold]")  # the toolbar formats the selection
    page.select_option("[data-testid=editor-font-family]", "Georgia")  # the letter's font

    page.click("[data-testid=add-letter]")
    page.wait_for_selector("[data-testid=picker-row]")
    page.locator("[data-testid=picker-row]", has_text="Invoice 42").dblclick()  # double-click adds one
    page.wait_for_selector("[data-testid=eml-chip]")
    page.click("[data-testid=add-letter]")
    page.locator("[data-testid=picker-row]", has_text="Delivery schedule").locator(
        "[data-picker-check]"
    ).check()
    screenshot(page, "mail-add-letter-en")
    page.click("[data-testid=picker-add]")
    page.wait_for_selector("#letter-picker", state="hidden")
    page.wait_for_selector(".modal-backdrop", state="detached")
    chips = page.locator("[data-testid=eml-chip]")
    assert chips.count() == 2
    assert (
        "Invoice 42.eml" in chips.nth(0).inner_text() and "Delivery schedule.eml" in chips.nth(1).inner_text()
    )
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "mail-compose-en")

    page.click("[data-testid=compose-send]")
    page.wait_for_url("**/mail?**")  # the folder the letter is in now: Sent on the IMAP server
    assert page.locator("[data-testid=mail-row]", has_text="Re: Commercial proposal request").count() == 1
    assert len(smtp_server.messages) == 1
    sent = message_from_bytes(smtp_server.messages[0].raw, policy=policy.default)
    assert sent["Subject"] == "Re: Commercial proposal request"
    assert smtp_server.messages[0].rcpt_tos == ["petrov@romashka.ru"]
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert re.search(r"<b>Here are the letters you asked about\.</b>", html)
    assert "font-family: Georgia" in html
    assert f"Best regards, {mailbox.manager_name}" in html
    attached = {part.get_filename(): part for part in sent.iter_attachments()}
    assert set(attached) == {"Invoice 42.eml", "Delivery schedule.eml"}
    inner = attached["Invoice 42.eml"].get_content()  # message/rfc822: the letter itself
    assert inner["Subject"] == "Invoice 42"


def test_context_menu_copies_the_real_address_of_a_link_and_an_image(page, live_server, mailbox):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    log_in_english(page, live_server, "manager")
    open_letter(page, live_server, "Commercial proposal request")
    body = page.frame_locator("[data-testid=letter-body]")
    body.locator("a").click(button="right")
    menu = page.locator("[data-testid=mail-context-menu]")
    page.wait_for_selector("[data-testid=mail-context-menu].show")
    assert LINK in menu.inner_text()  # the real target is shown before anything is copied
    screenshot(page, "mail-copy-link-en")
    page.click("[data-testid=copy-hyperlink]")
    page.wait_for_selector("[data-testid=copied-url]")
    assert page.locator("[data-testid=copied-url]").last.inner_text() == LINK
    assert page.evaluate("navigator.clipboard.readText()") == LINK
    body.locator("img").click(button="right")
    page.wait_for_selector("[data-testid=mail-context-menu].show")
    page.click("[data-testid=copy-hyperlink]")
    page.wait_for_function(f"navigator.clipboard.readText().then(t => t === {IMAGE!r})")
    # Elsewhere in the letter the browser's own menu stays: ours does not open.
    body.locator("p").first.click(button="right")
    assert not menu.evaluate("el => el.classList.contains('show')")


def test_print_several_selected_letters_on_one_page(page, live_server, mailbox):
    log_in_english(page, live_server, "manager")
    page.goto(f"{live_server}/mail")
    for subject in ("Delivery schedule", "Meeting notes"):
        page.locator("[data-testid=mail-row]", has_text=subject).locator("[data-testid=mail-select]").check()
    with page.context.expect_page() as opened:
        page.click("[data-testid=bulk-print]")
    printed = opened.value
    printed.wait_for_load_state()
    letters = printed.locator("[data-testid=print-letter]")
    assert letters.count() == 2
    assert "Trucks arrive on Tuesday." in letters.nth(0).inner_text() + letters.nth(1).inner_text()
    printed.set_viewport_size({"width": 1280, "height": 800})
    screenshot(printed, "mail-print-en")


def test_mail_pages_in_russian_and_the_administrators_account_page(page, live_server, mailbox):
    log_in_english(page, live_server, "manager")
    choose_language(page, "ru")
    page.goto(f"{live_server}/mail")
    page.wait_for_selector("[data-testid=mail-row]")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Почта" in page.locator("[data-testid=nav-sections]").text_content()
    screenshot(page, "mail-page-ru")
    choose_language(page, "en")
    page.goto(f"{live_server}/mail/settings")
    page.wait_for_selector("[data-testid=mail-membership]")
    screenshot(page, "mail-settings-en")
    page.context.clear_cookies()
    log_in_english(page, live_server, "admin")
    page.goto(f"{live_server}/admin/mail/accounts/{mailbox.account_id}")
    page.click("[data-testid=mail-check]")
    page.wait_for_selector("[data-testid=mail-check-ok]")
    screenshot(page, "mail-admin-account-en")


def test_all_letters_of_the_sender_open_the_clients_card_with_its_feed_on_letters(page, live_server, mailbox):
    log_in_english(page, live_server, "manager")
    open_letter(page, live_server, "Meeting notes")
    page.click("[data-testid=letter-sender-all]")
    page.wait_for_url("**/clients/*?feed=letter*")
    page.wait_for_selector("[data-testid=feed] [data-kind=letter][aria-pressed=true]")
    entries = page.locator("[data-testid=feed] [data-testid=feed-item]")
    assert entries.count() >= 2
    texts = " ".join(entries.all_inner_texts())
    assert "Meeting notes" in texts and "Commercial proposal request" in texts
    screenshot(page, "mail-sender-card-en")
