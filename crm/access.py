"""Who may see and change which clients, and everything that hangs off them.

Rules (SPEC §1.1 "access to clients can be restricted"):
- administrators see and edit everything;
- users with a working role (``manager`` or ``employee``) see and edit the clients they are responsible
  for, plus their department's clients when ``User.can_see_department_clients`` is set or they hold the
  ``manager`` role (a head of sales sees the department);
- anybody else (e.g. a designer only) sees no client;
- during an absence the deputy gets the absent user's access (``crm.absences.services``);
- interests, tickets, interactions and notes inherit from their client (or lead); their own responsible
  user/author may also open them. Potential clients (leads) are visible to their responsible user, their
  department, and — while nobody is responsible for them yet — to every working user, so an unknown caller's
  second call is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from crm.absences.services import users_represented_by
from crm.accounts.models import ADMINISTRATOR, EMPLOYEE, MANAGER, User
from crm.errors import AccessDenied
from crm.messages import N_, Message
from engine.db import db

WORKING_ROLES = (MANAGER, EMPLOYEE)


@dataclass(frozen=True)
class AccessScope:
    """What one actor may reach right now: everything, or the clients of these users and departments."""

    everything: bool
    working: bool
    user_ids: frozenset[int]
    department_ids: frozenset[int]


def access_scope(actor: User, at: datetime | None = None) -> AccessScope:
    """The actor's scope, including the users they stand in for during an absence.

    "Now" (``at`` None) is worked out once per database transaction and actor: a card page checks access a
    dozen times (client, contacts, interests, tickets, Feed, status, quality), and only a committed change
    (an absence, a role, a department) can alter the answer — a commit or rollback starts a new transaction.
    """
    if actor.has_role(ADMINISTRATOR):
        return AccessScope(True, True, frozenset({actor.id}), frozenset())
    if at is not None:
        return _scope_of(actor, at)
    memo_key = (
        _SCOPE_MEMO,
        actor.id,
        actor.department_id,
        actor.can_see_department_clients,
        frozenset(role.code for role in actor.roles),
    )
    session = db.session()
    memo = session.info.get(memo_key)
    if memo is not None and memo[0] is session.get_transaction():
        return memo[1]  # type: ignore[no-any-return]
    scope = _scope_of(actor, None)
    transaction = session.get_transaction()
    if transaction is not None:
        session.info[memo_key] = (transaction, scope)
    return scope


_SCOPE_MEMO = "crm.access.scope"


def _scope_of(actor: User, at: datetime | None) -> AccessScope:
    people = [actor]
    represented = users_represented_by(actor.id, at)
    if represented:
        people += list(db.session.scalars(select(User).where(User.id.in_(represented))))
    working = [p for p in people if p.has_role(*WORKING_ROLES)]
    departments = {
        p.department_id
        for p in working
        if p.department_id is not None and (p.can_see_department_clients or p.has_role(MANAGER))
    }
    return AccessScope(
        everything=False,
        working=bool(working),
        user_ids=frozenset(p.id for p in working),
        department_ids=frozenset(departments),
    )


def visible_clients_clause(actor: User, at: datetime | None = None) -> ColumnElement[bool]:
    """A where-clause on ``Client`` limiting a list query to the clients ``actor`` may see."""
    from crm.clients.models import Client

    scope = access_scope(actor, at)
    if scope.everything:
        return true()
    if not scope.working:
        return false()
    return or_(Client.responsible_id.in_(scope.user_ids), Client.department_id.in_(scope.department_ids))


def visible_leads_clause(actor: User, at: datetime | None = None) -> ColumnElement[bool]:
    """A where-clause on ``Lead`` limiting a list query to the potential clients ``actor`` may see."""
    from crm.clients.models import Lead

    scope = access_scope(actor, at)
    if scope.everything:
        return true()
    if not scope.working:
        return false()
    return or_(
        Lead.responsible_id.in_(scope.user_ids),
        Lead.responsible_id.is_(None),
        Lead.department_id.in_(scope.department_ids),
    )


def visible_records_clause(model: Any, actor: User, at: datetime | None = None) -> ColumnElement[bool]:
    """A where-clause for interests, tickets, interactions or notes: visible through their client or lead,
    or because the actor is their responsible user / author."""
    from crm.clients.models import Client, Lead

    scope = access_scope(actor, at)
    if scope.everything:
        return true()
    if not scope.working:
        return false()
    owner_column = model.author_id if hasattr(model, "author_id") else model.responsible_id
    parts = [
        owner_column.in_(scope.user_ids),
        model.client_id.in_(select(Client.id).where(visible_clients_clause(actor, at))),
        model.lead_id.in_(select(Lead.id).where(visible_leads_clause(actor, at))),
    ]
    return or_(*parts)


def can_view_client(actor: User, client: Any, at: datetime | None = None) -> bool:
    scope = access_scope(actor, at)
    if scope.everything:
        return True
    if not scope.working:
        return False
    return client.responsible_id in scope.user_ids or (
        client.department_id is not None and client.department_id in scope.department_ids
    )


def ensure_can_view_client(actor: User, client: Any, at: datetime | None = None) -> None:
    """Raise ``AccessDenied`` unless ``actor`` may open the client card."""
    if not can_view_client(actor, client, at):
        raise AccessDenied(Message(N_("you have no access to client %(id)s"), id=client.id))


def ensure_can_edit_client(actor: User, client: Any, at: datetime | None = None) -> None:
    """Raise ``AccessDenied`` unless ``actor`` may change the client (same reach as viewing it)."""
    if not can_view_client(actor, client, at):
        raise AccessDenied(Message(N_("you may not change client %(id)s"), id=client.id))


def can_view_lead(actor: User, lead: Any, at: datetime | None = None) -> bool:
    scope = access_scope(actor, at)
    if scope.everything:
        return True
    if not scope.working:
        return False
    return (
        lead.responsible_id is None
        or lead.responsible_id in scope.user_ids
        or (lead.department_id is not None and lead.department_id in scope.department_ids)
    )


def ensure_can_view_lead(actor: User, lead: Any, at: datetime | None = None) -> None:
    """Raise ``AccessDenied`` unless ``actor`` may open (and work on) the potential client."""
    if not can_view_lead(actor, lead, at):
        raise AccessDenied(Message(N_("you have no access to potential client %(id)s"), id=lead.id))


def can_view_record(actor: User, record: Any, at: datetime | None = None) -> bool:
    """Whether ``actor`` may open an interest, ticket, interaction, note or proposal-bearing record."""
    from crm.clients.models import Client, ContactPerson, Lead
    from crm.deals.models import Interest
    from crm.support.models import Ticket

    scope = access_scope(actor, at)
    if scope.everything:
        return True
    if not scope.working:
        return False
    owner = getattr(record, "author_id", None) or getattr(record, "responsible_id", None)
    if owner is not None and owner in scope.user_ids:
        return True
    if getattr(record, "client_id", None) is not None:
        client = db.session.get(Client, record.client_id)
        if client is not None and can_view_client(actor, client, at):
            return True
        if getattr(record, "lead_id", None) is None:
            return False
        # A converted lead's records keep the lead too; like visible_records_clause, a visible lead opens them.
    if getattr(record, "lead_id", None) is not None:
        lead = db.session.get(Lead, record.lead_id)
        return lead is not None and can_view_lead(actor, lead, at)
    for attr, model in (("interest_id", Interest), ("ticket_id", Ticket)):
        if getattr(record, attr, None) is not None:
            parent = db.session.get(model, getattr(record, attr))
            return parent is not None and can_view_record(actor, parent, at)
    if getattr(record, "contact_id", None) is not None:
        contact = db.session.get(ContactPerson, record.contact_id)
        return contact is not None and can_view_client(actor, contact.client, at)
    return False


def ensure_can_view_record(actor: User, record: Any, at: datetime | None = None) -> None:
    """Raise ``AccessDenied`` unless ``actor`` may open this interest/ticket/interaction/note."""
    if not can_view_record(actor, record, at):
        raise AccessDenied(f"you have no access to {type(record).__name__.lower()} {record.id}")


def ensure_can_edit_record(actor: User, record: Any, at: datetime | None = None) -> None:
    """Raise ``AccessDenied`` unless ``actor`` may change this interest/ticket/interaction/note."""
    if not can_view_record(actor, record, at):
        raise AccessDenied(f"you may not change {type(record).__name__.lower()} {record.id}")
