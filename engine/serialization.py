"""Workflow state <-> JSON without the embedded spec.

Specs are immutable per definition version and cached in memory, so the stored state holds only the task
tree, data and event bookkeeping. Restoring takes the spec (and subprocess specs) from the cache; this halves
the state's size and the time to write and read it.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.task_ids import remember_task_ids

STATE_FORMAT = "routemap-1"


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Writes a top-level workflow without its specs; restores it around specs handed in by the caller."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["spec_name"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]
    ) -> BpmnWorkflow:
        if dct.get("spec_name") != spec.name:
            raise ValueError(f"state belongs to process {dct.get('spec_name')!r}, not {spec.name!r}")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config), version=VERSION)


SERIALIZER = _build_serializer()


def dump_state(workflow: BpmnWorkflow, memo: dict[Any, Any] | None = None) -> str:
    """The workflow's running state as JSON (no spec inside).

    ``memo`` (a dict the caller keeps with a workflow that lives on from step to step, empty at first)
    lets the tasks that did not change since the last dump reuse what they were written as then: see
    ``_tasks_to_dict``. The text is the same with or without it.
    """
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = registry.convert(workflow) if memo is None else _workflow_to_dict(workflow, memo)
    finally:
        registry._encoder_mode = False
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))


def _workflow_to_dict(workflow: BpmnWorkflow, memo: dict[Any, Any]) -> dict[str, Any]:
    """``registry.convert(workflow)``, key for key (``WorkflowConverter.to_dict``, then what
    ``SpeclessWorkflowConverter.to_dict`` and the registry add), with the top-level tasks from the memo."""
    registry = SERIALIZER.registry
    last_task = workflow.last_task
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(last_task.id) if last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _tasks_to_dict(registry, workflow.tasks, memo),
        "root": str(workflow.task_tree.id),
        "spec_name": workflow.spec.name,
        "subprocesses": {str(key): registry.convert(sub) for key, sub in workflow.subprocesses.items()},
        "bpmn_events": registry.convert(workflow.bpmn_events),
        "typename": _WORKFLOW_TYPENAME,
    }


def _tasks_to_dict(registry: Any, tasks: dict[Any, Any], memo: dict[Any, Any]) -> dict[str, Any]:
    """``mapping_to_dict(tasks)``. A task with no data, no internal data and a parent without data (a task
    predicted ahead, mostly) is written entirely from its id, parent, children, state, spec, trigger flag
    and last state change; when those are what they were at the last dump, its dict from then is reused.
    The memo is left holding exactly the current tasks."""
    out: dict[str, Any] = {}
    current: dict[Any, Any] = {}
    for key, task in tasks.items():
        parent_id = task._parent
        parent = tasks.get(parent_id) if parent_id is not None else None
        if task.data or task.internal_data or (parent is not None and parent.data):
            out[str(key)] = registry.convert(task)
            continue
        signature = (
            parent_id if parent is not None else None,
            tuple(task._children),
            task._state,
            task.last_state_change,
            task.task_spec,
            task.triggered,
        )
        known = memo.get(task.id)
        converted = known[1] if known is not None and known[0] == signature else registry.convert(task)
        current[task.id] = (signature, converted)
        out[str(key)] = converted
    memo.clear()
    memo.update(current)
    return out


def load_state(
    state: str, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec], script_engine: Any
) -> BpmnWorkflow:
    """Rebuild a workflow from ``dump_state`` output around cached specs; attach the script engine."""
    dct = json.loads(state)
    if dct.pop("format", None) != STATE_FORMAT:
        raise ValueError("unknown workflow state format")
    workflow = SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


class _StateMismatch(Exception):
    """The workflow in memory is not the one the state was dumped from."""


# ``refresh_state`` repeats what these converters do when they restore a task and a subprocess.
_WORKFLOW_TYPENAME = SERIALIZER.registry.typenames[BpmnWorkflow]


def _restorer(typename: str) -> Any:
    restore = SERIALIZER.registry.convert_from_dict[typename]  # a partial around the converter's from_dict
    return type(getattr(restore.args[0], "__self__", None)) if getattr(restore, "args", None) else None


for _typename, _converter in (("Task", TaskConverter), ("BpmnSubWorkflow", BpmnSubWorkflowConverter)):
    if _restorer(_typename) is not _converter:
        raise ImportError(f"engine.serialization.refresh_state expects {_converter.__name__} for {_typename}")


def refresh_state(workflow: BpmnWorkflow, state: str) -> bool:
    """Make ``workflow`` what ``load_state(state, ...)`` would return, reusing its task objects.

    ``workflow`` must be the object ``state`` was dumped from, its task tree not changed since (the
    engine keeps a committed step's workflow for the instance's next step, see ``engine.workflow_cache``).
    Everything a script, a form or an expression could have touched in place after the dump is read back
    from ``state`` exactly as the serializer restores it: task data (from the parent's data and the task's
    delta) and internal data, workflow data, correlations, last task, flags, pending BPMN events, the
    order of the subprocesses, and the waiting catch events. The tree itself (ids, parents, children,
    specs, states, ``last_state_change``) is compared with ``state`` on the way; False, with ``workflow``
    left half-refreshed (discard it), when anything differs.
    """
    dct = json.loads(state)
    if dct.get("format") != STATE_FORMAT or dct.get("spec_name") != workflow.spec.name:
        return False
    registry = SERIALIZER.registry
    waiting: dict[Any, Any] = {}
    remaining: dict[str, Any] = dict(dct["subprocesses"])
    subprocesses: dict[Any, Any] = {}

    def refresh_subprocesses(owner: Any) -> None:  # the order subprocesses_from_dict restores them in
        for task in owner.tasks.values():
            if isinstance(task.task_spec, SubWorkflowTask) and str(task.id) in remaining:
                subprocess = workflow.subprocesses.get(task.id)
                sub_dct = remaining.pop(str(task.id))
                if subprocess is None or sub_dct.get("spec") != subprocess.spec.name:
                    raise _StateMismatch
                remember_task_ids(subprocess)
                _refresh_tree(registry, subprocess, sub_dct, waiting)
                subprocesses[task.id] = subprocess
                refresh_subprocesses(subprocess)

    try:
        remember_task_ids(workflow)  # the workflow lives on: its ids keep their text from now on
        _refresh_tree(registry, workflow, dct, waiting)
        refresh_subprocesses(workflow)
    except (_StateMismatch, KeyError):
        return False
    if len(subprocesses) != len(workflow.subprocesses):
        return False
    workflow.subprocesses.clear()
    workflow.subprocesses.update(subprocesses)
    workflow.bpmn_events = registry.restore(dct.get("bpmn_events", []))
    workflow.event_manager.tasks = waiting
    return True


def _refresh_tree(registry: Any, owner: Any, dct: dict[str, Any], waiting: dict[Any, Any]) -> None:
    """One (sub)workflow's part of ``refresh_state``: ``TaskConverter.from_dict`` for each task, in the
    order of the task mapping (parents before children), then ``set_default_attributes``."""
    stored = dct["tasks"]
    if len(stored) != len(owner.tasks) or str(owner.task_tree.id) != dct["root"]:
        raise _StateMismatch
    restore = registry.restore
    tasks = owner.tasks
    for task in tasks.values():
        task_dct = stored[str(task.id)]
        spec = task.task_spec
        if (
            task_dct["state"] != task._state
            or task_dct["last_state_change"] != task.last_state_change
            or task_dct["task_spec"] != spec.name
            or task_dct["triggered"] != task.triggered
            or len(task_dct["children"]) != len(task._children)
        ):
            raise _StateMismatch
        # (restore() of an empty dict is a new empty dict: skipped, same result.)
        internal = task_dct["internal_data"]
        task.internal_data = restore(internal) if internal else {}
        if task._state == TaskState.WAITING and isinstance(spec, CatchingEvent):
            waiting[task.id] = task
        delta = task_dct.get("delta")
        parent = tasks.get(task._parent) if task._parent is not None else None
        if delta and parent is not None:
            data = DeepMerge.merge({}, parent.data)
            updates = delta.get("updates")
            if updates:
                data.update(restore(updates))
            for key in delta.get("deletions", ()):
                if key in data:
                    del data[key]
        else:
            data = restore(task_dct["data"])
        task.data = data
    owner.success = dct["success"]
    owner.completed = dct.get("completed", False)
    owner.correlations = dct.get("correlations", {})
    last_task = dct["last_task"]
    owner.last_task = owner.tasks.get(_uuid(last_task)) if isinstance(last_task, str) else None
    owner.data = restore(dct.get("data", {}))
    owner.locks = {}


def spec_registry() -> Any:
    """The serializer registry (``diff_workflow`` compares specs through it)."""
    return SERIALIZER.registry
