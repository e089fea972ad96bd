"""My sales: the pipeline board, the interests table, and moving a deal to a stage where its route map allows.

The rule for moving a card (docs/employees.md, "My sales"): a deal driven by a running route map moves only
by taking a variant of one of its current steps. A variant "leads to" a stage when the automatic path after
that variant's flow calls ``crm/set_interest_stage`` with that stage (or ``crm/close_interest`` with the
matching outcome for a won/lost stage). Dropping the card completes that step with the variant's value, so the
process — not the board — changes the stage. A step whose form needs more than the choice is not completed
from the board: the user is sent to the task. A deal without a running route map is moved directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from crm.access import ensure_can_edit_record, visible_records_clause
from crm.accounts.models import User
from crm.clients.models import Client, Lead
from crm.deals.models import STAGE_LOST, STAGE_WON, Interest, InterestStage
from crm.deals.services import get_interest, list_stages, set_interest_stage, stage_by_code
from crm.workplaces.errors import MoveNotAllowed
from engine.db import db
from engine.definitions import get_definition
from engine.humantask_model import OPEN, HumanTask
from engine.humantasks import complete_task
from engine.instance_model import RUNNING, ProcessInstance
from engine.runtime_errors import FormDataInvalid, StepFailed, TaskNotOpen, TaskNotYours
from engine.task_choices import TaskChoice, choice_field, choices_for_task, operations_reached_in_definition

BOARD_LIMIT = 500
SCOPES = ("mine", "all")  # my deals / every deal I may see (a head of sales sees the department)


@dataclass(frozen=True)
class DealRow:
    interest: Interest
    client_name: str
    current_step: str
    task_id: int | None


@dataclass(frozen=True)
class BoardColumn:
    stage: InterestStage
    deals: list[DealRow]
    total_amount: Decimal


@dataclass(frozen=True)
class StageRoute:
    """A variant of a current step and the stage it leads the deal to."""

    task: HumanTask
    choice: TaskChoice
    field: str
    stage_code: str


def sales_board(actor: User, *, scope: str = "mine") -> list[BoardColumn]:
    """Open deals by open stage (won/lost columns are drop targets that close a deal through its route map)."""
    query = _deals_query(actor, scope).where(Interest.closed_at.is_(None))
    deals = _rows(list(db.session.scalars(query.order_by(Interest.updated_at.desc()).limit(BOARD_LIMIT))))
    columns = []
    for stage in list_stages():
        in_stage = [d for d in deals if d.interest.stage_id == stage.id]
        total = sum((d.interest.amount or Decimal(0) for d in in_stage), Decimal(0))
        columns.append(BoardColumn(stage, in_stage, total))
    return columns


def sales_table(
    actor: User,
    *,
    scope: str = "mine",
    stage_code: str | None = None,
    state: str = "open",
    search: str = "",
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[DealRow], int]:
    """One page of deals (newest first) with the filtered total; ``state`` is open, closed or all."""
    query = _deals_query(actor, scope)
    if stage_code:
        query = query.where(Interest.stage_id == stage_by_code(stage_code).id)
    if state == "open":
        query = query.where(Interest.closed_at.is_(None))
    elif state == "closed":
        query = query.where(Interest.closed_at.is_not(None))
    if search.strip():
        like = f"%{search.strip().lower()}%"
        clients = select(Client.id).where(func.lower(Client.name).like(like))
        query = query.where(or_(func.lower(Interest.title).like(like), Interest.client_id.in_(clients)))
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page = max(page, 1)
    rows = db.session.scalars(
        query.order_by(Interest.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return _rows(list(rows)), total


def stage_routes(actor: User, interest: Interest) -> list[StageRoute]:
    """The stages the deal's current steps can lead to, each with the step and variant that gets there."""
    instance = _running_instance(interest)
    if instance is None:
        return []
    tasks = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == OPEN)
        .order_by(HumanTask.id)
    )
    definition = get_definition(instance.definition_id)
    routes = []
    for task in tasks:
        choices = choices_for_task(task)
        field = choice_field(choices)
        if field is None:
            continue
        for choice in choices:
            for op in operations_reached_in_definition(definition.id, definition.bpmn_xml, choice.flow_id):
                stage = _stage_set_by(op.operation, op.params)
                if stage is not None:
                    routes.append(StageRoute(task, choice, field, stage))
    return routes


def move_interest_to_stage(actor: User, interest_id: int, stage_code: str) -> Interest:
    """Move a deal on the board; raises ``MoveNotAllowed`` where its route map does not lead there."""
    interest = get_interest(actor, interest_id)
    ensure_can_edit_record(actor, interest)
    stage = stage_by_code(stage_code)
    if stage.id == interest.stage_id:
        return interest
    if _running_instance(interest) is None:
        return set_interest_stage(actor, interest.id, stage.code)
    routes = stage_routes(actor, interest)
    matching = [r for r in routes if _leads_to(r.stage_code, stage)]
    if not matching:
        reachable = sorted({r.stage_code for r in routes})
        raise MoveNotAllowed(
            f"the route map does not lead interest {interest.id} to stage {stage.code!r} from its current "
            f"step; reachable stages: {', '.join(reachable) or 'none'}",
            reason="no_route",
            stage=stage.name,
            reachable=[_stage_name(code) for code in reachable],
        )
    route = matching[0]
    try:
        complete_task(route.task.id, actor.id, {route.field: route.choice.value}, actor.lane_keys)
    except FormDataInvalid:
        raise MoveNotAllowed(
            f"step {route.task.element_name!r} needs its form filled in",
            reason="form_needed",
            task_id=route.task.id,
            step=route.task.element_name,
            variant=route.choice.label,
        ) from None
    except (TaskNotYours, TaskNotOpen) as exc:
        raise MoveNotAllowed(
            str(exc), reason="not_yours", task_id=route.task.id, step=route.task.element_name
        ) from None
    except StepFailed as exc:
        raise MoveNotAllowed(str(exc), reason="failed", step=route.task.element_name) from None
    db.session.expire_all()
    return get_interest(actor, interest.id)


def _leads_to(code: str, stage: InterestStage) -> bool:
    if code == stage.code:
        return True
    return (code == "won" and stage.kind == STAGE_WON) or (code == "lost" and stage.kind == STAGE_LOST)


def _stage_set_by(operation: str, params: dict[str, Any]) -> str | None:
    if operation == "crm/set_interest_stage" and isinstance(params.get("stage"), str):
        return str(params["stage"])
    if operation == "crm/close_interest" and params.get("outcome") in ("won", "lost"):
        return str(params["outcome"])
    return None


def _stage_name(code: str) -> str:
    stage = db.session.scalars(select(InterestStage).where(InterestStage.code == code)).first()
    return stage.name if stage else code


def _running_instance(interest: Interest) -> ProcessInstance | None:
    if interest.process_instance_id is None:
        return None
    instance = db.session.get(ProcessInstance, interest.process_instance_id)
    return instance if instance is not None and instance.status == RUNNING else None


def _deals_query(actor: User, scope: str):  # type: ignore[no-untyped-def]
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    query = select(Interest).where(visible_records_clause(Interest, actor))
    if scope == "mine":
        query = query.where(Interest.responsible_id == actor.id)
    return query


def _rows(interests: list[Interest]) -> list[DealRow]:
    if not interests:
        return []
    client_ids = {i.client_id for i in interests if i.client_id}
    lead_ids = {i.lead_id for i in interests if i.lead_id}
    clients = (
        dict(
            db.session.execute(select(Client.id, Client.name).where(Client.id.in_(client_ids))).tuples().all()
        )
        if client_ids
        else {}
    )
    leads = (
        dict(db.session.execute(select(Lead.id, Lead.name).where(Lead.id.in_(lead_ids))).tuples().all())
        if lead_ids
        else {}
    )
    keys = [i.business_key for i in interests]
    steps: dict[str, tuple[str, int]] = {}
    for key, name, task_id in db.session.execute(
        select(HumanTask.business_key, HumanTask.element_name, HumanTask.id)
        .where(HumanTask.business_key.in_(keys), HumanTask.status == OPEN)
        .order_by(HumanTask.id)
    ):
        steps.setdefault(key, (name, task_id))
    return [
        DealRow(
            i,
            clients.get(i.client_id or 0) or leads.get(i.lead_id or 0, ""),
            steps.get(i.business_key, ("", 0))[0],
            steps.get(i.business_key, ("", 0))[1] or None,
        )
        for i in interests
    ]
