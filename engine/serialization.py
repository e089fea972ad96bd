"""Workflow state <-> JSON without the embedded spec.

Specs are immutable per definition version and cached in memory, so the stored state holds only the task
tree, data and event bookkeeping. Restoring takes the spec (and subprocess specs) from the cache; this halves
the state's size and the time to write and read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

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

from engine.task_ids import TaskId, remember_task_ids

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
    return UUID(value)


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config), version=VERSION)


SERIALIZER = _build_serializer()
# A kept workflow's ids are TaskIds (engine.task_ids); should one ever land in task data, it is written as
# the UUID it is (and read back as a plain UUID).
SERIALIZER.registry.register(TaskId, lambda v: {"value": str(v)}, lambda v: UUID(v["value"]), typename="UUID")


class DumpMemo:
    """What ``dump_state`` remembers of a workflow that lives on from step to step.

    ``tasks``: for each task written entirely from its place in the tree (see ``_dump_kept``), that place
    and the JSON it was written as. ``written``: the last state written, with the JSON of each part, which
    ``refresh_state`` reads back instead of decoding the whole state again.
    """

    __slots__ = ("tasks", "written")

    def __init__(self) -> None:
        self.tasks: dict[Any, tuple[tuple[Any, ...], str]] = {}
        self.written: _Written | None = None


@dataclass(frozen=True)
class _Written:
    state: str
    # per task, in the order of the task map: (task, its signature if it has no data of its own, else None,
    # its JSON if it has)
    parts: list[tuple[Any, tuple[Any, ...] | None, str | None]]
    head: str  # '{"data":...,"completed":...' (no closing brace)
    tail: str  # '"root":...,"format":...}' (no opening brace)


_ENCODER = SERIALIZER._encoder_cls(separators=(",", ":"))


def dump_state(workflow: BpmnWorkflow, memo: DumpMemo | None = None) -> str:
    """The workflow's running state as JSON (no spec inside).

    ``memo`` (kept by the caller with a workflow that lives on from step to step) lets the tasks that did
    not change since the last dump reuse the JSON they were written as then; the text is the same.
    """
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        if memo is not None and not workflow.subprocesses:
            return _dump_kept(workflow, memo)
        if memo is not None:  # subprocesses: written the plain way, nothing remembered
            memo.tasks.clear()
            memo.written = None
        dct = registry.convert(workflow)
    finally:
        registry._encoder_mode = False
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))


def _signature(task: Any, tasks: dict[Any, Any]) -> tuple[Any, ...]:
    """Everything ``TaskConverter.to_dict`` writes of a task that has no data, no internal data and a
    parent without data: its parent (when in the map), children, state, spec, trigger flag, last change."""
    parent_id = task._parent
    return (
        parent_id if parent_id is not None and parent_id in tasks else None,
        tuple(task._children),
        task._state,
        task.last_state_change,
        task.task_spec,
        task.triggered,
    )


def _dump_kept(workflow: BpmnWorkflow, memo: DumpMemo) -> str:
    """``json.dumps`` of ``registry.convert(workflow)`` plus the format, assembled from the JSON of its
    parts (the same text: the encoder writes a nested value as it writes it alone), where a task with no
    data, no internal data and a parent without data - a task predicted ahead, mostly - reuses its JSON
    from the last dump when its signature is unchanged. Key for key what ``WorkflowConverter.to_dict``,
    ``SpeclessWorkflowConverter.to_dict`` and the registry write, for a workflow without subprocesses."""
    registry = SERIALIZER.registry
    encode = _ENCODER.encode
    tasks = workflow.tasks
    known = memo.tasks
    current: dict[Any, tuple[tuple[Any, ...], str]] = {}
    parts: list[tuple[Any, tuple[Any, ...] | None, str | None]] = []
    pieces = []
    for key, task in tasks.items():
        parent_id = task._parent
        parent = tasks.get(parent_id) if parent_id is not None else None
        if task.data or task.internal_data or (parent is not None and parent.data):
            fragment = encode(registry.convert(task))
            parts.append((task, None, fragment))
        else:
            signature = _signature(task, tasks)
            hit = known.get(task.id)
            fragment = hit[1] if hit is not None and hit[0] == signature else encode(registry.convert(task))
            current[task.id] = (signature, fragment)
            parts.append((task, signature, None))
        pieces.append(f'"{key}":{fragment}')
    last_task = workflow.last_task
    head = encode(
        {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(last_task.id) if last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
        }
    )[:-1]
    tail = encode(
        {
            "root": str(workflow.task_tree.id),
            "spec_name": workflow.spec.name,
            "subprocesses": {},
            "bpmn_events": registry.convert(workflow.bpmn_events),
            "typename": _WORKFLOW_TYPENAME,
            "format": STATE_FORMAT,
        }
    )[1:]
    state = f'{head},"tasks":{{{",".join(pieces)}}},{tail}'
    memo.tasks = current
    memo.written = _Written(state, parts, head, tail)
    return state


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


def refresh_state(workflow: BpmnWorkflow, state: str, memo: DumpMemo | None = None) -> bool:
    """Make ``workflow`` what ``load_state(state, ...)`` would return, reusing its task objects.

    ``workflow`` must be the object ``state`` was dumped from, its task tree not changed since (the
    engine keeps a committed step's workflow for the instance's next step, see ``engine.workflow_cache``).
    Everything a script, a form or an expression could have touched in place after the dump is read back
    from ``state`` exactly as the serializer restores it: task data (from the parent's data and the task's
    delta) and internal data, workflow data, correlations, last task, flags, pending BPMN events, the
    order of the subprocesses, and the waiting catch events. The tree itself (ids, parents, children,
    specs, states, ``last_state_change``) is compared with ``state`` on the way; False, with ``workflow``
    left half-refreshed (discard it), when anything differs.

    ``memo`` is the one ``state`` was written with: its parts are read back instead of the whole text.
    """
    written = memo.written if memo is not None else None
    if written is not None and (written.state is state or written.state == state):
        try:
            return not workflow.subprocesses and _refresh_from_parts(workflow, written)
        except (_StateMismatch, KeyError):
            return False
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
        if remaining:
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
        _refresh_task(restore, tasks, task, stored[str(task.id)], waiting)
    _refresh_attributes(restore, owner, dct)


def _refresh_task(
    restore: Any, tasks: dict[Any, Any], task: Any, task_dct: dict[str, Any], waiting: dict[Any, Any]
) -> None:
    """``TaskConverter.from_dict`` for a task that exists already: checked against, then filled from, its
    dict."""
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


def _refresh_from_parts(workflow: BpmnWorkflow, written: _Written) -> bool:
    """``refresh_state`` of a workflow without subprocesses from the parts its state was written from:
    a task written from its signature alone is checked against it and gets what the serializer restores
    for it (no data, no internal data: its parent had none either); the others are read back from their
    JSON; the workflow's own values from the head and tail of the text."""
    remember_task_ids(workflow)
    tasks = workflow.tasks
    if len(written.parts) != len(tasks):
        return False
    tail = json.loads("{" + written.tail)
    if tail["spec_name"] != workflow.spec.name or tail["root"] != str(workflow.task_tree.id):
        return False
    restore = SERIALIZER.registry.restore
    waiting: dict[Any, Any] = {}
    for (kept, signature, fragment), task in zip(written.parts, tasks.values(), strict=True):
        if kept is not task:
            return False
        if fragment is not None:
            _refresh_task(restore, tasks, task, json.loads(fragment), waiting)
            continue
        if signature != _signature(task, tasks):
            return False
        task.internal_data = {}
        task.data = {}
        if task._state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent):
            waiting[task.id] = task
    _refresh_attributes(restore, workflow, json.loads(written.head + "}"))
    workflow.bpmn_events = restore(tail["bpmn_events"])
    workflow.event_manager.tasks = waiting
    return True


def _refresh_attributes(restore: Any, owner: Any, dct: dict[str, Any]) -> None:
    """``set_default_attributes``: flags, correlations, last task and data of a (sub)workflow."""
    owner.success = dct["success"]
    owner.completed = dct.get("completed", False)
    owner.correlations = dct.get("correlations", {})
    last_task = dct["last_task"]
    if not isinstance(last_task, str):
        owner.last_task = None
    else:
        current = owner.last_task  # usually still the same task: no need to parse its id
        if current is None or str(current.id) != last_task or owner.tasks.get(current.id) is not current:
            owner.last_task = owner.tasks.get(_uuid(last_task))
    owner.data = restore(dct.get("data", {}))
    owner.locks = {}


def spec_registry() -> Any:
    """The serializer registry (``diff_workflow`` compares specs through it)."""
    return SERIALIZER.registry
