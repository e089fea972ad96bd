"""One step of one instance = one short transaction.

load row -> deserialize (spec from cache) -> apply (complete a task, fire a timer, deliver a message...) ->
run engine steps until nothing automatic is left -> compact history -> serialize -> versioned UPDATE
(``WHERE version = :read``; 0 rows -> ``ConcurrentUpdate``) -> projections + events -> commit.

Any failure before the commit rolls the session back; the in-memory workflow is thrown away because the
database copy is authoritative (SpiffWorkflow leaves partial state behind when a step fails half-way).
A failing *service task* is not such a failure: the task stays in ERROR, the step commits, and an incident
is opened (see ``engine.incidents``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table
from sqlalchemy.orm.exc import StaleDataError

from engine import events as ev
from engine import workflow_cache
from engine.calendar import WorkCalendar
from engine.calendar_service import default_calendar_from
from engine.compaction import ITERATOR_MAX_DEPTH, beyond_walk_limit, compact_history, task_count
from engine.db import db, utcnow
from engine.definition_model import ProcessDefinition
from engine.humantask_model import OPEN, HumanTask
from engine.instance_model import COMPLETED, RUNNING, SUSPENDED, ProcessInstance
from engine.runtime_errors import ConcurrentUpdate, InstanceNotFound, InstanceNotRunning, StepFailed
from engine.runtime_specs import sequence_flow, sequence_flow_checked
from engine.script_env import build_script_engine
from engine.serialization import DumpMemo, dump_state, load_state
from engine.spec_cache import get_specs_checked
from engine.step_store import (
    LoadedInstance,
    StepConnection,
    insert_and_commit,
    read_instance,
    step_connection,
    write_step_rows,
)
from engine.task_walk import tasks_in_state, workflow_completed

_EVENTS = cast(Table, ev.ProcessEvent.__table__)

# A guard against a model that keeps making automatic tasks ready forever (SpiffWorkflow would spin).
MAX_ENGINE_ROUNDS = 50
# ... and against an automatic loop that never ends: at most this many automatic tasks run in one step.
MAX_AUTOMATIC_TASKS = 20_000
# Finished history is cut between SpiffWorkflow's passes once a step has added this many tasks since the last
# cut (a long automatic loop would otherwise grow the tree, and SpiffWorkflow's walks over it, every round).
COMPACT_EVERY_TASKS = 96


@dataclass
class Step:
    """Everything one step touches; events are written when the step commits.

    ``definition`` is read from the database only when something asks for it (most steps never do: the
    spec comes from the cache, validated by ``definition_sha256`` read with the instance row).
    """

    instance: ProcessInstance
    loaded_definition: ProcessDefinition | None
    workflow: BpmnWorkflow
    now: datetime
    calendar: WorkCalendar
    user_id: int | None = None
    cause_task: HumanTask | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    completed_spiff_ids: set[str] = field(default_factory=set)
    service_failures: list[tuple[Any, str]] = field(default_factory=list)
    fired_timer_ids: set[str] = field(default_factory=set)
    had_errors: bool = False
    # Whether the workflow waited for timers/messages when loaded: when it neither did nor does, the
    # timer and subscription projections have nothing to sync and are not queried.
    had_waits: bool = True
    # spiff ids of the READY user/manual tasks when loaded, i.e. the instance's open human-task rows (the
    # projection is written with the state); None when unknown, and the rows are read instead.
    open_before: set[str] | None = None
    # Human-task rows this step finished, with their new column values (written after the instance).
    finished_rows: list[tuple[HumanTask, dict[str, Any]]] = field(default_factory=list)
    # spiff ids of the READY user/manual tasks when committed (the open rows the step leaves behind).
    open_after: frozenset[str] | None = None
    # The READY tasks as advance left them, when commit_step was told them.
    ready_tasks: list[Any] | None = None
    # What dump_state remembers of the tasks it wrote (kept with the workflow from step to step).
    dump_memo: DumpMemo = field(default_factory=DumpMemo)
    # The transaction the step writes in, once commit_step has started writing.
    db: StepConnection | None = None
    definition_sha256: str | None = None

    @property
    def definition(self) -> ProcessDefinition:
        """The instance's definition row (read on first use)."""
        current = self.loaded_definition
        if current is None or current.id != self.instance.definition_id:
            current = db.session.get(ProcessDefinition, self.instance.definition_id)
            assert current is not None  # FK
            self.loaded_definition = current
        return current

    @definition.setter
    def definition(self, value: ProcessDefinition) -> None:
        self.loaded_definition = value
        self.definition_sha256 = value.sha256

    def record(self, kind: str, **details: Any) -> None:
        """Queue a process event; ``element_id``/``element_name``/``task_id``/``user_id`` are columns."""
        self.events.append({"kind": kind, **details})


def element_of(task: Any) -> tuple[str, str]:
    """(BPMN element id, name) of a spiff task; control tasks map onto the element they belong to."""
    spec = task.task_spec
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name.split(".")[0]
    return str(bpmn_id), str(getattr(spec, "bpmn_name", None) or "")


def load_instance(instance_id: int, *, for_update: bool = False) -> ProcessInstance:
    """The instance row in the session, freshly read (never a stale identity-map copy)."""
    query = db.select(ProcessInstance).where(ProcessInstance.id == instance_id)
    query = query.execution_options(populate_existing=True)
    if for_update:
        query = query.with_for_update()
    instance = db.session.scalars(query).first()
    if instance is None:
        raise InstanceNotFound(f"no process instance with id {instance_id}")
    return instance


def open_step(
    instance_id: int,
    *,
    now: datetime | None = None,
    user_id: int | None = None,
    statuses: tuple[str, ...] = (RUNNING,),
    loaded: LoadedInstance | None = None,
) -> Step:
    """Read an instance (or take the row ``loaded`` with it) and rebuild its workflow around the cached spec."""
    loaded = loaded or read_instance(instance_id)
    instance = loaded.instance
    # Before anything is written: when there is no default calendar yet, this creates (and commits) it.
    calendar = default_calendar_from(loaded.calendar_id, loaded.calendar_revision)
    now = now or utcnow()
    if instance.status not in statuses:
        raise InstanceNotRunning(instance.id, instance.status)
    spec, subprocess_specs = get_specs_checked(instance.definition_id, loaded.definition_sha256)
    script_engine = build_script_engine(calendar, now)
    kept = workflow_cache.take(instance.id, instance.state, spec, subprocess_specs)
    if kept is None:
        workflow = load_state(instance.state, spec, subprocess_specs, script_engine)
    else:
        workflow = kept.workflow
        workflow.script_engine = script_engine
    step = Step(instance, None, workflow, now, calendar, user_id=user_id)
    if kept is not None:
        step.dump_memo = kept.dump_memo
    step.definition_sha256 = loaded.definition_sha256
    step.had_errors = bool(tasks_in_state(workflow, TaskState.ERROR))
    step.had_waits = bool(workflow.event_manager.tasks)
    if instance.status in (RUNNING, SUSPENDED) and not workflow_completed(workflow):
        # The previous step of a kept workflow wrote exactly these rows.
        step.open_before = set(kept.open_task_ids) if kept is not None else ready_human_task_ids(workflow)
    return step


def ready_human_task_ids(workflow: BpmnWorkflow) -> set[str]:
    """spiff ids of the READY user/manual tasks: what the human-task projection holds as open."""
    return {str(t.id) for t in tasks_in_state(workflow, TaskState.READY) if t.task_spec.manual}


def new_step(
    definition: ProcessDefinition, instance: ProcessInstance, *, now: datetime, calendar: WorkCalendar
) -> Step:
    """A step over a brand-new workflow for a just-flushed instance row."""
    spec, subprocess_specs = get_specs_checked(definition.id, definition.sha256)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=build_script_engine(calendar, now))
    step = Step(instance, definition, workflow, now, calendar, user_id=instance.started_by, had_waits=False)
    step.definition_sha256 = definition.sha256
    step.open_before = set()
    return step


def advance(step: Step) -> list[Any]:
    """Run automatic tasks until only human tasks and waits remain; service failures become incidents.

    Returns the READY tasks left (all manual), as ``tasks_in_state(workflow, READY)`` lists them."""
    workflow = step.workflow
    current: dict[str, Any] = {}
    ran = [0]

    def will_complete(task: Any) -> None:
        current["task"] = task
        ran[0] += 1
        if ran[0] > MAX_AUTOMATIC_TASKS:
            raise _EndlessLoop

    def did_complete(task: Any) -> None:
        _after_task_ran(step, task)

    for _ in range(MAX_ENGINE_ROUNDS):
        try:
            _engine_passes(workflow, will_complete, did_complete)
            # Timers are refreshed after the passes (as do_engine_steps does at its end); a timer that fired
            # then made tasks READY that nobody ran yet: the loop goes round again.
            workflow.refresh_timers()
        except _EndlessLoop:
            raise StepFailed(
                step.instance.id,
                element_of(current["task"])[0],
                f"more than {MAX_AUTOMATIC_TASKS} automatic tasks in one step: a loop that never ends?",
            ) from None
        except Exception as exc:
            task = current.get("task")
            if (
                task is not None
                and isinstance(task.task_spec, ServiceTask)
                and task.has_state(TaskState.ERROR)
            ):
                step.service_failures.append((task, _describe(exc)))
                continue
            element = element_of(task)[0] if task is not None else None
            if isinstance(exc, RecursionError):  # SpiffWorkflow walks some ancestor chains recursively
                raise StepFailed(step.instance.id, element, _TOO_DEEP) from exc
            raise StepFailed(step.instance.id, element, _describe(exc)) from exc
        ready = tasks_in_state(workflow, TaskState.READY)
        if not any(not t.task_spec.manual for t in ready):
            if not beyond_walk_limit(workflow):
                return ready
            # A long automatic loop pushed its next task below the levels SpiffWorkflow walks, where it
            # would never run (the instance would stall silently): cut the finished history and go on.
            if compact_history(workflow) and not beyond_walk_limit(workflow):
                continue
            raise StepFailed(step.instance.id, None, _TOO_DEEP)
    raise StepFailed(step.instance.id, None, f"automatic tasks still ready after {MAX_ENGINE_ROUNDS} rounds")


class _EndlessLoop(Exception):
    """More automatic tasks ran in one step than ``MAX_AUTOMATIC_TASKS``."""


def _engine_passes(workflow: BpmnWorkflow, will_complete: Any, did_complete: Any) -> None:
    """``workflow.do_engine_steps`` without its final timer refresh (the caller's), one pass at a time (a
    pass runs the tasks READY when it starts, as SpiffWorkflow's own loop does), cutting the finished history between passes whenever the tree has grown
    by ``COMPACT_EVERY_TASKS``: a long automatic loop then keeps a small tree, and SpiffWorkflow's walks —
    a parallel join inside a loop looks at every earlier round's join — stay short."""
    cut_at = task_count(workflow) + COMPACT_EVERY_TASKS
    while workflow._do_engine_steps(will_complete, did_complete):
        if task_count(workflow) >= cut_at:
            compact_history(workflow)
            cut_at = task_count(workflow) + COMPACT_EVERY_TASKS


_TOO_DEEP = (
    f"the task tree is deeper than the {ITERATOR_MAX_DEPTH} levels SpiffWorkflow walks and its history cannot "
    "be cut (a long loop with parallel branches inside, beside a waiting parallel branch?)"
)


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__
    text = str(exc) or type(exc).__name__
    if cause is not None and str(cause) not in text:
        text = f"{text} ({type(cause).__name__}: {cause})"
    return text


def _after_task_ran(step: Step, task: Any) -> None:
    spec = task.task_spec
    if isinstance(spec, ExclusiveGateway) and task.has_state(TaskState.COMPLETED):
        _record_variants(step, task)
    elif isinstance(spec, ServiceTask) and task.has_state(TaskState.COMPLETED):
        element_id, name = element_of(task)
        step.record(
            ev.SERVICE_CALL_OK,
            element_id=element_id,
            element_name=name,
            details={"operation": spec.operation_name},
        )
    elif (
        isinstance(spec, CatchingEvent)
        and isinstance(spec.event_definition, TimerEventDefinition)
        and str(task.id) not in step.fired_timer_ids
    ):
        element_id, name = element_of(task)
        step.record(ev.TIMER_FIRED, element_id=element_id, element_name=name, details={"by": "engine"})


def _record_variants(step: Step, gateway_task: Any) -> None:
    gateway_id, gateway_name = element_of(gateway_task)
    for child in gateway_task.children:
        if child.has_state(TaskState.PREDICTED_MASK):
            continue
        target_id = element_of(child)[0]
        if step.definition_sha256 is not None:
            flow_id, flow_name = sequence_flow_checked(
                step.instance.definition_id, step.definition_sha256, gateway_id, target_id
            )
        else:
            flow_id, flow_name = sequence_flow(step.definition, gateway_id, target_id)
        cause = step.cause_task
        step.record(
            ev.VARIANT_CHOSEN,
            element_id=gateway_id,
            element_name=gateway_name,
            task_id=cause.id if cause is not None else None,
            user_id=step.user_id,
            details={
                "gateway": gateway_id,
                "flow": flow_id,
                "variant": flow_name,
                "target": target_id,
                "after_task": cause.element_id if cause is not None else None,
            },
        )


def commit_step(step: Step, *, status: str | None = None, ready: list[Any] | None = None) -> ProcessInstance:
    """Write state + projections + events with the version check, then commit.

    ``ready`` is what ``advance`` returned when nothing touched the workflow since (the READY tasks,
    which compaction does not change); else the projections walk the tree for them.
    """
    from engine.incidents import sync_incidents
    from engine.projections import sync_projections

    workflow, instance = step.workflow, step.instance
    step.ready_tasks = ready
    compact_history(workflow)
    finished_now = workflow_completed(workflow) and instance.status == RUNNING
    # The step's columns are handed to the versioned UPDATE rather than set on the ORM object, which
    # is told them once written: it never turns dirty, so the flush below has nothing to compare.
    values: dict[str, Any] = {"state": dump_state(workflow, step.dump_memo), "updated_at": step.now}
    if status is not None:
        values["status"] = status
    elif finished_now:
        values["status"] = COMPLETED
        values["ended_at"] = step.now
        step.record(ev.INSTANCE_COMPLETED)
    try:
        # The versioned UPDATE goes first: a concurrent step of this instance waits on its row lock and
        # then finds the version moved on. (The instance object a step reads is detached, so no ORM flush
        # during the step writes it; one an operation made through its own copy of the row would move the
        # version on and end here too.)
        step.db = step_connection()
        if not write_step_rows(instance, values, step.finished_rows, OPEN, on=step.db):
            raise StaleDataError()
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ConcurrentUpdate(instance.id) from None
    sync_incidents(step)
    sync_projections(step)
    rows = ev.event_rows(
        step.events,
        instance_id=instance.id,
        definition_id=instance.definition_id,
        business_key=instance.business_key,
        at=step.now,
    )
    insert_and_commit(_EVENTS, rows, on=step.db)
    if instance.status in (RUNNING, SUSPENDED) and step.open_after is not None:
        # Committed: the next step of the instance may reuse the workflow.
        workflow_cache.keep(instance.id, values["state"], workflow, step.open_after, step.dump_memo)
    return instance


def run_step(
    instance_id: int,
    apply: Callable[[Step], None],
    *,
    now: datetime | None = None,
    user_id: int | None = None,
    statuses: tuple[str, ...] = (RUNNING,),
    run_engine: bool = True,
    status: str | None = None,
    loaded: LoadedInstance | None = None,
) -> Step:
    """open -> apply -> advance -> commit, rolling back (and discarding the workflow) on any failure.

    ``loaded`` is the instance row when the caller already read it (with ``engine.step_store``).
    """
    try:
        step = open_step(instance_id, now=now, user_id=user_id, statuses=statuses, loaded=loaded)
        apply(step)
        ready = advance(step) if run_engine else None
        commit_step(step, status=status, ready=ready)
    except BaseException:
        db.session.rollback()
        raise
    return step
