"""The periodic scan that tells people about new tasks and tasks that became overdue — once each.

Each run reads the human-task projection for the window since the previous run (a watermark in
``notification_scans``, overlapped by ``OVERLAP`` so a task committed late is still seen) and notifies the
assignee, or — for an unassigned task — everyone who may take it (its lane's members; anyone who works on
tasks for a laneless one). The ``(user, dedup key)`` unique constraint makes "once" hold across overlapping
windows and concurrent runs; users who switched a kind off are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.accounts.models import EMPLOYEE, MANAGER, User
from crm.notifications.delivery import Message, add_notifications_in_session
from crm.notifications.models import KIND_TASK_NEW, KIND_TASK_OVERDUE, NotificationScan
from crm.notifications.settings import users_opted_out
from engine.db import db, utcnow
from engine.humantask_model import HumanTask
from engine.task_alerts import tasks_created_since, tasks_overdue_since

SCAN_NAME = "tasks"
OVERLAP = timedelta(minutes=5)
FIRST_LOOKBACK = timedelta(hours=1)  # the first run ever does not announce the whole backlog
BODY_MAX = 500


@dataclass(frozen=True)
class TaskScanResult:
    """How many notification rows one scan wrote, per kind."""

    new: int
    overdue: int


class _Recipients:
    """Who is told about a task; the users are loaded once per scan, only if an unassigned task needs them."""

    def __init__(self) -> None:
        self._workers: list[tuple[int, set[str]]] | None = None

    def _load(self) -> list[tuple[int, set[str]]]:
        if self._workers is None:
            users = db.session.scalars(
                select(User)
                .where(User.is_active)
                .options(selectinload(User.roles), selectinload(User.groups))
            )
            self._workers = [(u.id, u.lane_keys) for u in users if u.has_role(EMPLOYEE, MANAGER)]
        return self._workers

    def of(self, task: HumanTask) -> set[int]:
        if task.assignee_id is not None:
            return {task.assignee_id}
        lane = (task.lane or "").strip().lower()
        return {user_id for user_id, lanes in self._load() if not lane or lane in lanes}


def _message(kind: str, task: HumanTask) -> Message:
    return Message(
        kind=kind, title=task.element_name or task.element_id, body=(task.instructions or "")[:BODY_MAX],
        link=f"/tasks/{task.id}", dedup_key=f"{kind}:{task.id}",
    )  # fmt: skip


def _deliveries(
    kind: str, tasks: Iterable[HumanTask], recipients: Callable[[HumanTask], set[int]]
) -> list[tuple[set[int], Message]]:
    wanted = [(recipients(task), task) for task in tasks]
    opted_out = users_opted_out(kind, {user_id for users, _ in wanted for user_id in users})
    return [(users - opted_out, _message(kind, task)) for users, task in wanted if users - opted_out]


def notify_task_events(*, now: datetime | None = None) -> TaskScanResult:
    """Notify about tasks created or fallen due since the last scan; commits; returns rows written per kind."""
    now = now or utcnow()
    scan = db.session.get(NotificationScan, SCAN_NAME)
    since = scan.scanned_until - OVERLAP if scan is not None else now - FIRST_LOOKBACK
    recipients = _Recipients()
    new = add_notifications_in_session(
        _deliveries(KIND_TASK_NEW, tasks_created_since(since, now), recipients.of), now
    )
    overdue = add_notifications_in_session(
        _deliveries(KIND_TASK_OVERDUE, tasks_overdue_since(since, now), recipients.of), now
    )
    if scan is None:
        db.session.add(NotificationScan(name=SCAN_NAME, scanned_until=now))
    elif now > scan.scanned_until:
        scan.scanned_until = now
    db.session.commit()
    return TaskScanResult(new=new, overdue=overdue)
