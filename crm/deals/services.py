"""Interests (deals): create, read, list, change, move through stages, close as won or lost.

Functions ending in ``_in_session`` do not commit: route-map operations run them inside the engine's step
transaction. ``actor`` None means the system (a route map); the change log then records no user.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.access import (
    ensure_can_edit_client,
    ensure_can_edit_record,
    ensure_can_view_lead,
    ensure_can_view_record,
    visible_records_clause,
)
from crm.accounts.models import User
from crm.clients.models import Client, ContactPerson, Lead
from crm.clients.services import check_responsible
from crm.deals.models import (
    DEFAULT_STAGES,
    OUTCOME_LOST,
    OUTCOME_WON,
    STAGE_LOST,
    STAGE_OPEN,
    STAGE_WON,
    Interest,
    InterestStage,
)
from crm.errors import NotFound, ValidationFailed
from crm.feed.posting import post_feed_entry, update_feed_entry
from crm.history import ACTION_CREATE, ChangeLogEntry, apply_changes, history_of, record_change
from crm.messages import N_, Message
from engine.db import db, utcnow

INTEREST_FIELDS = (
    "title",
    "description",
    "amount",
    "currency",
    "source",
    "expected_close_date",
    "contact_id",
)


def ensure_default_stages() -> list[InterestStage]:
    """Create the default stage directory (qualification ... won/lost) where missing; commit; return all."""
    stages = ensure_default_stages_in_session()
    db.session.commit()
    return stages


def ensure_default_stages_in_session() -> list[InterestStage]:
    """``ensure_default_stages`` without the commit."""
    existing = {s.code for s in db.session.scalars(select(InterestStage))}
    for code, name, order, probability, kind in DEFAULT_STAGES:
        if code not in existing:
            db.session.add(
                InterestStage(code=code, name=name, sort_order=order, probability=probability, kind=kind)
            )
    db.session.flush()
    return list_stages()


def list_stages(include_inactive: bool = False) -> list[InterestStage]:
    """The stage directory in funnel order."""
    stmt = select(InterestStage).order_by(InterestStage.sort_order, InterestStage.id)
    if not include_inactive:
        stmt = stmt.where(InterestStage.is_active.is_(True))
    return list(db.session.scalars(stmt))


def stage_by_code(code: str) -> InterestStage:
    stage = db.session.scalars(select(InterestStage).where(InterestStage.code == code)).first()
    if stage is None:
        raise ValidationFailed({"stage": Message(N_("no stage %(code)r"), code=code)})
    return stage


def create_interest(actor: User | None, data: Mapping[str, Any]) -> Interest:
    """Open an interest and commit. Keys: ``client_id`` or ``lead_id`` (one required), ``title`` (required),
    ``contact_id``, ``stage`` (code; default the first open stage), ``amount``, ``currency``, ``source``,
    ``description``, ``expected_close_date``, ``responsible_id`` (default: the actor, else the client's or
    lead's responsible user)."""
    interest = create_interest_in_session(actor, data)
    db.session.commit()
    return interest


def create_interest_in_session(actor: User | None, data: Mapping[str, Any]) -> Interest:
    """``create_interest`` without the commit."""
    client_id, lead_id = data.get("client_id"), data.get("lead_id")
    if not client_id and not lead_id:
        raise ValidationFailed({"client_id": N_("an interest belongs to a client or a potential client")})
    client = db.session.get(Client, client_id) if client_id else None
    lead = db.session.get(Lead, lead_id) if lead_id else None
    if (client_id and (client is None or client.merged_into_id is not None)) or (lead_id and lead is None):
        raise NotFound("the interest's client or potential client was not found")
    if actor is not None:
        if client is not None:
            ensure_can_edit_client(actor, client)
        if lead is not None:
            ensure_can_view_lead(actor, lead)
    fields = clean_interest_fields({"currency": "RUB", **data}, partial=False)
    stage = stage_by_code(data["stage"]) if data.get("stage") else _first_open_stage()
    owner_default = (client.responsible_id if client else None) or (lead.responsible_id if lead else None)
    default_responsible = actor.id if actor is not None else owner_default
    responsible = check_responsible(actor, data.get("responsible_id", default_responsible))
    interest = Interest(
        **fields,
        client_id=client.id if client else None,
        lead_id=lead.id if lead else None,
        stage_id=stage.id,
        responsible_id=responsible.id if responsible else None,
        created_by_id=actor.id if actor else None,
    )
    if stage.kind != STAGE_OPEN:
        raise ValidationFailed({"stage": N_("a new interest starts at an open stage")})
    db.session.add(interest)
    db.session.flush()
    record_change(
        "interest", interest.id, actor.id if actor else None, action=ACTION_CREATE, new=interest.title
    )
    post_feed_entry(
        kind="interest", ref_id=interest.id, title=interest.title, summary=interest.description,
        author_id=actor.id if actor else None, client_id=interest.client_id, lead_id=interest.lead_id,
        contact_id=interest.contact_id, interest_id=interest.id, details=_feed_details(interest, stage),
    )  # fmt: skip
    return interest


def get_interest(actor: User, interest_id: int) -> Interest:
    """An interest, if ``actor`` may see it (through its client/lead or as its responsible manager)."""
    interest = db.session.get(Interest, interest_id)
    if interest is None:
        raise NotFound(f"interest {interest_id} not found")
    ensure_can_view_record(actor, interest)
    return interest


def list_interests(
    actor: User,
    *,
    client_id: int | None = None,
    lead_id: int | None = None,
    responsible_id: int | None = None,
    open_only: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Interest], int]:
    """One page of visible interests (newest first) and the filtered total."""
    conditions = [visible_records_clause(Interest, actor)]
    if client_id is not None:
        conditions.append(Interest.client_id == client_id)
    if lead_id is not None:
        conditions.append(Interest.lead_id == lead_id)
    if responsible_id is not None:
        conditions.append(Interest.responsible_id == responsible_id)
    if open_only:
        conditions.append(Interest.closed_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(Interest).where(*conditions)) or 0
    stmt = (
        select(Interest)
        .where(*conditions)
        .options(joinedload(Interest.stage, innerjoin=True))  # lists show each stage: no query per row
        .order_by(Interest.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(db.session.scalars(stmt)), total


def open_interests_of_client(actor: User, client_id: int) -> list[Interest]:
    """Open interests of one client, newest first (the appeal wizard offers them)."""
    return list_interests(actor, client_id=client_id, open_only=True, limit=100)[0]


def update_interest(actor: User | None, interest_id: int, changes: Mapping[str, Any]) -> Interest:
    """Change an interest's fields (and ``responsible_id``) and commit; every change is logged."""
    interest = _load(interest_id)
    if actor is not None:
        ensure_can_edit_record(actor, interest)
    user_id = actor.id if actor else None
    apply_changes(
        interest, "interest", clean_interest_fields(changes, partial=True), user_id, INTEREST_FIELDS
    )
    if "responsible_id" in changes and changes["responsible_id"] != interest.responsible_id:
        assign_interest_responsible_in_session(actor, interest, changes["responsible_id"])
    update_feed_entry("interest", interest.id, title=interest.title, details=_feed_details(interest))
    db.session.commit()
    return interest


def assign_interest_responsible_in_session(
    actor: User | None, interest: Interest, user_id: int | None
) -> None:
    """Make ``user_id`` responsible for the interest (logged, not committed)."""
    responsible = check_responsible(actor, user_id)
    new_id = responsible.id if responsible else None
    if new_id != interest.responsible_id:
        record_change("interest", interest.id, actor.id if actor else None, field="responsible_id",
                      old=interest.responsible_id, new=new_id)  # fmt: skip
        interest.responsible_id = new_id


def set_interest_stage(
    actor: User | None, interest_id: int, stage_code: str, lost_reason: str = ""
) -> Interest:
    """Move an interest to a stage and commit; a won/lost stage closes it (lost needs a reason)."""
    interest = set_interest_stage_in_session(actor, interest_id, stage_code, lost_reason)
    db.session.commit()
    return interest


def set_interest_stage_in_session(
    actor: User | None, interest_id: int, stage_code: str, lost_reason: str = ""
) -> Interest:
    """``set_interest_stage`` without the commit."""
    interest = _load(interest_id)
    if actor is not None:
        ensure_can_edit_record(actor, interest)
    stage = stage_by_code(stage_code)
    if stage.kind == STAGE_WON:
        return close_interest_in_session(actor, interest_id, OUTCOME_WON)
    if stage.kind == STAGE_LOST:
        return close_interest_in_session(actor, interest_id, OUTCOME_LOST, lost_reason)
    if interest.closed_at is not None:
        raise ValidationFailed({"stage": N_("the interest is closed; reopen it first")})
    _change_stage(actor, interest, stage)
    return interest


def close_interest(actor: User | None, interest_id: int, outcome: str, lost_reason: str = "") -> Interest:
    """Close an interest as ``won`` or ``lost`` (with a reason) and commit."""
    interest = close_interest_in_session(actor, interest_id, outcome, lost_reason)
    db.session.commit()
    return interest


def close_interest_in_session(
    actor: User | None, interest_id: int, outcome: str, lost_reason: str = ""
) -> Interest:
    """``close_interest`` without the commit."""
    interest = _load(interest_id)
    if actor is not None:
        ensure_can_edit_record(actor, interest)
    if outcome not in (OUTCOME_WON, OUTCOME_LOST):
        raise ValidationFailed({"outcome": N_("won or lost")})
    if outcome == OUTCOME_LOST and not lost_reason.strip():
        raise ValidationFailed({"lost_reason": N_("say why the interest was lost")})
    if interest.closed_at is not None:
        raise ValidationFailed(
            {
                "outcome": N_("the interest is already closed (won)")
                if interest.outcome == OUTCOME_WON
                else N_("the interest is already closed (lost)")
            }
        )
    stage = db.session.scalars(
        select(InterestStage)
        .where(InterestStage.kind == (STAGE_WON if outcome == OUTCOME_WON else STAGE_LOST))
        .order_by(InterestStage.sort_order)
    ).first()
    if stage is None:
        raise ValidationFailed(
            {
                "outcome": N_("the stage directory has no won stage")
                if outcome == OUTCOME_WON
                else N_("the stage directory has no lost stage")
            }
        )
    user_id = actor.id if actor else None
    _change_stage(actor, interest, stage)
    record_change("interest", interest.id, user_id, field="outcome", old=None, new=outcome)
    interest.outcome = outcome
    if outcome == OUTCOME_LOST:
        record_change("interest", interest.id, user_id, field="lost_reason", old="", new=lost_reason.strip())
        interest.lost_reason = lost_reason.strip()
    interest.closed_at = utcnow()
    update_feed_entry("interest", interest.id, details=_feed_details(interest, stage))
    if interest.client_id is not None:
        # A won or lost deal changes the client's work status: recalculate once this commits.
        from crm.tasks import RECALCULATE_CLIENT_STATUS
        from engine.jobs import enqueue

        enqueue(RECALCULATE_CLIENT_STATUS, interest.client_id)
    return interest


def reopen_interest(actor: User, interest_id: int, stage_code: str | None = None) -> Interest:
    """Reopen a closed interest at an open stage (default the first) and commit."""
    interest = _load(interest_id)
    ensure_can_edit_record(actor, interest)
    if interest.closed_at is None:
        raise ValidationFailed({"outcome": N_("the interest is open")})
    stage = stage_by_code(stage_code) if stage_code else _first_open_stage()
    if stage.kind != STAGE_OPEN:
        raise ValidationFailed({"stage": N_("reopen at an open stage")})
    record_change("interest", interest.id, actor.id, field="outcome", old=interest.outcome, new=None)
    interest.outcome, interest.closed_at, interest.lost_reason = None, None, ""
    _change_stage(actor, interest, stage)
    update_feed_entry("interest", interest.id, details=_feed_details(interest, stage))
    db.session.commit()
    return interest


def link_interest_process(interest_id: int, process_instance_id: int) -> None:
    """Remember the engine instance that drives this interest (business key ``interest:<id>``); commit."""
    interest = _load(interest_id)
    interest.process_instance_id = process_instance_id
    db.session.commit()


def interest_history(actor: User, interest_id: int, limit: int = 200) -> list[ChangeLogEntry]:
    """The change history of an interest, newest first."""
    return history_of("interest", get_interest(actor, interest_id).id, limit)


def clean_interest_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate the interest fields present in ``data``."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in ("title", "description", "source"):
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
    if (not partial or "title" in data) and not cleaned.get("title"):
        errors["title"] = N_("an interest needs a title")
    if "amount" in data:
        try:
            cleaned["amount"] = Decimal(str(data["amount"] or "0").replace(" ", "").replace(",", "."))
            if cleaned["amount"] < 0 or not cleaned["amount"].is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors["amount"] = N_("a non-negative amount is expected")
    if "currency" in data:
        cleaned["currency"] = str(data["currency"] or "").strip().upper()
        if len(cleaned["currency"]) != 3 or not cleaned["currency"].isalpha():
            errors["currency"] = N_("a 3-letter currency code is expected")
    if "expected_close_date" in data:
        raw = data["expected_close_date"]
        try:
            cleaned["expected_close_date"] = (
                None if raw in (None, "") else raw if isinstance(raw, date) else date.fromisoformat(str(raw))
            )
        except ValueError:
            errors["expected_close_date"] = N_("a date YYYY-MM-DD is expected")
    if "contact_id" in data:
        cleaned["contact_id"] = data["contact_id"] or None
        if cleaned["contact_id"] and db.session.get(ContactPerson, cleaned["contact_id"]) is None:
            errors["contact_id"] = N_("no such contact person")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _load(interest_id: int) -> Interest:
    interest = db.session.get(Interest, interest_id)
    if interest is None:
        raise NotFound(f"interest {interest_id} not found")
    return interest


def _first_open_stage() -> InterestStage:
    stage = db.session.scalars(
        select(InterestStage)
        .where(InterestStage.kind == STAGE_OPEN, InterestStage.is_active.is_(True))
        .order_by(InterestStage.sort_order, InterestStage.id)
    ).first()
    if stage is None:
        stage = next(s for s in ensure_default_stages_in_session() if s.kind == STAGE_OPEN)
    return stage


def _change_stage(actor: User | None, interest: Interest, stage: InterestStage) -> None:
    if stage.id != interest.stage_id:
        old = db.session.get(InterestStage, interest.stage_id)
        record_change("interest", interest.id, actor.id if actor else None, field="stage",
                      old=old.code if old else None, new=stage.code)  # fmt: skip
        interest.stage_id = stage.id
        interest.stage = stage
        update_feed_entry("interest", interest.id, details=_feed_details(interest, stage))


def _feed_details(interest: Interest, stage: InterestStage | None = None) -> dict[str, Any]:
    stage = stage or db.session.get(InterestStage, interest.stage_id)
    return {
        "stage": stage.code if stage else None,
        "stage_name": stage.name if stage else None,
        "amount": format(Decimal(interest.amount or 0), "f"),
        "currency": interest.currency,
        "outcome": interest.outcome,
    }
