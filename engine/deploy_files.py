"""Deploying route maps from disk (``routemap deploy PATH...``, ``routemap init`` with ``processes/``).

Each ``.bpmn`` file is deployed with the files it references from its own folder: ``.dmn`` files whose
decision a business rule task names (``spiffworkflow:calledDecisionId``), and ``.json`` forms named by
``formJsonSchemaFilename`` / ``formUiSchemaFilename``. Files whose processes others call are deployed
first, so their callers pin the fresh version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.deployment import DeployResult, deploy
from engine.errors import InvalidRouteMap
from engine.parsing import FORM_PROPERTY, NSMAP, UI_FORM_PROPERTY, XmlSyntaxProblem, read_xml
from engine.problems import Problem


@dataclass
class _Bundle:
    path: Path
    bpmn_xml: str
    dmn: dict[str, str] = field(default_factory=dict)
    forms: dict[str, Any] = field(default_factory=dict)
    process_ids: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


def deploy_path(
    paths: Iterable[str | Path], *, deployed_by: int | None = None, comment: str = ""
) -> list[DeployResult]:
    """Deploy every ``.bpmn`` file named in ``paths`` (files or folders, searched recursively).

    All files are tried. If any is invalid, raises ``InvalidRouteMap`` with the problems of all of them
    (each ``Problem.file`` set to its path) and ``deployed`` holding the results of the files that did
    deploy; otherwise returns one ``DeployResult`` per file, in deploy order.
    """
    bundles = [_read_bundle(path) for path in _bpmn_files(paths)]
    results: list[DeployResult] = []
    problems: list[Problem] = []
    for bundle in _callees_first(bundles):
        if bundle.problems:
            problems += bundle.problems
            continue
        try:
            results.append(
                deploy(
                    bundle.bpmn_xml,
                    dmn=bundle.dmn,
                    forms=bundle.forms,
                    deployed_by=deployed_by,
                    comment=comment,
                )
            )
        except InvalidRouteMap as exc:
            problems += [p.with_file(str(bundle.path)) for p in exc.problems]
    if problems:
        raise InvalidRouteMap(problems, deployed=results)
    return results


def _bpmn_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(path.rglob("*.bpmn"))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return list(dict.fromkeys(files))


def _read_bundle(path: Path) -> _Bundle:
    bundle = _Bundle(path, path.read_text(encoding="utf-8"))
    try:
        root = read_xml(bundle.bpmn_xml, file=str(path))
    except XmlSyntaxProblem:
        return bundle  # deploy() reports the syntax error with its line and column
    bundle.process_ids = set(root.xpath("./bpmn:process/@id", namespaces=NSMAP))
    bundle.calls = (
        set(root.xpath(".//bpmn:callActivity/@calledElement", namespaces=NSMAP)) - bundle.process_ids
    )
    decisions = {
        (d.text or "").strip()
        for d in root.xpath(".//bpmn:businessRuleTask//spiffworkflow:calledDecisionId", namespaces=NSMAP)
    }
    if decisions:
        bundle.dmn = _dmn_files_for(path.parent, decisions)
    form_xpath = (
        ".//bpmn:userTask/bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
        f"[@name='{FORM_PROPERTY}' or @name='{UI_FORM_PROPERTY}']/@value"
    )
    for name in sorted(set(root.xpath(form_xpath, namespaces=NSMAP))):
        form_path = path.parent / name
        if not form_path.is_file():
            continue  # validation reports the missing form on its user task
        try:
            bundle.forms[name] = json.loads(form_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            bundle.problems.append(
                Problem(
                    "form-invalid",
                    f"not valid JSON: {exc.msg}",
                    file=str(form_path),
                    line=exc.lineno,
                    column=exc.colno,
                )
            )
    return bundle


def _dmn_files_for(folder: Path, decisions: set[str]) -> dict[str, str]:
    """DMN files of ``folder`` that define one of ``decisions``, by file name."""
    found: dict[str, str] = {}
    for dmn_path in sorted(folder.glob("*.dmn")):
        text = dmn_path.read_text(encoding="utf-8")
        try:
            root = read_xml(text, file=str(dmn_path))
        except XmlSyntaxProblem:
            if dmn_path.stem in decisions:
                found[dmn_path.name] = text  # validation reports where it is malformed
            continue
        ids = {d.get("id") for d in root if isinstance(d.tag, str) and d.tag.endswith("}decision")}
        if ids & decisions:
            found[dmn_path.name] = text
    return found


def _callees_first(bundles: list[_Bundle]) -> list[_Bundle]:
    """Order bundles so a file comes after the files defining the processes it calls (stable otherwise)."""
    by_process = {pid: b for b in bundles for pid in b.process_ids}
    ordered: list[_Bundle] = []
    visiting: set[int] = set()

    def visit(bundle: _Bundle) -> None:
        if bundle in ordered or id(bundle) in visiting:
            return  # done, or a call cycle: keep the given order
        visiting.add(id(bundle))
        for called in sorted(bundle.calls):
            if called in by_process:
                visit(by_process[called])
        ordered.append(bundle)

    for bundle in bundles:
        visit(bundle)
    return ordered
