"""What happened in a process instance, from the engine's event log: steps with who/when/variant and the
diagram highlights (completed elements, current steps, taken flows). Nothing re-reads workflow state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crm.workplaces.labels import user_names
from engine import events as ev
from engine.definitions import get_definition
from engine.events import events_for_instance
from engine.instances import get_instance
from engine.parsing import NSMAP, read_xml
from engine.task_queries import tasks_for_instance

# Events whose element has certainly run (the start event shows through its outgoing flow's target).
_DONE_KINDS = (ev.TASK_COMPLETED, ev.SERVICE_CALL_OK, ev.TIMER_FIRED, ev.MESSAGE_RECEIVED, ev.SIGNAL_RECEIVED)


@dataclass(frozen=True)
class HistoryStep:
    """One completed step: who completed it, when, and the variant its completion chose (if any)."""

    element_id: str
    name: str
    user_id: int | None
    user_name: str
    at: datetime
    variant: str = ""


@dataclass(frozen=True)
class Highlights:
    """Element and flow ids for the diagram markers."""

    completed: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    taken_flows: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InstanceView:
    """Everything a card shows about its process: status, diagram XML, highlights and step history."""

    instance_id: int
    process_name: str
    version: int
    status: str
    bpmn_xml: str
    highlights: Highlights
    steps: list[HistoryStep]
    open_task_ids: list[int]


def step_history(events: list[ev.ProcessEvent]) -> list[HistoryStep]:
    """Completed human steps, oldest first, each with the variant chosen right after it."""
    variants = {
        e.task_id: (e.details or {}).get("variant") or "" for e in events if e.kind == ev.VARIANT_CHOSEN
    }
    completed = [e for e in events if e.kind == ev.TASK_COMPLETED]
    names = user_names(e.user_id for e in completed)
    return [
        HistoryStep(
            element_id=e.element_id or "",
            name=e.element_name or e.element_id or "",
            user_id=e.user_id,
            user_name=names.get(e.user_id or 0, ""),
            at=e.at,
            variant=variants.get(e.task_id, ""),
        )
        for e in completed
    ]


def highlights(bpmn_xml: str, events: list[ev.ProcessEvent], current: list[str]) -> Highlights:
    """Completed elements, current steps and taken flows of one instance.

    A gateway's taken flow is the one its "variant chosen" event names; any other flow counts as taken when
    its source ran and its target ran or waits now (the start event counts as run once the instance started).
    """
    root = read_xml(bpmn_xml)
    done: list[str] = []
    for e in events:
        if e.kind in _DONE_KINDS and e.element_id and e.element_id not in done:
            done.append(e.element_id)
    chosen = {(e.details or {}).get("flow") for e in events if e.kind == ev.VARIANT_CHOSEN}
    gateways = {(e.details or {}).get("gateway") for e in events if e.kind == ev.VARIANT_CHOSEN}
    started = any(e.kind == ev.INSTANCE_STARTED for e in events)
    if started:
        for start in root.xpath("//bpmn:process/bpmn:startEvent", namespaces=NSMAP):
            if start.get("id") not in done:
                done.insert(0, start.get("id"))
    done += [g for g in gateways if g and g not in done]
    reached = set(done) | set(current)
    taken: list[str] = []
    for flow in root.xpath("//bpmn:sequenceFlow", namespaces=NSMAP):
        fid, source, target = flow.get("id"), flow.get("sourceRef"), flow.get("targetRef")
        if fid in chosen or (source in done and source not in gateways and target in reached):
            taken.append(fid)
    if any(e.kind == ev.INSTANCE_COMPLETED for e in events):
        for end in root.xpath("//bpmn:endEvent", namespaces=NSMAP):
            incoming = [
                f.get("id")
                for f in root.xpath("//bpmn:sequenceFlow[@targetRef=$t]", namespaces=NSMAP, t=end.get("id"))
            ]
            if any(f in taken for f in incoming) and end.get("id") not in done:
                done.append(end.get("id"))
    return Highlights(done, list(current), taken)


def instance_view(instance_id: int) -> InstanceView:
    """The process of a card: its diagram, highlights and history (the caller checks access to the card)."""
    instance = get_instance(instance_id)
    definition = get_definition(instance.definition_id)
    events = events_for_instance(instance_id)
    open_tasks = tasks_for_instance(instance_id, open_only=True)
    current = [t.element_id for t in open_tasks]
    return InstanceView(
        instance_id=instance.id,
        process_name=definition.name or definition.key,
        version=definition.version,
        status=instance.status,
        bpmn_xml=definition.bpmn_xml,
        highlights=highlights(definition.bpmn_xml, events, current),
        steps=step_history(events),
        open_task_ids=[t.id for t in open_tasks],
    )
