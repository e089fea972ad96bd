"""Reading BPMN/DMN XML and building SpiffWorkflow parsers; the extension conventions of our route maps.

Conventions (the ones the editor writes and validation enforces), all in the ``spiffworkflow:`` namespace
``http://spiffworkflow.org/bpmn/schema/1.0/core`` so files stay compatible with spiff-arena:

- a user task's form: ``<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename"
  value="qualify.json"/></spiffworkflow:properties>`` (spiff-arena's convention, the only one we read);
  optionally ``formUiSchemaFilename`` for a UI schema. Both name an entry of the definition's ``forms``.
- instructions: ``<spiffworkflow:instructionsForEndUser>`` (Markdown/Jinja text);
- our properties, in the same ``spiffworkflow:properties`` block: ``sla`` (an ISO 8601 duration literal,
  optionally followed by words the runtime/work calendar interprets, e.g. ``PT4H`` or ``PT8H calendar``),
  ``priority`` (an integer, larger = more urgent, or one of ``PRIORITY_NAMES``), ``assignee`` (a Python
  expression evaluated in the sandbox, e.g. ``initiator_id``);
- the lane is the BPMN lane's name.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.problems import Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

FORM_PROPERTY = "formJsonSchemaFilename"
PRIORITY_NAMES = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
UI_FORM_PROPERTY = "formUiSchemaFilename"

# A parser that resolves no entities, never reaches the network and keeps libxml2's size limits (no
# ``huge_tree``); ``read_xml`` refuses a DOCTYPE outright, since BPMN and DMN never need one.
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
)


class XmlSyntaxProblem(ValueError):
    """Raised by ``read_xml`` with the problem describing where the XML is malformed."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message)


def read_xml(text: str | bytes, *, file: str = "") -> Any:
    """Parse XML text into an lxml root element; raise ``XmlSyntaxProblem`` (line/column) if malformed or
    if it declares a DOCTYPE (entities are a way to smuggle files or expand text; BPMN/DMN never need them).
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        reason = re.sub(r", line \d+, column \d+$", "", exc.msg or "")
        message = f"malformed XML at line {line}, column {column}: {reason}"
        raise XmlSyntaxProblem(
            Problem("malformed-xml", message, file=file, line=line, column=column)
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        message = "the XML declares a DOCTYPE (DTDs and entities are not allowed in route maps)"
        raise XmlSyntaxProblem(Problem("xml-doctype", message, file=file, line=1))
    return root


def local_name(element: Any) -> str:
    """The tag without its namespace (``userTask``)."""
    return str(etree.QName(element).localname)


def is_bpmn(element: Any, *names: str) -> bool:
    """True when ``element`` is in the BPMN namespace and (if names are given) has one of those tags."""
    if not isinstance(element.tag, str):
        return False
    qname = etree.QName(element)
    return qname.namespace == BPMN_NS and (not names or qname.localname in names)


def new_parser() -> SpiffBpmnParser:
    """The one place the engine builds a SpiffWorkflow parser (no validator: schema checks run separately)."""
    return SpiffBpmnParser()


def element_properties(element: Any) -> dict[str, str]:
    """``spiffworkflow:property`` name -> value of a BPMN element's extension elements."""
    props: dict[str, str] = {}
    for prop in element.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NSMAP
    ):
        name = prop.get("name")
        if name:
            props[name] = prop.get("value", prop.text or "")
    return props


def element_extension_text(element: Any, name: str) -> str | None:
    """Text of the ``spiffworkflow:<name>`` extension element of ``element``, or None."""
    found = element.xpath(f"./bpmn:extensionElements/spiffworkflow:{name}", namespaces=NSMAP)
    return found[0].text if found else None


class TaskSpecProperties(TypedDict):
    """What the runtime's human-task projection needs from a task spec (see the module docstring)."""

    element_id: str
    name: str
    form: str | None
    ui_form: str | None
    instructions: str | None
    lane: str | None
    sla: str | None
    priority: int | None
    assignee: str | None
    properties: dict[str, str]


def task_spec_properties(task_spec: Any) -> TaskSpecProperties:
    """Form name, instructions, lane and our extension properties of a parsed SpiffWorkflow task spec.

    Works for any task spec (values are None when absent). ``priority`` is converted to ``int`` (names via
    ``PRIORITY_NAMES``; deploy validation guarantees it parses); the other values are returned as written.
    """
    extensions = getattr(task_spec, "extensions", None) or {}
    properties: dict[str, str] = dict(extensions.get("properties") or {})
    priority = properties.get("priority")
    return TaskSpecProperties(
        element_id=str(getattr(task_spec, "bpmn_id", None) or task_spec.name),
        name=str(getattr(task_spec, "bpmn_name", None) or ""),
        form=properties.get(FORM_PROPERTY) or None,
        ui_form=properties.get(UI_FORM_PROPERTY) or None,
        instructions=extensions.get("instructionsForEndUser"),
        lane=getattr(task_spec, "lane", None),
        sla=properties.get("sla") or None,
        priority=parse_priority(priority) if priority not in (None, "") else None,
        assignee=properties.get("assignee") or None,
        properties=properties,
    )


def parse_priority(text: str) -> int:
    """``"2"`` -> 2, ``"high"`` -> 2 (see ``PRIORITY_NAMES``); raises ``ValueError`` for anything else."""
    value = text.strip().lower()
    if value in PRIORITY_NAMES:
        return PRIORITY_NAMES[value]
    return int(value)
