"""Deploying route maps: validate, then store a new version of the process key (or reuse identical content).

One definition row per BPMN file, keyed by its main process: the one executable process of the file that no
other process of the file calls. Processes of the same file that the main process calls are stored with it
(in the same ``bpmn_xml``) and are not deployed under keys of their own. A call activity naming a process
that is not in the file resolves to the latest deployed version of that key at deploy time and is pinned
in ``called_definitions`` (see ``engine.spec_cache``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.definition_store import latest_definition
from engine.errors import EngineError, InvalidRouteMap
from engine.parsing import NSMAP, read_xml
from engine.problems import Problem
from engine.spec_cache import get_specs
from engine.validation import RouteMapReport, validate_route_map

_VERSION_RACE_RETRIES = 3


@dataclass(frozen=True)
class DeployResult:
    """The stored definition and whether this deploy created it (False: identical to the latest version)."""

    definition: ProcessDefinition
    created: bool

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def version(self) -> int:
        return self.definition.version

    @property
    def definition_id(self) -> int:
        return self.definition.id


class DeployConflict(EngineError):
    """Concurrent deploys of the same key kept taking the next version number."""


def validate(
    bpmn_xml: str, dmn: Mapping[str, str] | None = None, forms: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Every problem of a route map, without storing anything (the editor's save/validate calls this).

    Call activities may name process keys that are already deployed; needs an app context for that lookup.
    """
    return _validate(bpmn_xml, dmn or {}, forms or {}).problems


def content_sha256(
    bpmn_xml: str, dmn: Mapping[str, str], forms: Mapping[str, Any], called: Mapping[str, str]
) -> str:
    """sha256 of the canonical JSON of everything a version consists of (called: key -> callee sha256)."""
    canonical = json.dumps(
        {"bpmn": bpmn_xml, "dmn": dict(dmn), "forms": dict(forms), "called": dict(called)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def deploy(
    bpmn_xml: str,
    *,
    dmn: dict[str, str] | None = None,
    forms: dict[str, dict[str, Any]] | None = None,
    deployed_by: int | None = None,
    comment: str = "",
) -> DeployResult:
    """Validate a route map and store it as the next version of its key; commits.

    Raises ``InvalidRouteMap`` with every problem (nothing stored) when it is invalid. When the content
    (BPMN, DMN, forms and the pinned called definitions) equals the latest version of the key, nothing is
    stored and that version is returned with ``created=False``. ``comment`` is cut to 1000 characters.
    """
    dmn, forms = dict(dmn or {}), dict(forms or {})
    report = _validate(bpmn_xml, dmn, forms)
    if report.problems:
        raise InvalidRouteMap(report.problems)
    key = report.main_process_id
    assert key is not None  # a report without problems always names its main process
    callees = {name: latest_definition(name) for name in report.external_calls}
    pinned = {name: d for name, d in callees.items() if d is not None}
    collisions = _spec_id_collisions(bpmn_xml, pinned)
    if collisions:
        raise InvalidRouteMap(collisions)
    sha = content_sha256(bpmn_xml, dmn, forms, {name: d.sha256 for name, d in pinned.items()})

    for _attempt in range(_VERSION_RACE_RETRIES):
        latest = latest_definition(key)
        if latest is not None and latest.sha256 == sha:
            return DeployResult(latest, created=False)
        definition = ProcessDefinition(
            key=key,
            version=latest.version + 1 if latest else 1,
            name=report.main_process_name[:255],
            bpmn_xml=bpmn_xml,
            dmn=dmn,
            forms=forms,
            sha256=sha,
            deployed_by=deployed_by,
            comment=comment[:1000],
            called_definitions={name: d.id for name, d in pinned.items()},
        )
        db.session.add(definition)
        try:
            db.session.commit()
        except IntegrityError:  # another deploy took this version number: look again
            db.session.rollback()
            continue
        return DeployResult(definition, created=True)
    raise DeployConflict(f"could not store a new version of {key!r}: concurrent deploys kept winning")


def _validate(bpmn_xml: str, dmn: Mapping[str, str], forms: Mapping[str, Any]) -> RouteMapReport:
    return validate_route_map(
        bpmn_xml, dmn, forms, called_process_exists=lambda key: latest_definition(key) is not None
    )


def _spec_id_collisions(bpmn_xml: str, callees: Mapping[str, ProcessDefinition]) -> list[Problem]:
    """Process/subprocess ids of this file that a called definition also uses (specs are keyed by id)."""
    if not callees:
        return []
    root = read_xml(bpmn_xml)
    own = {e.get("id"): e for e in root.xpath(".//bpmn:process | .//bpmn:subProcess", namespaces=NSMAP)}
    problems = []
    for name, callee in callees.items():
        top, subprocesses = get_specs(callee.id)
        for spec_id in {top.name, *subprocesses} & set(own):
            element = own[spec_id]
            problems.append(
                Problem(
                    "process-id-collision",
                    f"id {spec_id!r} is also used by called process {name!r}; rename one of them",
                    element_id=spec_id,
                    element_name=element.get("name") or "",
                )
            )
    return problems
