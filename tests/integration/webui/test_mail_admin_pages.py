"""Mail administration and personal mail settings through the real app: administrators only (403 for the
rest), the account form with write-only passwords, members, trimmed key fields and errors next to the fields
(nothing stored), lead folders per scenario, sorting rules with "Forward to address" and their order, shared
signatures, the company font; personal sender names, font and signatures."""

from __future__ import annotations

import re

import pytest

from crm.mail import preferences
from crm.mail.models import MailAccount, MailAccountMember, MailSignature, MailSortingRule
from crm.mail.secrets import decrypt_secret
from engine.db import db
from tests.integration.webui.test_mail_pages import as_user, text
from tests.integration.webui.test_mail_world import build_mail_world

ADMIN_PAGES = ("/admin/mail/accounts", "/admin/mail/accounts/new", "/admin/mail/rules", "/admin/mail/rules/new",
               "/admin/mail/signatures", "/admin/mail/signatures/new", "/admin/mail/font")  # fmt: skip
NEW_ACCOUNT = {
    "email_address": " support@example.com\t", "name": "Support box", "kind": "shared", "is_active": "y",
    "imap_host": "imap.example.com ", "imap_security": "ssl", "imap_username": "support @example.com",
    "imap_password": "  s3cret  ", "smtp_host": "smtp.example.com", "smtp_security": "starttls",
    "smtp_username": "support@example.com", "smtp_password": "smtp-pass", "max_attachments_mb": "15",
    "poll_interval_seconds": "120", "default_signature_id": "0", "lead_department_id": "0", "owner_id": "0",
    "autoreply_interval_days": "3",
}  # fmt: skip


@pytest.fixture
def world(any_app):
    return build_mail_world()


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def test_admin_pages_are_for_administrators_only(world, client):
    as_user(client, "mary")
    for url in (*ADMIN_PAGES, f"/admin/mail/accounts/{world.account.id}"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/mail/accounts/{world.account.id}/sync").status_code == 403
    as_user(client, "adam")
    for url in (*ADMIN_PAGES, f"/admin/mail/accounts/{world.account.id}"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/mail/accounts/999999").status_code == 404


def test_account_list_filters_and_pages(world, client):
    as_user(client, "adam")
    page = text(client.get("/admin/mail/accounts?q=SALES"))
    assert "sales@example.com" in page and "1 in all" in page
    assert "No mail accounts match the filter." in text(client.get("/admin/mail/accounts?kind=personal"))
    assert "sales@example.com" in text(client.get("/admin/mail/accounts?state=active&kind=shared"))
    assert "No mail accounts match" in text(client.get("/admin/mail/accounts?state=inactive"))


def test_new_account_with_bad_input_shows_errors_next_to_fields_and_stores_nothing(world, client):
    as_user(client, "adam")
    bad = {**NEW_ACCOUNT, "email_address": "not-an-address", "imap_host": "bad host!", "imap_port": "99999"}
    resp = client.post("/admin/mail/accounts/new", data=bad)
    assert resp.status_code == 422
    page = text(resp)
    assert 'data-field-error="imap_port"' in page  # the form's own check
    resp = client.post("/admin/mail/accounts/new", data={**bad, "imap_port": "993"})
    page = text(resp)
    assert resp.status_code == 422
    assert 'data-field-error="email_address"' in page and 'data-field-error="imap_host"' in page
    assert db.session.query(MailAccount).count() == 1


def test_new_account_is_stored_trimmed_with_write_only_passwords_and_members(world, client):
    as_user(client, "adam")
    data = {**NEW_ACCOUNT, "members": [world.agent.id]}
    resp = client.post("/admin/mail/accounts/new", data=data)
    assert resp.status_code == 303, text(resp)[:2000]
    account = db.session.query(MailAccount).filter_by(name="Support box").one()
    assert (account.email_address, account.imap_host, account.imap_username) == (
        "support@example.com", "imap.example.com", "support@example.com")  # fmt: skip
    assert decrypt_secret(account.imap_password_encrypted) == "s3cret"
    assert account.max_attachments_mb == 15 and account.imap_port == 993 and account.smtp_port == 587
    assert [m.user_id for m in db.session.query(MailAccountMember).filter_by(account_id=account.id)] == [
        world.agent.id
    ]
    page = text(client.get(resp.location))
    assert "s3cret" not in page and "smtp-pass" not in page
    assert "Stored; leave empty to keep it." in page
    # Saving again with empty passwords keeps them.
    resp = client.post(
        resp.location, data={**data, "imap_password": "", "smtp_password": "", "name": "Support"}
    )
    assert resp.status_code == 303
    db.session.expire_all()
    account = db.session.get(MailAccount, account.id)
    assert account.name == "Support" and decrypt_secret(account.imap_password_encrypted) == "s3cret"


def test_auto_responder_period_is_read_in_the_admins_time_zone(world, client):
    as_user(client, "adam")
    url = f"/admin/mail/accounts/{world.account.id}"
    form = {**NEW_ACCOUNT, "email_address": "sales@example.com", "name": "Sales box", "imap_host": "",
            "members": [world.manager.id, world.agent.id], "autoreply_enabled": "y",
            "autoreply_from": "2025-07-01T09:00", "autoreply_until": "2025-06-01T09:00",
            "autoreply_subject": "On holiday", "autoreply_body": "Back on Monday"}  # fmt: skip
    resp = client.post(url, data=form)
    assert resp.status_code == 422 and 'data-field-error="autoreply_until"' in text(resp)
    resp = client.post(url, data={**form, "autoreply_until": "2025-07-14T18:00"})
    assert resp.status_code == 303
    db.session.expire_all()
    account = db.session.get(MailAccount, world.account.id)
    assert account.autoreply_enabled and account.autoreply_body == "Back on Monday"
    assert account.autoreply_from.isoformat() == "2025-07-01T06:00:00+00:00"  # 09:00 in Moscow
    assert 'value="2025-07-14T18:00"' in text(client.get(url))


def test_lead_folders_per_scenario(world, client):
    as_user(client, "adam")
    url = f"/admin/mail/accounts/{world.account.id}/leads"
    resp = client.post(url, data={"lead_mode": "selected"})
    assert resp.status_code == 422 and 'data-field-error="lead_folder_ids"' in text(resp)
    resp = client.post(
        url, data={"lead_mode": "selected", "lead_folder_ids": [world.inbox.id, world.archive.id],
                   "scenario_sales": [world.inbox.id], "scenario_support": [world.archive.id]},
    )  # fmt: skip
    assert resp.status_code == 303
    db.session.expire_all()
    account = db.session.get(MailAccount, world.account.id)
    assert account.lead_mode == "selected"
    assert account.lead_scenario_folders == {"sales": [world.inbox.id], "support": [world.archive.id]}
    page = text(client.get(f"/admin/mail/accounts/{world.account.id}"))
    assert re.search(rf'name="scenario_sales" value="{world.inbox.id}" checked', page)
    # A folder that produces no leads cannot show them in a workplace.
    resp = client.post(url, data={"lead_mode": "off", "scenario_sales": [world.inbox.id]})
    assert resp.status_code == 422 and 'data-field-error="scenario_folders.sales"' in text(resp)


def test_sorting_rules_with_forward_to_address_and_their_order(world, client):
    as_user(client, "adam")
    resp = client.post("/admin/mail/rules/new", data={"name": "Nothing", "account_id": world.account.id,
                                                      "match_all": "1", "act_type": ["flag"]})  # fmt: skip
    assert resp.status_code == 422 and 'data-field-error="conditions"' in text(resp)
    assert db.session.query(MailSortingRule).count() == 0
    for name, address in (
        ("Invoices to accounting", "accounting@partner.example"),
        ("Second", "x@partner.example"),
    ):
        resp = client.post(
            "/admin/mail/rules/new",
            data={"name": name, "account_id": world.account.id, "match_all": "1", "is_active": "y",
                  "cond_field": ["subject"], "cond_op": ["contains"], "cond_value": ["invoice"],
                  "act_type": ["forward_to", "move_to_folder"], "act_folder": ["", str(world.archive.id)],
                  "act_user": ["", ""], "act_client": ["", ""], "act_address": [address, ""]},
        )  # fmt: skip
        assert resp.status_code == 303, text(resp)[:2000]
    first, second = db.session.query(MailSortingRule).order_by(MailSortingRule.position).all()
    assert first.conditions == [{"field": "subject", "op": "contains", "value": "invoice"}]
    assert first.actions == [{"type": "forward_to", "address": "accounting@partner.example"},
                             {"type": "move_to_folder", "folder_id": world.archive.id}]  # fmt: skip
    page = text(client.get("/admin/mail/rules"))
    assert page.index("Invoices to accounting") < page.index("Second")
    assert "Forward to address accounting@partner.example" in page
    client.post(f"/admin/mail/rules/{second.id}/move", data={"direction": "up"})
    page = text(client.get("/admin/mail/rules"))
    assert page.index("Second") < page.index("Invoices to accounting")
    bad = client.post(f"/admin/mail/rules/{first.id}", data={"name": "Invoices", "match_all": "1",
                      "cond_field": ["subject"], "cond_op": ["contains"], "cond_value": ["invoice"],
                      "act_type": ["forward_to"], "act_address": ["sales@example.com"], "act_folder": [""],
                      "act_user": [""], "act_client": [""]})  # fmt: skip
    assert bad.status_code == 422 and "loop" in text(bad)  # forwarding to our own mailbox
    client.post(f"/admin/mail/rules/{first.id}/delete")
    assert [r.name for r in db.session.query(MailSortingRule)] == ["Second"]


def test_shared_signatures_and_the_company_font(world, client):
    as_user(client, "adam")
    resp = client.post("/admin/mail/signatures/new", data={"name": "", "body_html": "x"})
    assert resp.status_code == 422 and 'data-field-error="name"' in text(resp)
    resp = client.post("/admin/mail/signatures/new", data={"name": "Team", "is_active": "y",
                                                           "body_html": "<p>{{current_user}}</p><script>1</script>"})  # fmt: skip
    assert resp.status_code == 303
    signature = db.session.query(MailSignature).filter_by(name="Team").one()
    assert signature.owner_id is None and "<script" not in signature.body_html
    resp = client.post(
        f"/admin/mail/signatures/{signature.id}", data={"name": "Team", "body_html": "{{nobody}}"}
    )
    assert resp.status_code == 422 and "unknown autotext" in text(resp)
    resp = client.post("/admin/mail/font", data={"font_family": "Georgia", "font_size": "99pt"})
    assert resp.status_code == 422 and 'data-field-error="font_size"' in text(resp)
    assert preferences.get_global_font() == ("Arial", "10pt")
    assert (
        client.post("/admin/mail/font", data={"font_family": "Georgia", "font_size": "12pt"}).status_code
        == 303
    )
    assert preferences.get_global_font() == ("Georgia", "12pt")


def test_personal_sender_names_font_and_signatures(world, client):
    as_user(client, "mary")
    page = text(client.get("/mail/settings"))
    assert 'data-testid="mail-membership"' in page and "sales@example.com" in page
    field = f"sender_name_{world.account.id}"
    resp = client.post(
        "/mail/settings/accounts", data={field: "Mary <boss>", f"signature_{world.account.id}": "0"}
    )
    assert resp.status_code == 422 and f'data-field-error="{field}"' in text(resp)
    assert client.post("/mail/settings/accounts", data={field: "Mary from Sales"}).status_code == 303
    assert 'value="Mary from Sales"' in text(client.get("/mail/settings"))
    assert "Mary from Sales &lt;sales@example.com&gt;" in text(client.get("/mail/compose"))
    resp = client.post("/mail/settings/font", data={"font_family": "Verdana", "font_size": "huge"})
    assert resp.status_code == 422 and 'data-field-error="font_size"' in text(resp)
    assert preferences.get_personal_font(world.manager) is None
    assert (
        client.post("/mail/settings/font", data={"font_family": "Verdana", "font_size": "11pt"}).status_code
        == 303
    )
    assert preferences.get_personal_font(world.manager) == ("Verdana", "11pt")
    resp = client.post(
        "/mail/settings/signatures/new", data={"name": "Mine", "body_html": "<p>M.</p>", "is_active": "y"}
    )
    assert resp.status_code == 303
    mine = db.session.query(MailSignature).filter_by(name="Mine").one()
    assert mine.owner_id == world.manager.id
    as_user(client, "sveta")
    assert client.get(f"/mail/settings/signatures/{mine.id}").status_code == 404  # someone else's
    assert client.post(f"/mail/settings/signatures/{mine.id}/delete").status_code == 404
    as_user(client, "mary")
    client.post(f"/mail/settings/signatures/{mine.id}/delete")
    assert db.session.query(MailSignature).filter_by(name="Mine").count() == 0
