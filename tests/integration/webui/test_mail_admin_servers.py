"""The administrator's account page against real servers (Dovecot IMAP, aiosmtpd SMTP on 127.0.0.1): "Check
connection" lists the problems (none when the settings work), "Refresh folders" reads the server's folders,
"Sync now" stores the new letters and the list shows them."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from crm.accounts import services as accounts
from crm.mail import accounts as mail_accounts
from crm.mail.models import MailFolder, MailMessage
from engine.db import db
from tests.integration.webui.test_mail_pages import as_user, text


@pytest.fixture
def box(app, imap_user, smtp_server):
    accounts.ensure_builtin_roles()
    admin = accounts.create_user("adam", "Adam Admin", "password-1", roles=["administrator"])
    mary = accounts.create_user("mary", "Mary Manager", "password-1", roles=["manager"])
    settings = imap_user.settings
    account = mail_accounts.create_account(
        admin,
        {"name": "Sales", "email_address": imap_user.address, "kind": "shared", "imap_host": settings.host,
         "imap_port": settings.port, "imap_security": "none", "imap_username": imap_user.name,
         "imap_password": imap_user.password, "smtp_host": smtp_server.settings.host,
         "smtp_port": smtp_server.settings.port, "smtp_security": "none"},
    )  # fmt: skip
    mail_accounts.set_members(admin, account.id, [mary.id])
    return account


def letter(subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Ivan <ivan@romashka.example>"
    message["To"] = "sales@example.test"
    message["Subject"] = subject
    message.set_content("Hello")
    return message.as_bytes()


def test_check_connection_with_working_and_broken_settings(box, client):
    as_user(client, "adam")
    page = text(client.post(f"/admin/mail/accounts/{box.id}/check"))
    assert 'data-testid="mail-check-ok"' in page
    assert re.search(
        r'<input checked[^>]*id="is_active"|id="is_active"[^>]*checked', page
    )  # the stored state
    mail_accounts.update_account(_admin(), box.id, {"imap_password": "wrong-password"})
    page = text(client.post(f"/admin/mail/accounts/{box.id}/check"))
    assert 'data-testid="mail-check-problems"' in page
    assert "mail-check-ok" not in page


def _admin():
    return accounts.find_user("adam")


def test_refresh_folders_and_sync_now_store_the_servers_letters(box, client, imap_user):
    imap_user.deliver(letter("First order"))
    imap_user.deliver(letter("Second order"))
    imap_user.deliver(letter("Old news"), folder="Archive")
    as_user(client, "adam")
    resp = client.post(f"/admin/mail/accounts/{box.id}/folders")
    assert resp.status_code == 303
    names = {f.name for f in db.session.query(MailFolder).filter_by(account_id=box.id)}
    assert {"INBOX", "Archive"} <= names
    assert "folders found on the server." in text(client.get(resp.location))
    resp = client.post(f"/admin/mail/accounts/{box.id}/sync")
    assert "3 new letters stored." in text(client.get(resp.location))
    assert db.session.query(MailMessage).filter_by(account_id=box.id).count() == 3
    as_user(client, "mary")
    page = text(client.get("/mail"))
    assert "First order" in page and "Second order" in page and "Old news" not in page  # the inbox
    assert 'data-testid="nav-mail-count">3<' in page  # unread in every folder but Trash and Junk


def test_sync_now_reports_an_unreachable_server(box, client):
    mail_accounts.update_account(_admin(), box.id, {"imap_password": "wrong-password"})
    as_user(client, "adam")
    resp = client.post(f"/admin/mail/accounts/{box.id}/sync")
    page = text(client.get(resp.location))
    assert "The mailbox could not be read:" in page
    assert 'data-testid="mail-last-error">—<' not in page  # the account's last error is shown
