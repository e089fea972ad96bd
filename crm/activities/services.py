"""Interactions: calls, meetings, letters and messages — logged as done or planned as next steps (SPEC #18).

An outgoing interaction may stand alone, without a client or interest (SPEC #20); an incoming one must say
who it came from (an unknown caller is registered as a potential client first).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from crm.access import ensure_can_edit_record, ensure_can_view_record, visible_records_clause
from crm.accounts.models import EMPLOYEE, MANAGER, User
from crm.activities.models import (
    DIRECTIONS,
    INTERACTION_CANCELLED,
    INTERACTION_DONE,
    INTERACTION_KINDS,
    INTERACTION_PLANNED,
    INTERACTION_STATUSES,
    Interaction,
)
from crm.activities.notes import ensure_can_view_target
from crm.clients.services import check_responsible
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.posting import post_feed_entry, update_feed_entry
from crm.links import link_ids, resolve_links
from crm.messages import N_, Message
from crm.support.services import record_first_response_in_session
from engine.db import db, utcnow

LINK_KEYS = ("client", "contact", "lead", "interest", "ticket")


def add_interaction(actor: User | None, data: Mapping[str, Any]) -> Interaction:
    """Record or plan an interaction and commit.

    Keys: ``kind`` (call|meeting|letter|message), ``direction`` (incoming|outgoing, default outgoing),
    ``subject``, ``description``, ``planned_at``/``actual_at`` (aware datetimes or ISO strings with offset),
    ``duration_minutes``, ``result``, ``status`` (default: done when ``actual_at`` is given or nothing is
    planned, else planned), links ``client_id``/``contact_id``/``lead_id``/``interest_id``/``ticket_id``,
    ``responsible_id`` (default the actor). A done outgoing interaction on an appeal stamps its first response.
    """
    interaction = add_interaction_in_session(actor, data)
    db.session.commit()
    return interaction


def add_interaction_in_session(actor: User | None, data: Mapping[str, Any]) -> Interaction:
    """``add_interaction`` without the commit."""
    if actor is not None and not actor.has_role(MANAGER, EMPLOYEE):
        raise AccessDenied(N_("you may not record interactions"))
    links = resolve_links(data, LINK_KEYS)
    fields = clean_interaction_fields(data, partial=False)
    if not any(links.values()) and fields["direction"] != "outgoing":
        raise ValidationFailed(
            {"client_id": "an incoming interaction needs a client, contact or potential client"}
        )
    if actor is not None and any(links.values()):
        ensure_can_view_target(actor, links)
    if "status" not in fields:
        planned_only = fields.get("planned_at") and not fields.get("actual_at")
        fields["status"] = INTERACTION_PLANNED if planned_only else INTERACTION_DONE
    if fields["status"] == INTERACTION_DONE and not fields.get("actual_at"):
        fields["actual_at"] = utcnow()
    responsible = check_responsible(actor, data.get("responsible_id", actor.id if actor else None))
    interaction = Interaction(
        **fields,
        **link_ids(links),
        responsible_id=responsible.id if responsible else None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(interaction)
    db.session.flush()
    _after_change(interaction)
    if any(links.values()):
        post_feed_entry(
            kind=interaction.kind, ref_id=interaction.id, title=interaction.subject or interaction.kind,
            summary=" ".join(filter(None, (interaction.description, interaction.result))),
            occurred_at=interaction.when, author_id=interaction.responsible_id, **link_ids(links),
            details=_details(interaction),
        )  # fmt: skip
    return interaction


def get_interaction(actor: User, interaction_id: int) -> Interaction:
    """An interaction, if ``actor`` may see what it is attached to (or is responsible for it)."""
    interaction = db.session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound(f"interaction {interaction_id} not found")
    ensure_can_view_record(actor, interaction)
    return interaction


def list_interactions(
    actor: User,
    *,
    client_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
    responsible_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Interaction], int]:
    """One page of visible interactions (newest first) and the filtered total."""
    conditions = [visible_records_clause(Interaction, actor)]
    for column, value in ((Interaction.client_id, client_id), (Interaction.interest_id, interest_id),
                          (Interaction.ticket_id, ticket_id), (Interaction.responsible_id, responsible_id),
                          (Interaction.status, status)):  # fmt: skip
        if value is not None:
            conditions.append(column == value)
    total = db.session.scalar(select(func.count()).select_from(Interaction).where(*conditions)) or 0
    order = (func.coalesce(Interaction.actual_at, Interaction.planned_at, Interaction.created_at).desc(),
             Interaction.id.desc())  # fmt: skip
    stmt = select(Interaction).where(*conditions).order_by(*order).offset(offset).limit(limit)
    return list(db.session.scalars(stmt)), total


def complete_interaction(
    actor: User, interaction_id: int, *, result: str = "", actual_at: datetime | None = None
) -> Interaction:
    """Mark a planned interaction as done (now, or at ``actual_at``) with its result; commit."""
    interaction = get_interaction(actor, interaction_id)
    ensure_can_edit_record(actor, interaction)
    if interaction.status != INTERACTION_PLANNED:
        raise ValidationFailed({"status": _no_longer_planned(interaction)})
    if actual_at is not None and actual_at.tzinfo is None:
        raise ValidationFailed({"actual_at": N_("give a time with its time zone")})
    interaction.status = INTERACTION_DONE
    interaction.actual_at = actual_at or utcnow()
    interaction.result = result.strip()
    _after_change(interaction)
    update_feed_entry(
        interaction.kind, interaction.id, occurred_at=interaction.when, details=_details(interaction),
        summary=" ".join(filter(None, (interaction.description, interaction.result))),
    )  # fmt: skip
    db.session.commit()
    return interaction


def _no_longer_planned(interaction: Interaction) -> str:
    if interaction.status == INTERACTION_DONE:
        return N_("the interaction is already done")
    return N_("the interaction is already cancelled")


def cancel_interaction(actor: User, interaction_id: int) -> Interaction:
    """Cancel a planned interaction; commit."""
    interaction = get_interaction(actor, interaction_id)
    ensure_can_edit_record(actor, interaction)
    if interaction.status != INTERACTION_PLANNED:
        raise ValidationFailed({"status": _no_longer_planned(interaction)})
    interaction.status = INTERACTION_CANCELLED
    update_feed_entry(interaction.kind, interaction.id, details=_details(interaction))
    db.session.commit()
    return interaction


def clean_interaction_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate the interaction fields present in ``data``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if not partial or "kind" in data:
        cleaned["kind"] = data.get("kind")
        if cleaned["kind"] not in INTERACTION_KINDS:
            errors["kind"] = Message(N_("one of %(choices)s"), choices=", ".join(INTERACTION_KINDS))
    if not partial or "direction" in data:
        cleaned["direction"] = data.get("direction") or "outgoing"
        if cleaned["direction"] not in DIRECTIONS:
            errors["direction"] = N_("incoming or outgoing")
    if data.get("status"):
        cleaned["status"] = data["status"]
        if data["status"] not in INTERACTION_STATUSES:
            errors["status"] = Message(N_("one of %(choices)s"), choices=", ".join(INTERACTION_STATUSES))
    for name in ("subject", "description", "result"):
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
    for name in ("planned_at", "actual_at"):
        if data.get(name) is not None and data.get(name) != "":
            try:
                cleaned[name] = _aware(data[name])
            except ValueError as exc:
                errors[name] = str(exc)
    if data.get("duration_minutes") not in (None, ""):
        try:
            cleaned["duration_minutes"] = int(data["duration_minutes"])
            if cleaned["duration_minutes"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors["duration_minutes"] = N_("a whole number of minutes")
    if cleaned.get("status") == INTERACTION_PLANNED and not cleaned.get("planned_at"):
        errors["planned_at"] = N_("say when the interaction is planned")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("give a time with its time zone")
    return moment


def _after_change(interaction: Interaction) -> None:
    if (
        interaction.ticket_id
        and interaction.direction == "outgoing"
        and interaction.status == INTERACTION_DONE
    ):
        record_first_response_in_session(interaction.ticket_id, interaction.actual_at)


def _details(interaction: Interaction) -> dict[str, Any]:
    return {
        "direction": interaction.direction,
        "status": interaction.status,
        "planned_at": interaction.planned_at.isoformat() if interaction.planned_at else None,
        "duration_minutes": interaction.duration_minutes,
    }
