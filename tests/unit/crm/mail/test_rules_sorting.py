"""Sorting rules (SPEC #38): managing them, their conditions, and their actions on incoming letters — on the
CRM's copy and on the (in-memory) IMAP server, including "forward to address" through the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_incoming_world import letter, world_fixture  # noqa: F401  (the world fixture)

from crm.errors import AccessDenied, ValidationFailed
from crm.mail.models import MailMessage, MailOutbox
from crm.mail.rules import condition_holds, create_rule, delete_rule, list_rules, update_rule
from engine.db import db


def rule(world, conditions, actions, **extra):
    data = {"account_id": world.account.id, "name": extra.pop("name", "rule"), "conditions": conditions,
            "actions": actions, **extra}  # fmt: skip
    return create_rule(world.admin, data)


def test_rules_are_validated_and_only_their_managers_change_them(world):
    with pytest.raises(ValidationFailed) as problem:
        create_rule(world.admin, {"account_id": world.account.id, "name": " ", "conditions": [
            {"field": "colour", "op": "is", "value": "red"}], "actions": []})  # fmt: skip
    assert set(problem.value.field_errors) == {"name", "conditions", "actions"}
    with pytest.raises(ValidationFailed) as problem:
        rule(world, [{"field": "subject", "op": "contains", "value": "x"}],
             [{"type": "forward_to", "address": "Sales@co.example"}])  # fmt: skip
    assert "loop" in problem.value.field_errors["actions"]
    with pytest.raises(ValidationFailed) as problem:  # folders belong to an account: no global move rule
        create_rule(world.admin, {"name": "g", "conditions": [{"field": "size", "op": "greater_than", "value": 1}],
                                  "actions": [{"type": "move_to_folder", "folder_id": 1}]})  # fmt: skip
    assert "account" in problem.value.field_errors["actions"]
    with pytest.raises(AccessDenied):  # a member, not an administrator: shared account rules are not his
        create_rule(world.mary, {"account_id": world.account.id, "name": "r",
                                 "conditions": [{"field": "from", "op": "contains", "value": "x"}],
                                 "actions": [{"type": "flag"}]})  # fmt: skip
    first = rule(world, [{"field": "from", "op": "contains", "value": "x"}], [{"type": "flag"}], name="first")
    second = rule(world, [{"field": "size", "op": "less_than", "value": "5"}], [{"type": "mark_read"}])
    assert [r.id for r in list_rules(world.account.id)] == [first.id, second.id]
    assert second.conditions == [{"field": "size", "op": "less_than", "value": 5}]
    update_rule(world.admin, first.id, {"position": 10, "is_active": False})
    assert [r.id for r in list_rules(world.account.id)] == [second.id, first.id]
    delete_rule(world.admin, first.id)
    assert [r.id for r in list_rules()] == [second.id]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "from", "op": "contains", "value": "PETROV"}, True),
        ({"field": "from", "op": "ends_with", "value": "@client.example"}, True),
        ({"field": "to", "op": "equals", "value": "sales@co.example"}, True),
        ({"field": "to", "op": "not_contains", "value": "sales"}, False),
        ({"field": "cc", "op": "contains", "value": "boss"}, True),
        ({"field": "subject", "op": "starts_with", "value": "urgent"}, True),
        ({"field": "subject", "op": "not_equals", "value": "Urgent: invoice"}, False),
        ({"field": "body", "op": "contains", "value": "20 desks"}, True),
        ({"field": "has_attachments", "op": "is", "value": True}, False),
        ({"field": "size", "op": "less_than", "value": 1}, True),
        ({"field": "size", "op": "greater_than", "value": 1}, False),
    ],
)
def test_conditions(world, condition, expected):
    world.mailbox.deliver(
        letter(subject="Urgent: invoice", body="We need 20 desks", cc="Boss <boss@client.example>")
    )
    world.sync()
    [stored] = world.letters()
    assert condition_holds(condition, stored) is expected


def test_actions_change_the_letter_and_the_server_and_stop_processing_ends_the_pass(world):
    world.sync()
    trash = world.folder("Trash")
    archive = world.mailbox.add_folder("Archive")
    world.sync()
    archive_id = world.folder(archive.name).id
    rule(world, [{"field": "subject", "op": "contains", "value": "invoice"}],
         [{"type": "mark_read"}, {"type": "flag"}, {"type": "set_responsible", "user_id": world.oleg.id},
          {"type": "move_to_folder", "folder_id": archive_id}], stop_processing=True)  # fmt: skip
    rule(world, [{"field": "subject", "op": "contains", "value": "invoice"}], [{"type": "delete"}])
    rule(world, [{"field": "from", "op": "contains", "value": "spam.example"}], [{"type": "delete"}],
         match_all=False)  # fmt: skip
    rule(world, [{"field": "subject", "op": "contains", "value": "client"}],
         [{"type": "link_to_client", "client_id": world.client.id}])  # fmt: skip
    world.mailbox.deliver(letter(subject="Invoice 12"))
    world.mailbox.deliver(letter(subject="Cheap pills", sender="bot@spam.example"))
    world.mailbox.deliver(letter(subject="About our client", sender="partner@other.example"))
    first = world.sync()
    invoice, spam, about = world.letters()
    assert (invoice.is_read, invoice.is_flagged, invoice.responsible_id) == (True, True, world.oleg.id)
    assert invoice.folder_id == archive_id and not invoice.marked_for_deletion  # the delete rule never ran
    assert spam.folder_id == trash.id and spam.marked_for_deletion and spam.lead_scenario is None
    assert about.client_id == world.client.id
    # The server did the same: moved (flags kept), the inbox keeps only the third letter.
    assert world.mailbox.uids("INBOX") == [3]
    [moved] = world.mailbox.folders["Archive"].messages.values()
    assert {"\\Seen", "\\Flagged"} <= set(moved.flags)
    assert len(world.mailbox.folders["Trash"].messages) == 1
    # Archive and Trash come after INBOX in the same run: the moved letters are found there again by
    # Message-ID and get their new UIDs instead of being stored twice.
    assert (first.stored, first.reattached) == (3, 2)
    assert [(m.folder_id, m.uid) for m in world.letters()] == [(archive_id, 1), (trash.id, 1),
                                                               (world.folder("INBOX").id, 3)]  # fmt: skip
    again = world.sync()
    assert (again.stored, again.reattached) == (0, 0)


def test_forward_to_address_sends_a_copy_through_the_outbox(world):
    rule(world, [{"field": "subject", "op": "contains", "value": "order"}],
         [{"type": "forward_to", "address": " boss@partner.example\t"}])  # fmt: skip
    world.mailbox.deliver(letter(subject="New order"))
    assert world.sync().ok
    incoming = world.letters(direction="in")
    assert len(incoming) == 1
    [forward] = world.letters(direction="out")
    assert forward.to_addresses[0]["address"] == "boss@partner.example"
    assert db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == forward.id)).one()
    # The eager outbox job sent it with the original attached.
    [sent] = world.mailer.sent
    assert sent.recipients == ("boss@partner.example",)
    assert any(a.content_type == "message/rfc822" for a in sent.parsed.attachments)
    assert db.session.get(MailMessage, forward.id).status == "sent"
