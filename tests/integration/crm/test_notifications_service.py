"""The notifications service over every store: route maps', monitoring alerts' and the CRM's own rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.monitoring.alerts import evaluate_alerts, save_alert_rule
from crm.notifications.delivery import Message, notify
from crm.notifications.errors import InvalidCursor, InvalidNotificationId
from crm.notifications.services import list_notifications, mark_all_read, mark_read, unread_count
from crm.process_operations import notify_operation
from engine.db import db

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def route_map_note(user_id: int, text: str, business_key: str | None = "interest:7") -> None:
    notify_operation(text=text, user_id=user_id, business_key=business_key, feed=False)
    db.session.commit()


def alert_for(user_id: int, now: datetime) -> None:
    save_alert_rule(name="Overdue work", metric="overdue_tasks", comparison=">", threshold=-1, window_days=7,
                    recipient_id=user_id)  # fmt: skip
    assert evaluate_alerts(now=now) == 1


def all_items(user_id: int, **kwargs):
    return list_notifications(user_id, limit=100, **kwargs).items


def test_one_list_over_every_store_newest_first_with_links(people):
    alice, bob = people.alice, people.bob
    route_map_note(alice.id, "Urgent appeal: printer on fire", business_key="ticket:12")
    alert_for(alice.id, datetime.now(UTC))
    notify([alice.id], Message(kind="task_new", title="Call the client", link="/tasks/5"))
    notify([bob.id], Message(kind="task_new", title="Bob's own", link="/tasks/6"))

    items = all_items(alice.id)

    assert [(i.kind, i.link) for i in items] == [
        ("task_new", "/tasks/5"),
        ("monitoring_alert", "/monitoring/sla"),
        ("route_map", "/tickets/12"),
    ]
    assert items[2].title == "Urgent appeal: printer on fire"
    assert items[1].title.startswith("Overdue work:")
    assert not any(i.read for i in items)
    assert items == sorted(items, key=lambda i: i.created_at, reverse=True)
    assert unread_count(alice.id) == 3
    assert unread_count(bob.id) == 1
    assert [i.title for i in all_items(bob.id)] == ["Bob's own"]


def test_route_map_note_without_a_record_has_no_link_and_long_text_is_cut(people):
    route_map_note(people.alice.id, "x" * 250 + "\nsecond line", business_key=None)
    [item] = all_items(people.alice.id)
    assert item.link == ""
    assert len(item.title) == 200 and item.title.endswith("…")
    assert item.body == "second line"


def test_keyset_paging_walks_every_row_once_even_with_equal_timestamps(people):
    alice = people.alice
    for n in range(4):  # two pairs share a created_at across stores
        notify([alice.id], Message(kind="task_new", title=f"app {n}"), now=T0 + timedelta(minutes=n // 2))
    for n in range(3):
        route_map_note(alice.id, f"route {n}")
    expected = [i.id for i in all_items(alice.id)]
    assert len(expected) == 7

    seen, before, pages = [], None, 0
    while True:
        page = list_notifications(alice.id, limit=3, before=before)
        seen += [i.id for i in page.items]
        pages += 1
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == expected
    assert pages == 3


def test_unread_only_and_marking_read(people):
    alice, bob = people.alice, people.bob
    route_map_note(alice.id, "first")
    notify([alice.id], Message(kind="task_overdue", title="second"))
    notify([bob.id], Message(kind="task_overdue", title="bob's"))
    first, _second = sorted(all_items(alice.id), key=lambda i: i.title)
    [bobs] = all_items(bob.id)

    assert mark_read(alice.id, [first.id, bobs.id]) == 1  # bob's id is not alice's to mark
    assert [i.title for i in all_items(alice.id, unread_only=True)] == ["second"]
    assert [i.read for i in sorted(all_items(alice.id), key=lambda i: i.title)] == [True, False]
    assert unread_count(alice.id) == 1 and unread_count(bob.id) == 1
    assert mark_read(alice.id, [first.id]) == 0  # already read

    assert mark_all_read(alice.id) == 1
    assert unread_count(alice.id) == 0 and unread_count(bob.id) == 1
    assert all_items(alice.id, unread_only=True) == []


def test_mark_all_read_covers_every_store(people):
    alice = people.alice
    route_map_note(alice.id, "route")
    alert_for(alice.id, T0)
    notify([alice.id], Message(kind="task_new", title="task"))
    assert mark_all_read(alice.id) == 3
    assert unread_count(alice.id) == 0


def test_bad_ids_and_tokens_are_domain_errors(people):
    with pytest.raises(InvalidNotificationId):
        mark_read(people.alice.id, ["nonsense-1"])
    with pytest.raises(InvalidNotificationId):
        mark_read(people.alice.id, ["app-x"])
    with pytest.raises(InvalidCursor):
        list_notifications(people.alice.id, before="garbage")


def test_notify_with_a_dedup_key_writes_once_per_user(people):
    message = Message(kind="task_new", title="Once", dedup_key="task_new:1")
    assert notify([people.alice.id, people.bob.id], message) == 2
    assert notify([people.alice.id, people.bob.id, people.carol.id], message) == 1
    assert [unread_count(u.id) for u in (people.alice, people.bob, people.carol)] == [1, 1, 1]
