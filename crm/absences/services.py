"""Absences (temporary hand-over to a deputy) and the permanent hand-over of a leaving employee's work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from crm.absences.models import Absence
from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.history import ACTION_HAND_OVER, record_change
from crm.messages import N_
from engine.db import db, utcnow

HAND_OVER_CHUNK = 1000  # ids per UPDATE: stays under SQLite's bound-parameter limit


def create_absence(
    actor: User, user_id: int, deputy_id: int, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> Absence:
    """Record that ``user_id`` is away and ``deputy_id`` stands in; administrators or the user themself."""
    if not (actor.has_role(ADMINISTRATOR) or actor.id == user_id):
        raise AccessDenied(N_("only an administrator or the absent user may record an absence"))
    errors: dict[str, str] = {}
    if user_id == deputy_id:
        errors["deputy_id"] = N_("a deputy must be another user")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        errors["starts_at"] = N_("give aware datetimes")
    elif starts_at >= ends_at:
        errors["ends_at"] = N_("the absence must end after it starts")
    for field, uid in (("user_id", user_id), ("deputy_id", deputy_id)):
        if db.session.get(User, uid) is None:
            errors[field] = N_("no such user")
    if errors:
        raise ValidationFailed(errors)
    absence = Absence(
        user_id=user_id,
        deputy_id=deputy_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by_id=actor.id,
    )
    db.session.add(absence)
    db.session.commit()
    return absence


def cancel_absence(actor: User, absence_id: int) -> None:
    """Delete an absence record (administrators or the absent user)."""
    absence = db.session.get(Absence, absence_id)
    if absence is None:
        raise NotFound(f"absence {absence_id} not found")
    if not (actor.has_role(ADMINISTRATOR) or actor.id == absence.user_id):
        raise AccessDenied(N_("only an administrator or the absent user may cancel an absence"))
    db.session.delete(absence)
    db.session.commit()


def active_deputies_of(user_id: int, at: datetime | None = None) -> list[int]:
    """Ids of the users standing in for ``user_id`` at ``at`` (default now)."""
    at = at or utcnow()
    stmt = select(Absence.deputy_id).where(
        Absence.user_id == user_id, Absence.starts_at <= at, Absence.ends_at > at
    )
    return sorted(set(db.session.scalars(stmt)))


def users_represented_by(deputy_id: int, at: datetime | None = None) -> list[int]:
    """Ids of the absent users ``deputy_id`` stands in for at ``at`` (default now)."""
    at = at or utcnow()
    stmt = select(Absence.user_id).where(
        Absence.deputy_id == deputy_id, Absence.starts_at <= at, Absence.ends_at > at
    )
    return sorted(set(db.session.scalars(stmt)))


def hand_over_clients(actor: User, from_user_id: int, to_user_id: int) -> dict[str, int]:
    """Permanently move a (leaving) user's work to another: clients, leads, open interests, open tickets
    and planned interactions. Administrators only; every moved card gets a change-log row.

    Returns counts per kind, e.g. ``{"clients": 12, "leads": 0, "interests": 3, ...}``.
    """
    from crm.activities.models import INTERACTION_PLANNED, Interaction
    from crm.clients.models import LEAD_OPEN, Client, Lead
    from crm.deals.models import Interest
    from crm.support.models import OPEN_TICKET_STATUSES, Ticket

    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may hand over a user's clients"))
    if from_user_id == to_user_id:
        raise ValidationFailed({"to_user_id": N_("choose another user")})
    target = db.session.get(User, to_user_id)
    if target is None or not target.is_active:
        raise ValidationFailed({"to_user_id": N_("no such active user")})
    if db.session.get(User, from_user_id) is None:
        raise ValidationFailed({"from_user_id": N_("no such user")})

    plan = (
        ("clients", "client", Client, Client.responsible_id == from_user_id),
        ("leads", "lead", Lead, (Lead.responsible_id == from_user_id) & (Lead.status == LEAD_OPEN)),
        ("interests", "interest", Interest,
         (Interest.responsible_id == from_user_id) & Interest.closed_at.is_(None)),
        ("tickets", "ticket", Ticket,
         (Ticket.responsible_id == from_user_id) & Ticket.status.in_(OPEN_TICKET_STATUSES)),
        ("interactions", "interaction", Interaction,
         (Interaction.responsible_id == from_user_id) & (Interaction.status == INTERACTION_PLANNED)),
    )  # fmt: skip
    counts: dict[str, int] = {}
    for label, entity, model, where in plan:
        ids = list(db.session.scalars(select(model.id).where(where)))
        for entity_id in ids:
            record_change(
                entity, entity_id, actor.id, field="responsible_id", old=from_user_id, new=to_user_id,
                action=ACTION_HAND_OVER,
            )  # fmt: skip
        for start in range(0, len(ids), HAND_OVER_CHUNK):
            db.session.execute(
                update(model)
                .where(model.id.in_(ids[start : start + HAND_OVER_CHUNK]))
                .values(
                    responsible_id=to_user_id,
                    **({"department_id": target.department_id} if hasattr(model, "department_id") else {}),
                ),
                execution_options={"synchronize_session": False},
            )
        counts[label] = len(ids)
    db.session.commit()
    db.session.expire_all()
    return counts
