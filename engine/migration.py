"""Moving a running instance to a newer version of its route map (SpiffWorkflow ``diff_workflow`` /
``migrate_workflow``), refusing when it is unsafe and saying why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine import events as ev
from engine.definitions import get_definition, latest_definition
from engine.instance_model import ProcessInstance
from engine.runtime_errors import MigrationRefused
from engine.runtime_specs import specs_for
from engine.serialization import spec_registry
from engine.stepper import Step, element_of, load_instance, run_step


def _blockers(workflow: Any, diff: Any, where: str) -> list[str]:
    reasons = []
    for task in diff.removed:
        element_id, name = element_of(task)
        label = f"{name or element_id} ({element_id}){where}"
        if task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR):
            reasons.append(f"{label} is where the instance is now, and the new version removed it")
        elif task.has_state(TaskState.FINISHED_MASK):
            reasons.append(f"{label} is in the instance's recent history, and the new version removed it")
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
                    f"subprocess {subprocess.spec.name} is running and the new version has no such process"
                )
            continue
        reasons.extend(_blockers(subprocess, diff, f" in {subprocess.spec.name}"))
    return reasons, (top_diff, sub_diffs)


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
    target = (
        get_definition(to_definition_id)
        if to_definition_id is not None
        else latest_definition(current.process_key)
    )
    if target is None or target.key != current.process_key:
        raise MigrationRefused(instance_id, ["the target is not a version of this instance's route map"])
    if target.id == current.definition_id:
        raise MigrationRefused(instance_id, ["the instance already runs on that version"])
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

    run_step(instance_id, migrate, now=now, user_id=user_id, statuses=("running", "suspended"))
    return load_instance(instance_id)
