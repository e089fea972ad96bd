"""The mail accounts service: cleaning and validating settings, encrypted passwords, who manages and who uses
an account, members' sender names, folders from the server, lead folders, the connection check."""

from __future__ import annotations

import pytest
from test_incoming_world import world_fixture  # noqa: F401  (the world fixture)

from connectors.mail.interfaces import MailAuthenticationFailed
from crm.errors import AccessDenied, ValidationFailed
from crm.mail.accounts import (
    accounts_for_user,
    can_manage_account,
    can_use_account,
    check_connection,
    create_account,
    members_of,
    refresh_folders,
    set_lead_folders,
    set_members,
    set_sender_name,
    update_account,
)
from crm.mail.secrets import decrypt_secret
from crm.mail.transport import imap_settings
from engine.db import db

SETTINGS = {"email_address": " sales2@co.example\t", "imap_host": "imap.test ", "smtp_host": "\tsmtp.test",
            "imap_username": " sales2@co.example", "imap_password": "  s3cret pass\t", "smtp_password": "x"}  # fmt: skip


def test_key_fields_lose_spaces_and_tabs_and_passwords_are_stored_encrypted(world):
    account = create_account(world.admin, {**SETTINGS, "imap_security": "starttls"})
    assert (account.email_address, account.imap_host, account.smtp_host, account.imap_username) == (
        "sales2@co.example", "imap.test", "smtp.test", "sales2@co.example")  # fmt: skip
    assert account.kind == "shared" and account.owner_id is None and account.name == "sales2@co.example"
    assert (account.imap_port, account.smtp_port) == (143, 465)  # the usual ports of the chosen security
    assert "s3cret" not in account.imap_password_encrypted
    assert decrypt_secret(account.imap_password_encrypted) == "s3cret pass"  # inner space kept
    assert imap_settings(account).password == "s3cret pass"
    # An empty password keeps the stored one; a new one replaces it.
    update_account(world.admin, account.id, {"imap_password": " \t", "name": "Sales 2"})
    assert decrypt_secret(account.imap_password_encrypted) == "s3cret pass" and account.name == "Sales 2"
    update_account(world.admin, account.id, {"imap_password": "new"})
    assert decrypt_secret(account.imap_password_encrypted) == "new"
    # Switching the security moves a port that was at the old security's usual value.
    update_account(world.admin, account.id, {"imap_security": "ssl"})
    assert account.imap_port == 993


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email_address": "not an address"}, "email_address"),
        ({"imap_port": "0"}, "imap_port"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"imap_security": "tls13"}, "imap_security"),
        ({"max_attachments_mb": 0}, "max_attachments_mb"),
        ({"poll_interval_seconds": 5}, "poll_interval_seconds"),
        ({"imap_host": "imap test!"}, "imap_host"),
        ({"lead_mode": "some"}, "lead_mode"),
        ({"autoreply_from": "2025-06-02T10:00", "autoreply_until": "2025-06-01T10:00"}, "autoreply_until"),
        ({"imap_password_encrypted": "x"}, "imap_password_encrypted"),
        ({"default_signature_id": 999}, "default_signature_id"),
    ],
)
def test_bad_settings_are_refused_field_by_field(world, data, field):
    with pytest.raises(ValidationFailed) as problem:
        create_account(world.admin, {**SETTINGS, **data})
    assert field in problem.value.field_errors


def test_administrators_manage_shared_accounts_and_users_their_own_personal_one(world):
    with pytest.raises(AccessDenied):
        create_account(world.mary, {**SETTINGS, "kind": "shared"})
    own = create_account(world.mary, {**SETTINGS, "email_address": "mary@co.example"})
    assert (own.kind, own.owner_id) == ("personal", world.mary.id)
    assert can_manage_account(world.mary, own) and not can_manage_account(world.oleg, own)
    with pytest.raises(AccessDenied):
        create_account(world.mary, {**SETTINGS, "kind": "personal", "owner_id": world.oleg.id})
    with pytest.raises(AccessDenied):
        update_account(world.oleg, own.id, {"name": "mine now"})
    with pytest.raises(AccessDenied):
        update_account(world.mary, own.id, {"kind": "shared"})
    with pytest.raises(AccessDenied):
        update_account(world.mary, world.account.id, {"name": "x"})
    update_account(world.mary, own.id, {"poll_interval_seconds": 120})
    assert own.poll_interval_seconds == 120
    with pytest.raises(ValidationFailed):  # a personal account has its owner only
        set_members(world.mary, own.id, [world.oleg.id])


def test_members_use_an_account_and_name_themselves_for_replies(world):
    assert [a.id for a in accounts_for_user(world.mary)] == [world.account.id]
    assert accounts_for_user(world.sam) == []
    set_members(world.admin, world.account.id, [world.sam.id, world.mary.id])
    assert {m.user_id: m.sender_name for m in members_of(world.account.id)} == {
        world.mary.id: "Mary Seller", world.sam.id: ""}  # fmt: skip
    assert can_use_account(world.sam, world.account) and not can_use_account(world.oleg, world.account)
    member = set_sender_name(world.sam, world.account.id, "  Sam   from Support ")
    assert member.sender_name == "Sam from Support"
    with pytest.raises(AccessDenied):
        set_sender_name(world.oleg, world.account.id, "Oleg")
    with pytest.raises(ValidationFailed):
        set_sender_name(world.sam, world.account.id, 'Sam "the boss" <x>')
    world.account.is_active = False
    db.session.commit()
    assert accounts_for_user(world.mary) == [] and not can_use_account(world.mary, world.account)
    own = create_account(world.oleg, {**SETTINGS, "email_address": "oleg@co.example"})
    assert set_sender_name(world.oleg, own.id, "Oleg P.").user_id == world.oleg.id  # the owner names himself


def test_folders_come_from_the_server_and_lead_folders_are_checked(world):
    folders = refresh_folders(world.account.id)
    assert [(f.name, f.role) for f in folders] == [("INBOX", "inbox"), ("Leads", None), ("Sent", "sent"),
                                                   ("Trash", "trash")]  # fmt: skip
    ids = {f.name: f.id for f in folders}
    del world.mailbox.folders["Leads"]
    refreshed = {f.name: f for f in refresh_folders(world.account.id)}
    assert not refreshed["Leads"].is_synced and refreshed["INBOX"].is_synced
    with pytest.raises(ValidationFailed) as problem:
        set_lead_folders(world.admin, world.account.id, "selected", [], {})
    assert "lead_folder_ids" in problem.value.field_errors
    with pytest.raises(ValidationFailed) as problem:  # a scenario shows leads of lead folders only
        set_lead_folders(
            world.admin, world.account.id, "selected", [ids["Leads"]], {"support": [ids["INBOX"]]}
        )
    assert "scenario_folders.support" in problem.value.field_errors
    with pytest.raises(ValidationFailed):  # one folder, one workplace
        set_lead_folders(world.admin, world.account.id, "all", [],
                         {"sales": [ids["INBOX"]], "support": [ids["INBOX"]]})  # fmt: skip
    with pytest.raises(AccessDenied):
        set_lead_folders(world.mary, world.account.id, "all", [], {})
    account = set_lead_folders(world.admin, world.account.id, "selected", [ids["Leads"], ids["INBOX"]],
                               {"support": [ids["INBOX"]]})  # fmt: skip
    assert account.lead_mode == "selected"
    assert account.lead_scenario_folders == {"sales": [], "support": [ids["INBOX"]]}
    assert {f.name for f in refresh_folders(world.account.id) if f.is_lead_source} == {"INBOX", "Leads"}


def test_the_connection_check_says_what_is_wrong(world):
    assert check_connection(world.account.id) == []
    world.mailbox.fail(MailAuthenticationFailed("imap.test:993: the user name or password is wrong"))
    assert check_connection(world.account.id) == ["IMAP: imap.test:993: the user name or password is wrong"]
    account = create_account(world.admin, {**SETTINGS, "imap_password": "", "smtp_host": "smtp.test"})
    account.smtp_host = ""
    db.session.commit()
    assert check_connection(account.id) == ["IMAP: the password is not set",
                                            "SMTP: the outgoing mail server is not set"]  # fmt: skip
