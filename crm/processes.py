"""CRM services that start and drive the shipped route maps (``processes/``).

- ``start_interest_process``: the ``sale`` route map for an interest (business key ``interest:<id>``);
- ``start_ticket_process``: the appeal type's route map (default ``support_appeal``) for an appeal
  (business key ``ticket:<id>``), with the type's reaction/processing SLA;
- ``client_replied`` / ``reopen_ticket``: the messages the support route map waits for;
- ``process_of`` / ``open_steps`` / ``notifications_for`` / ``mark_notification_read``: what the UI shows;
- ``ensure_process_groups``: the ``sales`` and ``support`` groups the route maps' lanes name (demo data).

Lanes of the shipped maps: ``sales`` (group: people who sell), ``support`` (group: support agents),
``manager`` (role: heads who approve, and to whom SLA breaches escalate), ``employee`` (role: the author of a
document under approval). Tasks of a specific person are assigned through the ``assignee`` property.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm.accounts.models import MANAGER, Group, Role, User
from crm.accounts.services import find_user, save_group, set_group_members
from crm.deals.models import Interest
from crm.deals.services import get_interest, link_interest_process
from crm.errors import CrmError, NotFound
from crm.processes_models import ProcessNotification
from crm.support.models import Ticket
from crm.support.services import get_ticket, link_ticket_process
from engine.db import db, utcnow
from engine.humantask_model import HumanTask
from engine.instance_model import RUNNING, SUSPENDED, ProcessInstance
from engine.instances import instances_for_business_key, start_instance
from engine.messages import Delivery, deliver_message
from engine.task_queries import tasks_for_instance

SALE_KEY = "sale"
SUPPORT_KEY = "support_appeal"
IDLE_REMINDER_DAYS = 3
DISCOUNT_LIMIT_PERCENT = 10
CLIENT_WAIT_DAYS = 5
REOPEN_WINDOW_DAYS = 3

# Groups the shipped lanes name, with the demo users who belong to them.
PROCESS_GROUPS = {
    "sales": ("Sales", ("manager", "manager2")),
    "support": ("Support", ("agent",)),
}


class ProcessAlreadyRunning(CrmError):
    """The interest or appeal already has a running route map."""


def _running(business_key: str) -> ProcessInstance | None:
    return next(
        (i for i in instances_for_business_key(business_key) if i.status in (RUNNING, SUSPENDED)), None
    )


def _heads_above(user_id: int | None) -> list[int]:
    """Heads of the user's department and of the departments above it (nearest first), not the user."""
    user = db.session.get(User, user_id) if user_id else None
    heads: list[int] = []
    department = user.department if user else None
    while department is not None and len(heads) < 5:
        if department.head_id and department.head_id != user_id and department.head_id not in heads:
            heads.append(department.head_id)
        department = department.parent
    return heads


def _managers_except(user_id: int | None) -> list[int]:
    """Active holders of the ``manager`` role other than ``user_id`` (approvers when no head is set)."""
    query = select(User.id).where(User.is_active.is_(True), User.roles.any(Role.code == MANAGER))
    return [uid for uid in db.session.scalars(query.order_by(User.id)) if uid != user_id]


def start_interest_process(
    actor: User | None,
    interest_id: int,
    *,
    approver_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Start the ``sale`` route map for an open interest; returns the process instance id.

    Initial data: ``interest_id``, ``client_id``/``lead_id``, ``title``, ``amount``, ``responsible_id``,
    ``approver_ids`` (default: the heads of the responsible's department and those above it, else the other
    holders of the ``manager`` role),
    ``escalation_manager_id`` (the nearest head), ``idle_days`` and ``discount_limit``.
    Raises ``NotFound``, ``AccessDenied`` (actor may not see the interest) or ``ProcessAlreadyRunning``.
    """
    interest = (
        get_interest(actor, interest_id) if actor is not None else db.session.get(Interest, interest_id)
    )
    if interest is None:
        raise NotFound(f"interest {interest_id} not found")
    if interest.closed_at is not None:
        raise ProcessAlreadyRunning(f"interest {interest_id} is closed ({interest.outcome})")
    if _running(interest.business_key) is not None:
        raise ProcessAlreadyRunning(f"interest {interest_id} already has a running sale route map")
    heads = _heads_above(interest.responsible_id)
    if approver_ids is None:
        approver_ids = heads or _managers_except(interest.responsible_id)
    data: dict[str, Any] = {
        "interest_id": interest.id,
        "client_id": interest.client_id,
        "lead_id": interest.lead_id,
        "title": interest.title,
        "amount": float(interest.amount or 0),
        "responsible_id": interest.responsible_id,
        "approver_ids": list(approver_ids),
        "escalation_manager_id": heads[0] if heads else None,
        "idle_days": IDLE_REMINDER_DAYS,
        "discount_limit": DISCOUNT_LIMIT_PERCENT,
    }
    instance = start_instance(
        SALE_KEY,
        data=data,
        business_key=interest.business_key,
        started_by=actor.id if actor else None,
        now=now,
    )
    link_interest_process(interest.id, instance.id)
    return instance.id


def _with_suffix(sla: str) -> str:
    """Appeal-type SLA text for the calendar helpers: without a suffix it is calendar time (see AppealType)."""
    text = (sla or "").strip()
    if not text or text.split()[-1].lower() in ("working", "calendar"):
        return text
    return f"{text} calendar"


def start_ticket_process(actor: User | None, ticket_id: int, *, now: datetime | None = None) -> int:
    """Start the appeal type's route map (``route_map_key``, default ``support_appeal``) for an appeal;
    returns the process instance id.

    Initial data: ``ticket_id``, ``client_id``, ``lead_id``, ``subject``, ``appeal_type`` (name),
    ``priority``, ``reaction_sla``/``processing_sla`` (the type's, empty = the scenario's default),
    ``responsible_id``, ``department_head_id``, ``client_wait_days`` and ``reopen_days``.
    """
    ticket = get_ticket(actor, ticket_id) if actor is not None else db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"appeal {ticket_id} not found")
    if _running(ticket.business_key) is not None:
        raise ProcessAlreadyRunning(f"appeal {ticket_id} already has a running route map")
    appeal_type = ticket.appeal_type
    heads = _heads_above(ticket.responsible_id)
    data: dict[str, Any] = {
        "ticket_id": ticket.id,
        "client_id": ticket.client_id,
        "lead_id": ticket.lead_id,
        "subject": ticket.subject,
        "appeal_type": appeal_type.name if appeal_type else "",
        "priority": ticket.priority,
        "reaction_sla": _with_suffix(appeal_type.reaction_sla) if appeal_type else "",
        "processing_sla": _with_suffix(appeal_type.processing_sla) if appeal_type else "",
        "responsible_id": ticket.responsible_id,
        "department_head_id": heads[0] if heads else None,
        "client_wait_days": CLIENT_WAIT_DAYS,
        "reopen_days": REOPEN_WINDOW_DAYS,
    }
    key = (appeal_type.route_map_key if appeal_type else "") or SUPPORT_KEY
    instance = start_instance(
        key, data=data, business_key=ticket.business_key, started_by=actor.id if actor else None, now=now
    )
    link_ticket_process(ticket.id, instance.id)
    return instance.id


def start_approval_process(
    actor: User | None,
    *,
    document_kind: str,
    document_title: str,
    approver_ids: Iterable[int],
    sequential: bool = False,
    author_id: int | None = None,
    approver_deadline: str = "PT8H working",
    business_key: str | None = None,
    now: datetime | None = None,
) -> int:
    """Start the ``approval`` route map on its own (a contract, a discount...); returns the instance id.

    Each approver gets "Approve the document" (all at once, or one after another when ``sequential``) with
    ``approver_deadline`` of working time; a late approver's decision goes to the author's nearest head
    (else the ``manager`` lane). The result is the instance's ``approval_result`` (approved/rejected).
    """
    approvers = [int(a) for a in approver_ids]
    if not approvers:
        raise NotFound("an approval needs at least one approver")
    author = author_id if author_id is not None else (actor.id if actor else None)
    heads = _heads_above(author)
    data = {
        "document_kind": document_kind,
        "document_title": document_title,
        "approvers": approvers,
        "approval_sequential": sequential,
        "author_id": author,
        "approver_deadline": approver_deadline,
        "escalation_manager_id": heads[0] if heads else None,
    }
    instance = start_instance(
        "approval", data=data, business_key=business_key, started_by=actor.id if actor else None, now=now
    )
    return instance.id


def client_replied(
    ticket_id: int, payload: dict[str, Any] | None = None, *, now: datetime | None = None
) -> Delivery:
    """The client answered an appeal that waits for them (message ``client.replied``, key ``ticket:<id>``)."""
    return deliver_message("client.replied", f"ticket:{ticket_id}", payload or {}, now=now)


def reopen_ticket(
    actor: User | None, ticket_id: int, reason: str = "", *, now: datetime | None = None
) -> Delivery:
    """Reopen a resolved appeal (message ``ticket.reopened``): its route map starts a new round of work."""
    if actor is not None:
        get_ticket(actor, ticket_id)
    payload = {"reopen_reason": reason, "reopened_by": actor.id if actor else None}
    return deliver_message("ticket.reopened", f"ticket:{ticket_id}", payload, now=now)


def process_of(business_key: str) -> ProcessInstance | None:
    """The newest route-map instance of an interest/appeal (``interest:<id>``/``ticket:<id>``), if any."""
    found = instances_for_business_key(business_key)
    return found[0] if found else None


def open_steps(business_key: str) -> list[HumanTask]:
    """Open human tasks of the newest instance of a business key (the card's "current step")."""
    instance = process_of(business_key)
    return tasks_for_instance(instance.id, open_only=True) if instance else []


def notifications_for(
    user_id: int, *, unread_only: bool = True, limit: int = 50
) -> list[ProcessNotification]:
    """In-app notifications the route maps wrote for a user, newest first."""
    query = select(ProcessNotification).where(ProcessNotification.user_id == user_id)
    if unread_only:
        query = query.where(ProcessNotification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(ProcessNotification.id.desc()).limit(limit)))


def mark_notification_read(user_id: int, notification_id: int) -> None:
    """Mark one of the user's notifications read; commits."""
    row = db.session.get(ProcessNotification, notification_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"notification {notification_id} not found")
    row.read_at = row.read_at or utcnow()
    db.session.commit()


def ensure_process_groups() -> list[Group]:
    """Create the ``sales`` and ``support`` groups the shipped lanes name and add the demo users that exist
    (idempotent; members are added, never removed); commits."""
    groups = []
    for code, (name, usernames) in PROCESS_GROUPS.items():
        group = db.session.scalars(select(Group).where(Group.code == code)).first() or save_group(code, name)
        users = [u for u in (find_user(n) for n in usernames) if u is not None]
        members = {
            u.id for u in db.session.scalars(select(User).where(User.groups.any(Group.id == group.id)))
        }
        wanted = members | {u.id for u in users}
        if wanted != members:
            group = set_group_members(group.id, sorted(wanted))
        groups.append(group)
    return groups
