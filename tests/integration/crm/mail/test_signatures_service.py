"""Signatures: shared ones are the administrators', personal ones their owner's; autotext fills in the writer
(SPEC #39); the letter's signature is the user's choice for the account, else the account's default."""

import pytest

from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.models import MailAccount
from crm.mail.signatures import (
    choose_signature,
    create_signature,
    delete_signature,
    list_signatures,
    render_signature,
    signature_for,
    update_signature,
)
from engine.db import db


def make_account(**extra):
    account = MailAccount(name="Sales", email_address="sales@co.example", **extra)
    db.session.add(account)
    db.session.commit()
    return account


def test_one_shared_signature_shows_each_writers_own_name(people):
    shared = create_signature(people.admin, {"name": "Company", "shared": True,
                                             "body_html": "<p>Regards, {{current_user}}</p>"})  # fmt: skip
    assert render_signature(shared, user=people.alice) == "<p>Regards, Alice</p>"
    assert render_signature(shared, user=people.bob) == "<p>Regards, Bob</p>"


def test_only_an_administrator_creates_or_changes_a_shared_signature(people):
    with pytest.raises(AccessDenied):
        create_signature(people.alice, {"name": "Company", "shared": True, "body_html": "x"})
    shared = create_signature(people.admin, {"name": "Company", "shared": True, "body_html": "x"})
    with pytest.raises(AccessDenied):
        update_signature(people.alice, shared.id, {"body_html": "mine now"})
    with pytest.raises(AccessDenied):
        delete_signature(people.alice, shared.id)


def test_a_personal_signature_is_its_owners_alone(people):
    mine = create_signature(people.alice, {"name": "Mine", "body_html": "<b>A</b>"})
    assert mine.owner_id == people.alice.id
    assert [s.name for s in list_signatures(people.alice)] == ["Mine"]
    assert list_signatures(people.bob) == []
    with pytest.raises(NotFound):
        update_signature(people.bob, mine.id, {"name": "Bob's"})
    update_signature(people.alice, mine.id, {"name": "Short"})
    assert [s.name for s in list_signatures(people.alice)] == ["Short"]


def test_the_body_is_sanitised_and_an_unknown_autotext_is_a_field_error(people):
    sig = create_signature(
        people.alice, {"name": "S", "body_html": '<p onclick="x()">Hi<script>bad()</script></p>'}
    )
    assert sig.body_html == "<p>Hi</p>"
    with pytest.raises(ValidationFailed) as err:
        create_signature(people.alice, {"name": "", "body_html": "{{curent_user}}"})
    assert err.value.field_errors == {"name": "give the signature a name",
                                      "body_html": "unknown autotext: {{curent_user}}"}  # fmt: skip


def test_the_users_choice_wins_over_the_accounts_default_and_none_means_none(people):
    shared = create_signature(people.admin, {"name": "Company", "shared": True, "body_html": "C"})
    mine = create_signature(people.alice, {"name": "Mine", "body_html": "M"})
    account = make_account(default_signature_id=shared.id)
    assert signature_for(people.alice, account).id == shared.id
    choose_signature(people.alice, account.id, mine.id)
    assert signature_for(people.alice, account).id == mine.id
    assert signature_for(people.bob, account).id == shared.id  # Bob keeps the account's
    choose_signature(people.alice, account.id, None)
    assert signature_for(people.alice, account) is None
    with pytest.raises(NotFound):
        choose_signature(people.bob, account.id, mine.id)


def test_deleting_the_accounts_default_signature_leaves_the_account_without_one(people):
    shared = create_signature(people.admin, {"name": "Company", "shared": True, "body_html": "C"})
    account = make_account(default_signature_id=shared.id)
    delete_signature(people.admin, shared.id)
    db.session.refresh(account)
    assert account.default_signature_id is None and signature_for(people.alice, account) is None
