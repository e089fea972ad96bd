"""Moving a running instance to a newer version of its route map (SpiffWorkflow ``diff_workflow`` /
``migrate_workflow``), refusing when it is unsafe and saying why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine import events as ev
from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.definitions import get_definition, latest_definition
from engine.errors import EngineError
from engine.instance_model import RUNNING, SUSPENDED, ProcessInstance
from engine.instance_queries import running_instances
from engine.runtime_errors import MigrationRefused
from engine.runtime_specs import specs_for
from engine.serialization import spec_registry
from engine.stepper import Step, element_of, load_instance, open_step, run_step

LIVE_STATUSES = (RUNNING, SUSPENDED)


class MigrationReason(str):
    """One reason a migration is unsafe: the English text, plus a ``code`` and the ``params`` it was made
    from, so a user interface can word it in its own language.

    Codes: ``current_step_removed`` / ``history_step_removed`` (``step``: "Name (element id)[ in sub]"),
    ``subprocess_removed`` (``subprocess``), ``foreign_target``, ``same_version``, ``not_live`` (``status``).
    """

    code: str
    params: dict[str, str]

    def __new__(cls, code: str, text: str, **params: str) -> MigrationReason:
        reason = super().__new__(cls, text)
        reason.code = code
        reason.params = params
        return reason


def _blockers(workflow: Any, diff: Any, where: str) -> list[str]:
    reasons: list[str] = []
    for task in diff.removed:
        element_id, name = element_of(task)
        label = f"{name or element_id} ({element_id}){where}"
        if task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR):
            reasons.append(
                MigrationReason(
                    "current_step_removed",
                    f"{label} is where the instance is now, and the new version removed it",
                    step=label,
                )
            )
        elif task.has_state(TaskState.FINISHED_MASK):
            reasons.append(
                MigrationReason(
                    "history_step_removed",
                    f"{label} is in the instance's recent history, and the new version removed it",
                    step=label,
                )
            )
    return reasons


def migration_problems(
    step: Step, new_spec: Any, new_subprocess_specs: dict[str, Any]
) -> tuple[list[str], Any]:
    """Why the step's workflow cannot move onto the new specs (empty when it can), and the diffs."""
    workflow = step.workflow
    top_diff, sub_diffs = diff_workflow(spec_registry(), workflow, new_spec, new_subprocess_specs)
    reasons = _blockers(workflow, top_diff, "")
    for sp_id, diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        if diff is None:
            if not subprocess.completed:
                reasons.append(
                    MigrationReason(
                        "subprocess_removed",
                        f"subprocess {subprocess.spec.name} is running and the new version has no such process",
                        subprocess=str(subprocess.spec.name),
                    )
                )
            continue
        reasons.extend(_blockers(subprocess, diff, f" in {subprocess.spec.name}"))
    return reasons, (top_diff, sub_diffs)


def _target(current: ProcessInstance, to_definition_id: int | None) -> ProcessDefinition:
    """The definition to move ``current`` onto; refuses a foreign route map or the version it runs on."""
    target = (
        get_definition(to_definition_id)
        if to_definition_id is not None
        else latest_definition(current.process_key)
    )
    if target is None or target.key != current.process_key:
        raise MigrationRefused(
            current.id,
            [MigrationReason("foreign_target", "the target is not a version of this instance's route map")],
        )
    if target.id == current.definition_id:
        raise MigrationRefused(
            current.id, [MigrationReason("same_version", "the instance already runs on that version")]
        )
    return target


def check_migration(instance_id: int, to_definition_id: int | None = None) -> list[str]:
    """Why ``migrate_instance`` would refuse to move the instance to ``to_definition_id`` (default: the
    newest version of its key) — the same reasons it raises; an empty list means the move is safe.

    A dry run: the state is read and diffed against the target, nothing is written (the session is rolled
    back). Raises ``InstanceNotFound`` for an unknown id.
    """
    try:
        current = load_instance(instance_id)
        if current.status not in LIVE_STATUSES:
            return [MigrationReason("not_live", f"the instance is {current.status}", status=current.status)]
        target = _target(current, to_definition_id)
        step = open_step(instance_id, statuses=LIVE_STATUSES)
        new_spec, new_subprocess_specs = specs_for(target)
        reasons, _diffs = migration_problems(step, new_spec, new_subprocess_specs)
        return reasons
    except MigrationRefused as refused:
        return refused.reasons
    finally:
        db.session.rollback()


def migrate_instance(
    instance_id: int,
    *,
    to_definition_id: int | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> ProcessInstance:
    """Move an instance to ``to_definition_id`` (default: the newest version of its key); commits.

    Raises ``MigrationRefused`` listing every task in the way (a current step or recent history the new
    version removed, a running subprocess that no longer exists). Waiting and ready tasks whose definition
    changed are re-created from the new version.
    """
    current = load_instance(instance_id)
    target = _target(current, to_definition_id)
    target_id, target_version = target.id, target.version

    def migrate(step: Step) -> None:
        new_spec, new_subprocess_specs = specs_for(target)
        reasons, (top_diff, sub_diffs) = migration_problems(step, new_spec, new_subprocess_specs)
        if reasons:
            raise MigrationRefused(instance_id, reasons)
        workflow = step.workflow
        for sp_id, diff in sub_diffs.items():
            subprocess = workflow.subprocesses[sp_id]
            if diff is not None:
                migrate_workflow(diff, subprocess, new_subprocess_specs[subprocess.spec.name])
        migrate_workflow(top_diff, workflow, new_spec)
        workflow.subprocess_specs = new_subprocess_specs
        step.record(
            ev.INSTANCE_MIGRATED,
            user_id=user_id,
            details={
                "from_version": step.definition.version,
                "to_version": target_version,
                "from_definition_id": step.definition.id,
                "to_definition_id": target_id,
            },
        )
        step.instance.definition_id = target_id
        step.definition = target

    run_step(instance_id, migrate, now=now, user_id=user_id, statuses=LIVE_STATUSES)
    return load_instance(instance_id)


MIGRATED = "migrated"
REFUSED = "refused"
FAILED = "failed"


@dataclass(frozen=True)
class MigrationOutcome:
    """What happened to one instance of a batch: ``migrated``, ``refused`` (unsafe) or ``failed`` (it
    changed meanwhile, ended, or its next automatic step failed), with the reasons."""

    instance_id: int
    result: str
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchResult:
    """A batch of ``migrate_version``: per-instance outcomes, the last id looked at, and whether more
    instances after it are still on the version (run the batch again from ``last_id``)."""

    outcomes: list[MigrationOutcome]
    last_id: int | None
    more: bool


def migrate_instances(
    instance_ids: Iterable[int], *, to_definition_id: int | None = None, user_id: int | None = None
) -> list[MigrationOutcome]:
    """``migrate_instance`` for each id, each in its own transaction; an unsafe or failing instance is
    reported and left where it is, and the others still move."""
    outcomes = []
    for instance_id in instance_ids:
        try:
            migrate_instance(instance_id, to_definition_id=to_definition_id, user_id=user_id)
        except MigrationRefused as refused:
            outcomes.append(MigrationOutcome(instance_id, REFUSED, list(refused.reasons)))
        except EngineError as exc:
            outcomes.append(MigrationOutcome(instance_id, FAILED, [str(exc)]))
        else:
            outcomes.append(MigrationOutcome(instance_id, MIGRATED))
    return outcomes


def migrate_version(
    definition_id: int,
    *,
    to_definition_id: int,
    user_id: int | None = None,
    after_id: int | None = None,
    limit: int = 200,
) -> BatchResult:
    """Move the running instances of one version (ids after ``after_id``, at most ``limit`` of them) to
    ``to_definition_id``: every safe one moves, each in its own transaction; unsafe ones are refused."""
    ids = [row.id for row in running_instances(definition_id, limit=limit + 1, after_id=after_id)]
    more = len(ids) > limit
    ids = ids[:limit]
    db.session.rollback()  # end the read transaction: each migration opens its own
    outcomes = migrate_instances(ids, to_definition_id=to_definition_id, user_id=user_id)
    return BatchResult(outcomes, ids[-1] if ids else after_id, more)
