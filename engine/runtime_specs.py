"""What the runtime reads from a deployed definition: parsed specs, sequence-flow names, task properties."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from engine.calendar import WorkCalendar
from engine.calendar_sla import sla_due
from engine.definition_model import ProcessDefinition
from engine.definitions import get_specs
from engine.parsing import NSMAP, read_xml, task_spec_properties

FlowKey = tuple[str, str]


def specs_for(definition: ProcessDefinition) -> tuple[Any, dict[str, Any]]:
    """(top spec, subprocess specs) of a definition version, cached per version."""
    return get_specs(definition.id)


@lru_cache(maxsize=256)
def _flow_index(definition_id: int, bpmn_xml: str) -> dict[FlowKey, tuple[str, str]]:
    root = read_xml(bpmn_xml)
    index: dict[FlowKey, tuple[str, str]] = {}
    for flow in root.xpath("//bpmn:sequenceFlow", namespaces=NSMAP):
        index[(flow.get("sourceRef"), flow.get("targetRef"))] = (flow.get("id"), flow.get("name") or "")
    return index


def sequence_flow(definition: ProcessDefinition, source: str, target: str) -> tuple[str | None, str]:
    """(flow id, flow name) of the sequence flow from ``source`` to ``target`` element, if it is there."""
    found = _flow_index(definition.id, definition.bpmn_xml).get((source, target))
    if found is None:
        from engine.definitions import get_definition

        for called_id in (definition.called_definitions or {}).values():
            callee = get_definition(called_id)
            found = _flow_index(callee.id, callee.bpmn_xml).get((source, target))
            if found is not None:
                break
    return found if found else (None, "")


_checked_flows: dict[tuple[int, str], dict[FlowKey, tuple[str, str]]] = {}


def sequence_flow_checked(
    definition_id: int, sha256: str, source: str, target: str
) -> tuple[str | None, str]:
    """Like :func:`sequence_flow` for a definition known by id and sha256: no query once cached."""
    key = (definition_id, sha256)
    index = _checked_flows.get(key)
    if index is None:
        from engine.definitions import get_definition

        definition = get_definition(definition_id)
        index = dict(_flow_index(definition.id, definition.bpmn_xml))
        for called_id in (definition.called_definitions or {}).values():
            callee = get_definition(called_id)
            for pair, flow in _flow_index(callee.id, callee.bpmn_xml).items():
                index.setdefault(pair, flow)
        if len(_checked_flows) > 256:
            _checked_flows.clear()
        _checked_flows[key] = index
    found = index.get((source, target))
    return found if found else (None, "")


def human_task_properties(task_spec: Any) -> dict[str, Any]:
    """Lane, form, instructions, SLA, priority and assignee expression of a user/manual task spec."""
    props = task_spec_properties(task_spec)
    return dict(props)


def sla_due_at(sla: str | None, start: datetime, calendar: WorkCalendar) -> datetime | None:
    """The instant an SLA like ``PT8H working`` / ``PT2D calendar`` / ``PT4H`` runs out, from ``start``."""
    return sla_due(calendar, start, sla) if sla else None
