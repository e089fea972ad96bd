"""The letters service: who may open a letter, marks copied to the server, moves and deletion (the Trash marks
for deletion, on the server too), take and reject (SPEC #41), linking by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_incoming_world import letter, world_fixture  # noqa: F401  (the world fixture)

from connectors.mail.interfaces import MailError
from crm.clients.services import create_client
from crm.deals.services import create_interest
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.models import FeedEntry
from crm.mail.letters import (
    delete_letters,
    get_letter,
    link_letter,
    mark_read,
    move_letters,
    reject_letter,
    set_flagged,
    take_letter,
)
from crm.mail.models import MailAccount
from engine.db import db


def test_who_may_open_a_letter(world):
    world.mailbox.deliver(letter(sender="ivan@client.example", subject="linked"))
    world.mailbox.deliver(letter(sender="nobody@else.example", subject="unlinked"))
    world.sync()
    linked, unlinked = world.letters()
    assert get_letter(world.oleg, unlinked.id) == unlinked  # a member of the account
    with pytest.raises(AccessDenied):  # not a member; the letter is linked to nothing he sees
        get_letter(world.sam, unlinked.id)
    world.client.responsible_id = world.sam.id  # now he may see the client the letter is linked to
    db.session.commit()
    assert get_letter(world.sam, linked.id) == linked
    unlinked.responsible_group_id = world.mary.groups[0].id  # waiting for the sales group
    db.session.commit()
    with pytest.raises(AccessDenied):
        get_letter(world.sam, unlinked.id)
    world.sam.groups.append(world.mary.groups[0])
    db.session.commit()
    assert get_letter(world.sam, unlinked.id) == unlinked
    with pytest.raises(NotFound):
        get_letter(world.mary, 999)


def test_read_and_flag_marks_reach_the_server_and_a_server_problem_is_noted_not_raised(world):
    world.mailbox.deliver(letter())
    world.sync()
    [stored] = world.letters()
    mark_read(world.mary, [stored.id])
    set_flagged(world.mary, [stored.id], True)
    assert set(world.mailbox.message("INBOX", 1).flags) == {"\\Seen", "\\Flagged"}
    mark_read(world.mary, [stored.id], read=False)
    assert set(world.mailbox.message("INBOX", 1).flags) == {"\\Flagged"}
    world.mailbox.fail(MailError("imap.test:993: the server is busy"))
    set_flagged(world.mary, [stored.id], False)
    db.session.expire_all()
    assert not stored.is_flagged
    assert "the server is busy" in db.session.get(MailAccount, world.account.id).last_error


def test_moving_to_the_trash_marks_for_deletion_on_the_server_too_and_a_resync_stores_no_copy(world):
    world.mailbox.deliver(letter(subject="one"))
    world.mailbox.deliver(letter(subject="two"))
    world.sync()
    one, two = world.letters()
    trash = world.folder("Trash")
    move_letters(world.mary, [one.id], trash.id)
    db.session.expire_all()
    assert (one.folder_id, one.uid, one.marked_for_deletion) == (trash.id, None, True)
    assert world.mailbox.uids("INBOX") == [2] and world.mailbox.uids("Trash") == [1]
    delete_letters(world.mary, [two.id])  # delete = to the Trash as well
    assert world.mailbox.uids("INBOX") == [] and world.mailbox.uids("Trash") == [1, 2]
    result = world.sync()
    assert (result.stored, result.reattached) == (0, 2)
    assert [(m.folder_id, m.uid, m.marked_for_deletion) for m in world.letters()] == [
        (trash.id, 1, True), (trash.id, 2, True)]  # fmt: skip
    delete_letters(world.mary, [one.id])  # already in the Trash: flagged \Deleted on the server
    assert "\\Deleted" in world.mailbox.message("Trash", 1).flags


def test_a_move_the_server_refuses_changes_nothing_and_says_why(world):
    world.mailbox.deliver(letter())
    world.sync()
    [stored] = world.letters()
    inbox, trash = world.folder("INBOX"), world.folder("Trash")
    world.mailbox.fail(MailError("imap.test:993: MOVE failed: quota exceeded"))
    with pytest.raises(ValidationFailed) as problem:
        move_letters(world.mary, [stored.id], trash.id)
    assert "quota exceeded" in problem.value.field_errors["server"]
    db.session.expire_all()
    assert (stored.folder_id, stored.uid, stored.marked_for_deletion) == (inbox.id, 1, False)
    with pytest.raises(AccessDenied):  # moving is mailbox work: account users only
        move_letters(world.sam, [stored.id], trash.id)


def test_take_and_reject_a_role_assigned_letter(world):
    world.mailbox.deliver(letter(sender="nobody@else.example"))
    world.mailbox.deliver(letter(sender="nobody@else.example"))
    world.sync()
    first, second = world.letters()
    group_id = world.mary.groups[0].id
    for row in (first, second):
        row.responsible_id, row.responsible_group_id = None, group_id
    db.session.commit()
    taken = take_letter(world.mary, first.id)
    assert (taken.responsible_id, taken.responsible_group_id) == (world.mary.id, None)
    with pytest.raises(ValidationFailed):  # Mary's now
        take_letter(world.oleg, first.id)
    rejected = reject_letter(world.oleg, second.id)  # SPEC #41: the one who rejects becomes Responsible
    assert (rejected.responsible_id, rejected.responsible_group_id) == (world.oleg.id, None)
    with pytest.raises(ValidationFailed):
        reject_letter(world.mary, second.id)


def test_linking_by_hand_moves_the_feed_row_to_the_chosen_documents(world):
    world.mailbox.deliver(letter(sender="nobody@else.example", subject="about the desks"))
    world.sync()
    [stored] = world.letters()
    other = create_client(
        world.admin, {"name": "Other Co", "kind": "company", "responsible_id": world.oleg.id}
    )
    interest = create_interest(world.admin, {"client_id": world.client.id, "title": "Desks"})
    with pytest.raises(AccessDenied):  # Oleg may not see Mary's client's interest
        link_letter(world.oleg, stored.id, interest_id=interest.id)
    link_letter(world.mary, stored.id, interest_id=interest.id)
    assert (stored.interest_id, stored.client_id) == (interest.id, world.client.id)
    link_letter(world.admin, stored.id, client_id=other.id)
    entries = db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "mail")).all()
    assert [(e.client_id, e.interest_id) for e in entries] == [(other.id, interest.id)]
    with pytest.raises(ValidationFailed):
        link_letter(world.mary, stored.id)
