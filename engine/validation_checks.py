"""Our own checks of a BPMN document, beyond what SpiffWorkflow's parser and the XSD catch.

Each ``check_*`` function takes the lxml root of a ``bpmn:definitions`` document and yields ``Problem``s tied
to the BPMN element a designer has to fix. They never raise on odd input: a shape they do not understand is
either reported or left to the parser.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.operations import UnknownOperation, get_operation
from engine.parsing import (
    FORM_PROPERTY,
    NSMAP,
    PRIORITY_NAMES,
    UI_FORM_PROPERTY,
    element_extension_text,
    element_properties,
    is_bpmn,
    local_name,
    parse_priority,
)
from engine.problems import Problem

FLOW_NODES = frozenset(
    {
        "task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
        "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent",
        "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
        "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
    }
)  # fmt: skip
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway"})
CONDITIONAL_GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway"})

# Elements the engine cannot execute: reported as problems instead of half-deploying. Remove an entry here
# once the runtime supports it (and add a test that runs it).
UNSUPPORTED_ELEMENTS = {
    "complexGateway": "complex gateways are not supported; use exclusive, inclusive or parallel gateways",
    "transaction": "transaction subprocesses (and cancel events) are not supported",
    "adHocSubProcess": "ad-hoc subprocesses are not supported",
    "dataStoreReference": "data stores are not supported; keep data in process variables or CRM records",
}
UNSUPPORTED_EVENT_DEFINITIONS = {
    "compensateEventDefinition": "compensation events are not supported",
    "linkEventDefinition": "link events are not supported; draw the sequence flow instead",
    "conditionalEventDefinition": "conditional events are not supported; use a timer or message event",
    "cancelEventDefinition": "cancel events are not supported (they need transaction subprocesses)",
}
PYTHON_SCRIPT_FORMATS = frozenset({"", "python", "python3", "text/python", "text/x-python"})

# An ISO 8601 duration, cycle or date written without quotes: valid Python for some ("PT4H" is a name,
# "R3/PT1H" a division) but never what the designer meant — timer expressions are Python.
_UNQUOTED_ISO = re.compile(r"^\s*(R\d*/)?P(\d|T\d)|^\s*\d{4}-\d{2}-\d{2}", re.IGNORECASE)


def problem_at(code: str, element: Any, message: str) -> Problem:
    """A problem tied to ``element`` (its id and name)."""
    return Problem(code, message, element_id=element.get("id") or "", element_name=element.get("name") or "")


def executable_scopes(root: Any) -> Iterator[Any]:
    """Executable processes and the (event) subprocesses inside them: the containers of sequence flows."""
    for process in root.xpath("./bpmn:process", namespaces=NSMAP):
        if process.get("isExecutable", "true") == "false":
            continue
        yield process
        yield from process.xpath(".//bpmn:subProcess", namespaces=NSMAP)


def executable_elements(root: Any, xpath: str) -> Iterator[Any]:
    """Elements matching ``xpath`` (relative, e.g. ``.//bpmn:userTask``) inside executable processes."""
    for process in root.xpath("./bpmn:process", namespaces=NSMAP):
        if process.get("isExecutable", "true") != "false":
            yield from process.xpath(xpath, namespaces=NSMAP)


def check_unsupported(root: Any) -> Iterator[Problem]:
    """Elements the engine cannot run (Camunda/Signavio exports often contain them)."""
    for element in executable_elements(root, ".//*"):
        if not is_bpmn(element):
            continue
        name = local_name(element)
        if name in UNSUPPORTED_ELEMENTS:
            yield problem_at("unsupported-element", element, UNSUPPORTED_ELEMENTS[name])
        elif name in UNSUPPORTED_EVENT_DEFINITIONS:
            yield problem_at("unsupported-element", element.getparent(), UNSUPPORTED_EVENT_DEFINITIONS[name])
        elif element.get("isForCompensation") == "true":
            yield problem_at("unsupported-element", element, "compensation handlers are not supported")
        elif name == "boundaryEvent" and not [
            c for c in element if local_name(c).endswith("EventDefinition")
        ]:
            yield problem_at("unsupported-element", element, "a boundary event needs an event definition")
        elif (
            name == "scriptTask" and (element.get("scriptFormat") or "").lower() not in PYTHON_SCRIPT_FORMATS
        ):
            yield problem_at(
                "unsupported-element", element, f"script format {element.get('scriptFormat')!r}: only Python"
            )


# SpiffWorkflow names the task specs it adds to every process "Start", "End" and "<process id>.EndJoin", in
# the same namespace as the element ids: an element with one of these ids replaces the engine's own step
# and the process breaks at run time ("No output task connected").
RESERVED_IDS = frozenset({"Start", "End"})
RESERVED_SUFFIX = ".EndJoin"


def check_reserved_ids(root: Any) -> Iterator[Problem]:
    """Flow elements whose id collides with a task SpiffWorkflow adds to every process."""
    for element in executable_elements(root, ".//*[@id]"):
        if not is_bpmn(element) or local_name(element) not in FLOW_NODES:
            continue
        element_id = element.get("id")
        if element_id in RESERVED_IDS or element_id.endswith(RESERVED_SUFFIX):
            yield problem_at(
                "reserved-id",
                element,
                f"the id {element_id!r} is reserved by the engine for its own start/end steps; "
                f"give the element another id (e.g. {local_name(element)}_{element_id.replace('.', '_')})",
            )


def check_references(root: Any) -> Iterator[Problem]:
    """Message/signal/error/escalation references that point nowhere (SpiffWorkflow 3.2 crashes on them)."""
    declared = {
        kind: {el.get("id") for el in root.xpath(f".//bpmn:{kind}", namespaces=NSMAP)}
        for kind in ("message", "signal", "error", "escalation")
    }
    for message in root.xpath(".//bpmn:message", namespaces=NSMAP):
        if not message.get("name"):
            yield problem_at("missing-reference", message, "the message has no name (messages match by name)")
    for kind in ("message", "signal", "error", "escalation"):
        for definition in executable_elements(root, f".//bpmn:{kind}EventDefinition[@{kind}Ref]"):
            ref = definition.get(f"{kind}Ref")
            if ref not in declared[kind]:
                yield problem_at(
                    "missing-reference",
                    definition.getparent(),
                    f"refers to {kind} {ref!r}, which is not defined",
                )
    for task in executable_elements(root, ".//bpmn:sendTask[@messageRef] | .//bpmn:receiveTask[@messageRef]"):
        if task.get("messageRef") not in declared["message"]:
            yield problem_at(
                "missing-reference",
                task,
                f"refers to message {task.get('messageRef')!r}, which is not defined",
            )


def check_service_tasks(root: Any) -> Iterator[Problem]:
    """Every service task names a registered operation (``spiffworkflow:serviceTaskOperator id="..."``)."""
    for task in executable_elements(root, ".//bpmn:serviceTask"):
        operator = task.xpath("./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NSMAP)
        name = operator[0].get("id") if operator else None
        if not name:
            vendor = [a for a in task.attrib if a.startswith("{") and not a.startswith("{" + NSMAP["bpmn"])]
            hint = " (other vendors' implementation attributes are ignored)" if vendor else ""
            yield problem_at("service-operation-missing", task, f"the service task names no operation{hint}")
            continue
        try:
            get_operation(name)
        except UnknownOperation:
            yield problem_at("unknown-operation", task, f"unknown operation {name!r}")


def check_forms(root: Any, forms: Mapping[str, Any]) -> Iterator[Problem]:
    """User task forms exist in ``forms``; JSON Schema forms are valid JSON Schemas."""
    for task in executable_elements(root, ".//bpmn:userTask"):
        props = element_properties(task)
        form_name = props.get(FORM_PROPERTY)
        if form_name is not None:
            if form_name not in forms:
                yield problem_at("form-missing", task, f"form {form_name!r} is not among the deployed forms")
            else:
                error = json_schema_error(forms[form_name])
                if error:
                    yield problem_at(
                        "form-invalid", task, f"form {form_name!r} is not a valid JSON Schema: {error}"
                    )
        ui_name = props.get(UI_FORM_PROPERTY)
        if ui_name is not None and not isinstance(forms.get(ui_name), dict):
            yield problem_at("form-missing", task, f"UI schema {ui_name!r} is not among the deployed forms")


def json_schema_error(schema: Any) -> str | None:
    """None when ``schema`` is a valid JSON Schema object (draft per its ``$schema``, else 2020-12)."""
    if not isinstance(schema, dict):
        return "a form must be a JSON object"
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(map(str, exc.path))
        return f"{where + ': ' if where else ''}{exc.message}"
    return None


def check_task_properties(root: Any) -> Iterator[Problem]:
    """Our extension properties: ``sla`` starts with an ISO duration, ``priority`` parses, ``assignee`` compiles."""
    for element in executable_elements(root, ".//*[bpmn:extensionElements]"):
        props = element_properties(element)
        sla = props.get("sla")
        if sla is not None and not _is_iso_duration((sla.split() or [""])[0]):
            yield problem_at(
                "property-invalid",
                element,
                f"sla {sla!r} does not start with an ISO 8601 duration (e.g. PT4H)",
            )
        if "priority" in props:
            try:
                parse_priority(props["priority"])
            except ValueError:
                names = ", ".join(PRIORITY_NAMES)
                message = f"priority {props['priority']!r} is not an integer nor one of {names}"
                yield problem_at("property-invalid", element, message)
        if "assignee" in props:
            error = python_syntax_error(props["assignee"], "eval")
            if error:
                yield problem_at("property-invalid", element, f"assignee expression: {error}")


def _is_iso_duration(text: str) -> bool:
    if not text.strip().upper().startswith("P"):
        return False
    try:
        TimerEventDefinition.parse_iso_duration(text.strip())
    except Exception:  # SpiffWorkflow raises a bare Exception for a bad duration
        return False
    return True


def python_syntax_error(source: str | None, mode: str) -> str | None:
    """None when ``source`` compiles as Python (``eval`` or ``exec``), else a one-line reason."""
    if source is None or not source.strip():
        return "it is empty"
    try:
        compile(source.strip() if mode == "eval" else source, "<route map>", mode)
    except SyntaxError as exc:
        column = f", column {exc.offset}" if exc.offset else ""
        return f"{exc.msg} (line {exc.lineno}{column})"
    except ValueError as exc:
        return str(exc)
    return None


def timer_problem(kind: str, expression: str | None) -> tuple[str, str] | None:
    """(code, message) when a timer expression cannot work; ``kind`` is timeDate/timeDuration/timeCycle."""
    text = (expression or "").strip()
    if not text:
        return "timer-invalid", "the timer has no expression"
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        tree = None
    if (tree is None or not isinstance(tree.body, ast.Constant)) and _UNQUOTED_ISO.match(text):
        return (
            "timer-not-quoted",
            f"timer expressions are Python: write {text!r} as a quoted string, e.g. \"'{text}'\"",
        )
    if tree is None:
        return (
            "timer-syntax",
            f"the timer expression is not valid Python: {python_syntax_error(text, 'eval')}",
        )
    if isinstance(tree.body, ast.Constant):
        value = tree.body.value
        if not isinstance(value, str):
            return "timer-invalid", f"the timer expression must give an ISO 8601 string, not {value!r}"
        try:
            if kind == "timeDuration":
                if not _is_iso_duration(value):
                    raise ValueError(value)
            elif kind == "timeDate":
                TimerEventDefinition.get_datetime(value)
            else:
                TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception:  # SpiffWorkflow's ISO parsers raise assorted exceptions
            return "timer-invalid", f"{value!r} is not a valid ISO 8601 {_TIMER_WORDS.get(kind, kind)}"
    return None


_TIMER_WORDS = {"timeDate": "date/time", "timeDuration": "duration", "timeCycle": "repeating interval"}


def check_timers(root: Any) -> Iterator[Problem]:
    """Timer expressions are quoted Python strings (``"'PT4H'"``) or expressions that compile."""
    for definition in executable_elements(root, ".//bpmn:timerEventDefinition"):
        event = definition.getparent()
        specs = [c for c in definition if is_bpmn(c, "timeDate", "timeDuration", "timeCycle")]
        if not specs:
            yield problem_at("timer-invalid", event, "the timer has no date, duration or cycle")
        for spec in specs:
            found = timer_problem(local_name(spec), spec.text)
            if found:
                yield problem_at(found[0], event, found[1])


def check_expressions(root: Any) -> Iterator[Problem]:
    """Sequence-flow conditions compile as Python expressions; scripts and pre/post scripts compile."""
    for flow in executable_elements(root, ".//bpmn:sequenceFlow[bpmn:conditionExpression]"):
        condition = flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP)[0].text
        error = python_syntax_error(condition, "eval")
        if error:
            yield problem_at(
                "condition-syntax", flow, f"the condition is not a valid Python expression: {error}"
            )
    for task in executable_elements(root, ".//bpmn:scriptTask"):
        scripts = task.xpath("./bpmn:script", namespaces=NSMAP)
        error = python_syntax_error(scripts[0].text if scripts else None, "exec")
        if error:
            yield problem_at("script-syntax", task, f"the script is not valid Python: {error}")
    for element in executable_elements(root, ".//*[bpmn:extensionElements]"):
        for which in ("preScript", "postScript"):
            source = element_extension_text(element, which)
            if source is not None and source.strip():
                error = python_syntax_error(source, "exec")
                if error:
                    yield problem_at("script-syntax", element, f"the {which} is not valid Python: {error}")


def check_business_rules(root: Any, decision_ids: set[str]) -> Iterator[Problem]:
    """Business rule tasks name a decision (``spiffworkflow:calledDecisionId``) that the DMN files define."""
    for task in executable_elements(root, ".//bpmn:businessRuleTask"):
        decision = (element_extension_text(task, "calledDecisionId") or "").strip()
        if not decision:
            yield problem_at("decision-missing", task, "the business rule task names no decision")
        elif decision not in decision_ids:
            yield problem_at(
                "decision-missing", task, f"decision {decision!r} is not in the deployed DMN files"
            )


def check_call_activities(
    root: Any, local_processes: Mapping[str, bool], called_process_exists: Callable[[str], bool]
) -> Iterator[Problem]:
    """Call activities name a process of this file (executable) or a deployed definition key."""
    for call in executable_elements(root, ".//bpmn:callActivity"):
        called = (call.get("calledElement") or "").strip()
        if not called:
            yield problem_at("called-process-missing", call, "the call activity names no process")
        elif called in local_processes:
            if not local_processes[called]:
                yield problem_at(
                    "called-process-missing", call, f"called process {called!r} is not executable"
                )
        elif not called_process_exists(called):
            yield problem_at(
                "called-process-missing", call, f"called process {called!r} is not in this file nor deployed"
            )
