"""A small company to run the shipped route maps against: deployed maps, people, departments, a client.

Time is driven by an injected clock that starts on a working Monday at 10:00 (Moscow) a few weeks ahead:
SpiffWorkflow compares timer dates with the wall clock, so the test clock must never be in the past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.accounts.models import Role, User
from crm.accounts.services import ensure_builtin_roles, save_department, set_group_members
from crm.clients.services import create_client
from crm.deals.services import create_interest, ensure_default_stages
from crm.processes import ensure_process_groups
from crm.processes_models import ProcessNotification
from engine import events as ev
from engine.calendar_service import get_default_calendar
from engine.db import db, utcnow
from engine.definitions import deploy_path
from engine.events import ProcessEvent
from engine.humantask_model import HumanTask
from engine.humantasks import complete_task
from engine.task_queries import tasks_for_instance
from engine.timers import fire_due_timers

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
MOSCOW = ZoneInfo("Europe/Moscow")

# username -> (full name, role, department, group)
PEOPLE = {
    "mary": ("Mary Seller", "employee", "Sales", "sales"),
    "oleg": ("Oleg Seller", "employee", "Sales", "sales"),
    "helen": ("Helen Head", "manager", "Sales", None),
    "sam": ("Sam Agent", "employee", "Support", "support"),
    "victor": ("Victor Head", "manager", "Support", None),
}
HEADS = {"Sales": "helen", "Support": "victor"}


def first_working_monday() -> datetime:
    """10:00 Moscow on the first Monday at least three weeks from today that starts two plain working weeks
    (scenarios count on Friday and the next Monday being working days, whatever the holidays)."""
    calendar = get_default_calendar()
    day = (utcnow() + timedelta(days=21)).astimezone(MOSCOW).date()

    def plain_fortnight(monday: Any) -> bool:
        days = [monday + timedelta(days=i) for i in range(14)]
        return all(calendar.is_working_day(d) == (d.isoweekday() <= 5) for d in days)

    while day.isoweekday() != 1 or not plain_fortnight(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=MOSCOW)


@dataclass
class World:
    """The people, the clock and whatever the scenario created."""

    users: dict[str, User]
    now: datetime
    things: dict[str, Any] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name.lower()]

    def advance(self, delta: timedelta) -> int:
        """Move the clock on and let the scheduler fire what is due; returns how many timers fired."""
        self.now += delta
        return fire_due_timers(now=self.now)

    def advance_working(self, sla: str) -> int:
        """Move the clock on by working time (``"PT2H"``, ``"P3D"``) plus a minute, then fire timers."""
        from engine.calendar_sla import sla_due

        target = sla_due(get_default_calendar(), self.now, sla, default_working=True)
        return self.advance(target - self.now + timedelta(minutes=1))

    def open_tasks(self, instance_id: int) -> list[HumanTask]:
        return tasks_for_instance(instance_id, open_only=True)

    def task(self, instance_id: int, name: str, who: str | None = None) -> HumanTask:
        """The open task ``name``; with ``who``, the one that person may work on."""
        found = [t for t in self.open_tasks(instance_id) if t.element_name == name]
        if who is not None:
            user = self.user(who)
            mine = [t for t in found if t.assignee_id == user.id]
            found = mine or [t for t in found if t.assignee_id is None and t.lane in user.lane_keys]
        names = [t.element_name for t in self.open_tasks(instance_id)]
        assert found, f"no open task {name!r}; open: {names}"
        return found[0]

    def complete(self, instance_id: int, name: str, who: str, data: dict[str, Any]) -> HumanTask:
        row = self.task(instance_id, name, who)
        user = self.user(who)
        return complete_task(row.id, user.id, data, user.lane_keys, now=self.now)


def build_world(*, deploy: bool = True) -> World:
    """Deploy ``processes/`` and create the people (with departments, heads and lane groups)."""
    ensure_builtin_roles()
    ensure_default_stages()
    if deploy:
        deploy_path([PROCESSES])
    departments = {name: save_department(name).id for name in ("Sales", "Support")}
    roles = {r.code: r for r in db.session.scalars(select(Role))}
    users = {}
    for username, (full_name, role, department, _group) in PEOPLE.items():
        # Rows rather than create_user: password hashing costs ~0.4 s a user and no scenario logs in.
        users[username] = User(
            username=username, full_name=full_name, password_hash="!", roles=[roles[role]],
            department_id=departments[department], email=f"{username}@company.example",
        )  # fmt: skip
        db.session.add(users[username])
    db.session.commit()
    for department, head in HEADS.items():
        save_department(department, department_id=departments[department], head_id=users[head].id)
    for group in ensure_process_groups():
        set_group_members(group.id, [u.id for name, u in users.items() if PEOPLE[name][3] == group.code])
    users = {name: db.session.get(User, u.id) for name, u in users.items()}
    return World(users={k: v for k, v in users.items() if v is not None}, now=first_working_monday())


def new_client_interest(world: World, owner: str, client: str, title: str, amount: float) -> tuple[int, int]:
    """A client of ``owner`` and an interest on it; returns (client id, interest id)."""
    user = world.user(owner)
    row = create_client(user, {"name": client, "kind": "company", "emails": [f"info@{owner}.example"]})
    interest = create_interest(user, {"client_id": row.id, "title": title, "amount": amount})
    return row.id, interest.id


def notifications(user_id: int | None = None, to_email: str | None = None) -> list[ProcessNotification]:
    query = select(ProcessNotification)
    if user_id is not None:
        query = query.where(ProcessNotification.user_id == user_id)
    if to_email is not None:
        query = query.where(ProcessNotification.to_email == to_email)
    return list(db.session.scalars(query.order_by(ProcessNotification.id)))


def variants(business_key: str) -> list[str]:
    """The variants chosen at gateways for a business key, in order (what the Feed shows)."""
    rows = db.session.scalars(
        select(ProcessEvent)
        .where(ProcessEvent.business_key == business_key, ProcessEvent.kind == ev.VARIANT_CHOSEN)
        .order_by(ProcessEvent.id)
    )
    names = [str((row.details or {}).get("variant") or "") for row in rows]
    return [name for name in names if name]  # an unnamed flow out of a merging gateway is no decision


def form_value(text: str) -> Any:
    """A table cell as form data: numbers, true/false, or text."""
    lowered = text.strip().lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
