"""Route-map validation: XML syntax, the BPMN/DMN XML Schemas, SpiffWorkflow's parser and our own checks,
all reported together as ``Problem``s tied to BPMN element ids. Nothing here touches the database: the
caller says which external process keys exist (``called_process_exists``)."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR as BPMN_VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.parsing import NSMAP, XmlSyntaxProblem, is_bpmn, new_parser, read_xml
from engine.problems import Problem
from engine.validation_checks import (
    check_business_rules,
    check_call_activities,
    check_expressions,
    check_forms,
    check_references,
    check_reserved_ids,
    check_service_tasks,
    check_task_properties,
    check_timers,
    check_unsupported,
)
from engine.validation_flow import check_flow

# lxml schema objects keep their error log on the object: validate one document at a time.
_SCHEMA_LOCK = threading.Lock()
_DMN_VALIDATORS: dict[str, BpmnValidator] = {}


@dataclass
class RouteMapReport:
    """The outcome of validating one BPMN file with its DMN files and forms."""

    problems: list[Problem] = field(default_factory=list)
    main_process_id: str | None = None
    main_process_name: str = ""
    # Call activity targets that are not processes of this file: deployed definitions' keys.
    external_calls: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_route_map(
    bpmn_xml: str,
    dmn: Mapping[str, str] | None = None,
    forms: Mapping[str, Any] | None = None,
    *,
    called_process_exists: Callable[[str], bool] = lambda key: False,
) -> RouteMapReport:
    """Validate a route map without storing anything; every problem found is in the report."""
    report = RouteMapReport()
    try:
        root = read_xml(bpmn_xml)
    except XmlSyntaxProblem as exc:
        report.problems.append(exc.problem)
        return report
    if not is_bpmn(root, "definitions"):
        report.problems.append(Problem("not-bpmn", "the document is not BPMN 2.0 (no bpmn:definitions root)"))
        return report

    schema_problems = _schema_problems(BPMN_VALIDATOR, root)
    parser = new_parser()
    decision_ids, dmn_problems = _load_dmn(parser, dmn or {})
    local_processes = {
        p.get("id"): p.get("isExecutable", "true") != "false"
        for p in root.xpath("./bpmn:process", namespaces=NSMAP)
    }
    own: list[Problem] = [*schema_problems, *dmn_problems, *_select_main(root, report)]
    own += check_unsupported(root)
    own += check_reserved_ids(root)
    own += check_references(root)
    own += check_service_tasks(root)
    own += check_forms(root, forms or {})
    own += check_task_properties(root)
    own += check_timers(root)
    own += check_expressions(root)
    own += check_business_rules(root, decision_ids)
    own += check_call_activities(root, local_processes, called_process_exists)
    own += check_flow(root)
    report.external_calls = sorted(
        {
            c.get("calledElement")
            for c in root.xpath(".//bpmn:callActivity[@calledElement]", namespaces=NSMAP)
            if c.get("calledElement") not in local_processes
        }
    )
    if not schema_problems:
        own += _covered_filter(own, _spiff_parse_problems(parser, root))
    report.problems = _unique(own)
    return report


def _select_main(root: Any, report: RouteMapReport) -> list[Problem]:
    """The main process is the one executable process of the file that no other process of it calls."""
    processes = root.xpath("./bpmn:process", namespaces=NSMAP)
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"]
    if not executable:
        return [Problem("no-executable-process", 'the file has no executable process (isExecutable="true")')]
    called = set(root.xpath(".//bpmn:callActivity/@calledElement", namespaces=NSMAP))
    mains = [p for p in executable if p.get("id") not in called] or executable[:1]
    if len(mains) > 1:
        ids = ", ".join(p.get("id") for p in mains)
        return [
            Problem(
                "several-main-processes",
                f"the file has several executable processes that nothing calls ({ids}); "
                'deploy one route map per file, or mark the others isExecutable="false"',
            )
        ]
    report.main_process_id = mains[0].get("id")
    report.main_process_name = mains[0].get("name") or report.main_process_id or ""
    return []


def _schema_problems(validator: BpmnValidator, root: Any, file: str = "") -> list[Problem]:
    document = copy.deepcopy(root)
    validator.preprocess(document)  # bpmn-js writes correlation expressions in a non-schema shape
    with _SCHEMA_LOCK:
        if validator.validator.validate(document):
            return []
        errors = list(validator.validator.error_log)
    by_line: dict[int, Any] = {}
    for element in root.iter():
        if isinstance(element.tag, str):
            by_line.setdefault(element.sourceline, element)
    problems = []
    for error in errors:
        element = by_line.get(error.line)
        while element is not None and not element.get("id"):
            element = element.getparent()
        message = re.sub(r"\{[^}]*\}", "", error.message)  # drop namespaces from tag names
        problems.append(
            Problem(
                "schema",
                f"not valid BPMN 2.0 (line {error.line}): {message}",
                element_id=element.get("id") if element is not None else "",
                element_name=(element.get("name") or "") if element is not None else "",
                file=file,
                line=error.line,
                column=error.column or None,
            )
        )
    return problems


def _load_dmn(parser: SpiffBpmnParser, dmn: Mapping[str, str]) -> tuple[set[str], list[Problem]]:
    """Add each valid DMN file to ``parser``; returns the decision ids and the problems of the others."""
    problems: list[Problem] = []
    for name, text in sorted(dmn.items()):
        try:
            root = read_xml(text, file=name)
        except XmlSyntaxProblem as exc:
            problems.append(exc.problem)
            continue
        schema = DMN_SCHEMAS.get(root.nsmap.get(None) or root.nsmap.get("dmn") or "")
        if schema is None:
            problems.append(Problem("dmn-invalid", "not a DMN 1.1/1.2/1.3 document", file=name))
            continue
        validator = _DMN_VALIDATORS.get(schema) or _DMN_VALIDATORS.setdefault(schema, BpmnValidator(schema))
        file_problems = [
            Problem(
                "dmn-invalid",
                p.message.replace("BPMN 2.0", "DMN"),
                p.element_id,
                p.element_name,
                name,
                p.line,
            )
            for p in _schema_problems(validator, root, name)
        ]
        if not file_problems:
            before = set(parser.dmn_parsers)
            try:
                parser.add_dmn_xml(root, filename=name)
                for decision_id in set(parser.dmn_parsers) - before:
                    parser.dmn_parsers[decision_id].parse()
            except Exception as exc:  # SpiffWorkflow's DMN parser raises assorted errors on bad tables
                for decision_id in set(parser.dmn_parsers) - before:
                    del parser.dmn_parsers[decision_id]
                element_id = getattr(exc, "id", "") or ""
                message = f"the decision table cannot be read: {exc}"
                problems.append(Problem("dmn-invalid", message, element_id, file=name))
        problems += file_problems
    return set(parser.dmn_parsers), problems


_WRAPPED_EXCEPTION = re.compile(r"^(\w+Error|Exception)\((.*)\)\.?\s*$", re.DOTALL)


def _spiff_parse_problems(parser: SpiffBpmnParser, root: Any) -> list[Problem]:
    """Run SpiffWorkflow's parser over every executable process; its first error becomes a problem."""
    try:
        parser.add_bpmn_xml(root)
        parser.find_all_specs()
    except ValidationException as exc:
        message = str(exc)
        wrapped = _WRAPPED_EXCEPTION.match(message)
        if wrapped:  # an internal error of the parser, wrapped with the element it was reading
            message = f"the engine could not read this element ({wrapped.group(1)}: {wrapped.group(2)})"
        return [Problem("parser", message, element_id=exc.id or "", element_name=exc.name or "")]
    except Exception as exc:  # never let a parser crash escape as a traceback
        return [Problem("parser", f"the engine could not read the route map ({type(exc).__name__}: {exc})")]
    return []


def _covered_filter(own: list[Problem], parser_problems: list[Problem]) -> list[Problem]:
    """Drop parser problems about an element our checks already explained better."""
    mentioned = {p.element_id for p in own if p.element_id}
    texts = " ".join(p.message for p in own)
    return [
        p
        for p in parser_problems
        if not (p.element_id and (p.element_id in mentioned or f"'{p.element_id}'" in texts))
        and not (own and not p.element_id)
    ]


def _unique(problems: list[Problem]) -> list[Problem]:
    unique: list[Problem] = []
    for problem in problems:
        if problem not in unique:
            unique.append(problem)
    return unique
