"""The choice a human task ends in, read from the route map: "Approve" / "Send back for revision".

A task "ends in a choice" when its only outgoing sequence flow enters an exclusive gateway whose outgoing
flows all have names. Each named flow becomes a button; pressing it sets the gateway's deciding variable to a
value that makes exactly that flow's condition true. The deciding variable and value come from the flow
conditions, which must be simple comparisons the UI can satisfy:

- ``decision == 'approve'`` / ``'approve' == decision`` / ``decision is True`` -> ``decision = <literal>``;
- ``approved`` -> ``approved = True``; ``not approved`` -> ``approved = False``.

The default flow (no condition) gets a value no other condition uses: the other boolean, or the first value
of the field's ``enum`` in the form schema that no other flow claims. When a value cannot be derived, or the
flows test different variables, the task offers no buttons (the form's own fields decide).

``operations_reached`` follows a flow through the automatic part of the map (gateways, service and script
tasks, throw events) up to the next wait, listing the service-task operations with literal parameters it
would call, e.g. which stage a deal moves to when a choice is taken.

Pure functions over the parsed BPMN XML; ``choices_for_definition`` adds a per-version cache.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from engine.parsing import NSMAP, SPIFF_NS, is_bpmn, local_name, read_xml

# Elements the engine runs on its own: a path through them is taken within the same step.
AUTOMATIC = frozenset(
    {
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "serviceTask",
        "scriptTask",
        "businessRuleTask",
        "task",
        "intermediateThrowEvent",
        "sendTask",
    }
)
_NO_VALUE = object()


@dataclass(frozen=True)
class TaskChoice:
    """One variant of the choice after a task: the flow, its label, and the value that selects it."""

    flow_id: str
    label: str
    target_id: str
    field: str | None
    value: Any = None
    is_default: bool = False

    @property
    def selectable(self) -> bool:
        return self.field is not None


@dataclass(frozen=True)
class ReachedOperation:
    """A service task on the automatic path after a flow, with its literal parameters."""

    element_id: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict)


def choices_after(root: Any, element_id: str, form_schema: dict[str, Any] | None = None) -> list[TaskChoice]:
    """The named variants of the exclusive gateway right after ``element_id`` (empty if there is none).

    Every choice is returned; ``choice_field(choices)`` says whether they can be offered as buttons.
    """
    elements = _elements_by_id(root)
    task = elements.get(element_id)
    if task is None:
        return []
    outgoing = _outgoing(root, element_id)
    if len(outgoing) != 1:
        return []
    gateway = elements.get(outgoing[0].get("targetRef"))
    if gateway is None or not is_bpmn(gateway, "exclusiveGateway"):
        return []
    flows = _outgoing(root, gateway.get("id"))
    if len(flows) < 2 or any(not (f.get("name") or "").strip() for f in flows):
        return []
    default_id = gateway.get("default")
    parsed: list[tuple[Any, str | None, Any]] = []
    for flow in flows:
        condition = _condition_text(flow)
        name, value = _parse_condition(condition) if condition else (None, _NO_VALUE)
        parsed.append((flow, name, value))
    choices = []
    for flow, name, value in parsed:
        is_default = flow.get("id") == default_id or _condition_text(flow) is None
        if is_default:
            name, value = _default_value(parsed, form_schema)
        selectable = name is not None and value is not _NO_VALUE
        choices.append(
            TaskChoice(
                flow_id=flow.get("id"),
                label=(flow.get("name") or "").strip(),
                target_id=flow.get("targetRef"),
                field=name if selectable else None,
                value=value if selectable else None,
                is_default=is_default,
            )
        )
    return choices


def choice_field(choices: list[TaskChoice]) -> str | None:
    """The one variable every choice sets, or None when the choices cannot be shown as buttons."""
    if not choices or not all(c.selectable for c in choices):
        return None
    names = {c.field for c in choices}
    values = [c.value for c in choices]
    if len(names) != 1 or len({repr(v) for v in values}) != len(values):
        return None
    return names.pop()


def operations_reached(root: Any, flow_id: str) -> list[ReachedOperation]:
    """Service-task operations on the automatic path that starts with sequence flow ``flow_id``."""
    elements = _elements_by_id(root)
    flow = elements.get(flow_id)
    if flow is None:
        return []
    found: list[ReachedOperation] = []
    seen: set[str] = set()
    pending = [flow.get("targetRef")]
    while pending:
        current = pending.pop(0)
        if current in seen or current not in elements:
            continue
        seen.add(current)
        element = elements[current]
        kind = local_name(element)
        if kind not in AUTOMATIC:
            continue  # a wait (user task, catch event, end...) ends the automatic path
        if kind == "serviceTask":
            operation = _service_operation(element)
            if operation is not None:
                found.append(operation)
        pending.extend(f.get("targetRef") for f in _outgoing(root, current))
    return found


def choices_for_definition(
    definition_id: int, bpmn_xml: str, element_id: str, form_schema: dict[str, Any] | None = None
) -> list[TaskChoice]:
    """``choices_after`` for a deployed definition version (its XML is parsed once per version)."""
    return choices_after(_parsed(definition_id, bpmn_xml), element_id, form_schema)


def operations_reached_in_definition(
    definition_id: int, bpmn_xml: str, flow_id: str
) -> list[ReachedOperation]:
    """``operations_reached`` for a deployed definition version (cached parse)."""
    return operations_reached(_parsed(definition_id, bpmn_xml), flow_id)


def choices_for_task(task: Any) -> list[TaskChoice]:
    """The choices after a human-task row (``engine.humantask_model.HumanTask``) of its definition version."""
    from engine.definitions import form_for, get_definition

    declaring_id = task.form_definition_id  # a called route map's own for a task inside a call activity
    definition = get_definition(declaring_id)
    schema = form_for(declaring_id, task.form_name) if task.form_name else None
    return choices_for_definition(definition.id, definition.bpmn_xml, task.element_id, schema)


@lru_cache(maxsize=64)
def _parsed(definition_id: int, bpmn_xml: str) -> Any:
    return read_xml(bpmn_xml)


def _elements_by_id(root: Any) -> dict[str, Any]:
    return {
        el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id") and is_bpmn(el)
    }


def _outgoing(root: Any, element_id: str) -> list[Any]:
    return list(root.xpath("//bpmn:sequenceFlow[@sourceRef=$source]", namespaces=NSMAP, source=element_id))


def _condition_text(flow: Any) -> str | None:
    found = flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP)
    text = (found[0].text or "").strip() if found else ""
    return text or None


def _parse_condition(text: str) -> tuple[str | None, Any]:
    """``(variable, value)`` that makes a simple condition true, or ``(None, _NO_VALUE)``."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None, _NO_VALUE
    if isinstance(node, ast.Name):
        return node.id, True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Name):
        return node.operand.id, False
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.Is):
        left, right = node.left, node.comparators[0]
        if isinstance(left, ast.Constant) and isinstance(right, ast.Name):
            left, right = right, left
        if isinstance(left, ast.Name) and isinstance(right, ast.Constant):
            return left.id, right.value
    return None, _NO_VALUE


def _default_value(
    parsed: list[tuple[Any, str | None, Any]], form_schema: dict[str, Any] | None
) -> tuple[str | None, Any]:
    others = [(name, value) for _flow, name, value in parsed if name is not None and value is not _NO_VALUE]
    names = {name for name, _value in others}
    if len(names) != 1 or len(others) != len(parsed) - 1:
        return None, _NO_VALUE
    name = names.pop()
    used = [value for _name, value in others]
    if all(isinstance(v, bool) for v in used):
        free = [v for v in (True, False) if v not in used]
        return (name, free[0]) if free else (None, _NO_VALUE)
    prop = ((form_schema or {}).get("properties") or {}).get(name) or {}
    for candidate in prop.get("enum") or []:
        if candidate not in used:
            return name, candidate
    return None, _NO_VALUE


def _service_operation(element: Any) -> ReachedOperation | None:
    found = element.xpath("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NSMAP)
    if not found:
        return None
    operator = found[0]
    params: dict[str, Any] = {}
    for param in operator.iter(f"{{{SPIFF_NS}}}parameter"):
        try:
            params[param.get("id")] = ast.literal_eval(param.get("value") or "")
        except (ValueError, SyntaxError):
            continue  # an expression over process data: not knowable before the step runs
    return ReachedOperation(element.get("id"), operator.get("id") or "", params)
