"""The periodic scan: new and overdue task notifications, once each, to the right people, switches respected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from crm.notifications.models import KIND_TASK_NEW, KIND_TASK_OVERDUE
from crm.notifications.services import list_notifications
from crm.notifications.settings import NotificationSettings, get_settings, save_settings
from crm.notifications.task_scan import TaskScanResult, notify_task_events
from crm.tasks import NOTIFY_TASK_EVENTS
from engine.db import db
from engine.humantask_model import COMPLETED, HumanTask
from engine.jobs import PERIODIC
from tests.analytics_history import History, add_definition

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


class Tasks:
    def __init__(self) -> None:
        self.history = History(add_definition())
        self.instance = self.history.instance("interest:1", T0 - timedelta(days=1))

    def add(
        self, name: str, created: datetime, due: datetime | None, *, assignee=None, lane=None, status="open"
    ):
        row = HumanTask(
            instance_id=self.instance.id, definition_id=self.instance.definition_id, business_key="interest:1",
            spiff_task_id=f"{name}-{created.timestamp()}", element_id=name.replace(" ", "_"), element_name=name,
            lane=lane, assignee_id=assignee.id if assignee else None, created_at=created, due_at=due, status=status,
        )  # fmt: skip
        db.session.add(row)
        db.session.commit()
        return row


def titles(user, kind: str) -> list[str]:
    return sorted(i.title for i in list_notifications(user.id, limit=100).items if i.kind == kind)


def test_new_and_overdue_tasks_notify_once_each(people):
    alice, bob, carol, dave = people.alice, people.bob, people.carol, people.dave
    tasks = Tasks()
    own = tasks.add("Call the client", T0 - timedelta(minutes=30), T0 + timedelta(hours=1), assignee=alice)
    shared = tasks.add(
        "Answer the appeal", T0 - timedelta(minutes=2), T0 + timedelta(hours=2), lane="Employee"
    )
    tasks.add("Ancient", T0 - timedelta(hours=3), None, assignee=alice)  # before the first scan's look-back
    tasks.add(
        "Done in time", T0 - timedelta(minutes=20), T0 + timedelta(hours=1), assignee=bob, status=COMPLETED
    )

    assert notify_task_events(now=T0) == TaskScanResult(new=4, overdue=0)
    assert titles(alice, KIND_TASK_NEW) == ["Answer the appeal", "Call the client"]
    assert titles(bob, KIND_TASK_NEW) == ["Answer the appeal"]
    assert titles(dave, KIND_TASK_NEW) == ["Answer the appeal"]
    assert titles(carol, KIND_TASK_NEW) == []  # a manager is not in the "employee" lane

    # The next window overlaps the first (a late commit is still seen): "Answer the appeal" is not told twice.
    assert notify_task_events(now=T0 + timedelta(minutes=90)) == TaskScanResult(new=0, overdue=1)
    [overdue] = [i for i in list_notifications(alice.id).items if i.kind == KIND_TASK_OVERDUE]
    assert (overdue.title, overdue.link) == ("Call the client", f"/tasks/{own.id}")

    assert notify_task_events(now=T0 + timedelta(hours=3)) == TaskScanResult(new=0, overdue=3)
    assert [titles(u, KIND_TASK_OVERDUE) for u in (alice, bob, dave)] == [
        ["Answer the appeal", "Call the client"], ["Answer the appeal"], ["Answer the appeal"]]  # fmt: skip
    assert notify_task_events(now=T0 + timedelta(hours=3, minutes=1)) == TaskScanResult(new=0, overdue=0)
    assert shared.assignee_id is None


def test_laneless_unassigned_task_reaches_everyone_who_works_on_tasks(people):
    Tasks().add("Anyone", T0 - timedelta(minutes=1), None)
    notify_task_events(now=T0)
    told = [u.username for u in (people.admin, people.alice, people.bob, people.carol, people.dave, people.designer)
            if titles(u, KIND_TASK_NEW)]  # fmt: skip
    assert told == ["admin", "alice", "bob", "carol", "dave"]


def test_switched_off_kinds_are_not_sent(people):
    alice, bob = people.alice, people.bob
    assert get_settings(bob.id) == NotificationSettings(new_task=True, overdue_task=True)
    save_settings(bob.id, new_task=True, overdue_task=False)
    save_settings(alice.id, new_task=False, overdue_task=True)
    assert get_settings(bob.id) == NotificationSettings(new_task=True, overdue_task=False)
    Tasks().add("Shared", T0 - timedelta(minutes=1), T0 + timedelta(minutes=30), lane="employee")

    notify_task_events(now=T0)
    notify_task_events(now=T0 + timedelta(hours=1))

    assert (titles(alice, KIND_TASK_NEW), titles(alice, KIND_TASK_OVERDUE)) == ([], ["Shared"])
    assert (titles(bob, KIND_TASK_NEW), titles(bob, KIND_TASK_OVERDUE)) == (["Shared"], [])


def test_the_periodic_job_is_registered_and_runs_the_scan(people):
    assert PERIODIC[NOTIFY_TASK_EVENTS] == 60
    Tasks().add("Via the job", datetime.now(UTC) - timedelta(minutes=1), None, assignee=people.alice)
    result = current_app.extensions["celery"].tasks[NOTIFY_TASK_EVENTS].apply()
    assert result.get() == {"new": 1, "overdue": 0}
    assert titles(people.alice, KIND_TASK_NEW) == ["Via the job"]
