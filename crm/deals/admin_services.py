"""The interest stage directory as administrators edit it: name, order, probability, kind, active."""

from __future__ import annotations

import re

from sqlalchemy import select

from crm.accounts.models import User
from crm.deals.models import STAGE_LOST, STAGE_OPEN, STAGE_WON, InterestStage
from crm.deals.services import list_stages
from crm.errors import NotFound, ValidationFailed
from crm.importing.admin_services import ensure_admin
from crm.messages import N_, Message
from engine.db import db

STAGE_KINDS = (STAGE_OPEN, STAGE_WON, STAGE_LOST)
CODE_RE = re.compile(r"^[a-z0-9_]{2,64}$")
ORDER_STEP = 10


def get_interest_stage(stage_id: int) -> InterestStage:
    """One stage for its edit form; ``NotFound`` when it does not exist."""
    stage = db.session.get(InterestStage, stage_id)
    if stage is None:
        raise NotFound(f"Interest stage {stage_id} does not exist.")
    return stage


def save_interest_stage(
    actor: User,
    *,
    code: str,
    name: str,
    probability: int,
    kind: str = STAGE_OPEN,
    is_active: bool = True,
    stage_id: int | None = None,
) -> InterestStage:
    """Create or change a stage (administrators). A new stage goes to the end of the funnel.

    The code of an existing stage never changes (route maps and history refer to it); the last active
    won or lost stage cannot be switched off or change kind, since closing an interest needs one.
    """
    ensure_admin(actor)
    stage = get_interest_stage(stage_id) if stage_id is not None else InterestStage()
    code = stage.code if stage_id is not None else code.strip()
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = N_("Name the stage.")
    if not CODE_RE.match(code or ""):
        errors["code"] = N_("2-64 lower-case letters, digits and underscores.")
    elif stage_id is None and db.session.scalar(select(InterestStage.id).where(InterestStage.code == code)):
        errors["code"] = N_("A stage with this code exists.")
    if not 0 <= probability <= 100:
        errors["probability"] = N_("A percentage from 0 to 100.")
    if kind not in STAGE_KINDS:
        errors["kind"] = Message(N_("One of %(choices)s."), choices=", ".join(STAGE_KINDS))
    closing_stage = stage_id is not None and stage.kind in (STAGE_WON, STAGE_LOST) and stage.is_active
    if closing_stage and (not is_active or kind != stage.kind) and _active_of_kind(stage.kind) == 1:
        errors["kind" if kind != stage.kind else "is_active"] = (
            f"This is the only active {stage.kind} stage; interests could not be closed without it."
        )
    if errors:
        raise ValidationFailed(errors)
    if stage_id is None:
        stage.code = code
        stage.sort_order = (
            max((s.sort_order for s in list_stages(include_inactive=True)), default=0) + ORDER_STEP
        )
    stage.name, stage.probability, stage.kind, stage.is_active = name.strip(), probability, kind, is_active
    db.session.add(stage)
    db.session.commit()
    return stage


def move_interest_stage(actor: User, stage_id: int, direction: str) -> list[InterestStage]:
    """Move a stage one place ``up`` or ``down`` in the funnel; orders are renumbered 10, 20, ..."""
    ensure_admin(actor)
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": N_("up or down")})
    stages = list_stages(include_inactive=True)
    index = next((i for i, s in enumerate(stages) if s.id == stage_id), None)
    if index is None:
        raise NotFound(f"Interest stage {stage_id} does not exist.")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(stages):
        stages[index], stages[other] = stages[other], stages[index]
    for order, stage in enumerate(stages, start=1):
        stage.sort_order = order * ORDER_STEP
    db.session.commit()
    return stages


def _active_of_kind(kind: str) -> int:
    return sum(1 for s in list_stages() if s.kind == kind)
