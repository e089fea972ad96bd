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
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

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


def dump_state(workflow: BpmnWorkflow) -> str:
    """The workflow's running state as JSON (no spec inside)."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = registry.convert(workflow)
    finally:
        registry._encoder_mode = False
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))


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


def spec_registry() -> Any:
    """The serializer registry (``diff_workflow`` compares specs through it)."""
    return SERIALIZER.registry
