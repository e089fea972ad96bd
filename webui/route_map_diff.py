"""Differences between two versions of a route map, by BPMN element id, for the visual diff.

An element is *added* or *removed* when its id exists in only one version, and *changed* when its own
attributes, text or id-less children (extension elements, conditions, timer expressions...) differ — or, for
a task, when the content of a form it names differs. Children that carry an id of their own are compared on
their own, so adding a task does not mark its process as changed; diagram interchange (positions, waypoints)
is left out on purpose: a moved shape is not a changed route map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine.parsing import BPMN_NS, NSMAP, read_xml

_FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")


@dataclass(frozen=True)
class ElementInfo:
    """What the diff page lists for an element: its id, BPMN type and name."""

    id: str
    type: str
    name: str


@dataclass
class RouteMapDiff:
    added: list[ElementInfo] = field(default_factory=list)
    removed: list[ElementInfo] = field(default_factory=list)
    changed: list[ElementInfo] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        """JSON for the diff page: three lists of {id, type, name}."""
        return {kind: [vars(e) for e in getattr(self, kind)] for kind in ("added", "removed", "changed")}


def diff_route_maps(
    old_xml: str,
    new_xml: str,
    old_forms: Mapping[str, Any] | None = None,
    new_forms: Mapping[str, Any] | None = None,
) -> RouteMapDiff:
    """Compare two BPMN documents (with their forms) element by element; see the module docstring."""
    old, new = (
        _signatures(read_xml(old_xml), old_forms or {}),
        _signatures(read_xml(new_xml), new_forms or {}),
    )
    result = RouteMapDiff()
    for element_id, (info, _sig) in new.items():
        if element_id not in old:
            result.added.append(info)
        elif old[element_id][1] != _sig:
            result.changed.append(info)
    result.removed = [info for element_id, (info, _sig) in old.items() if element_id not in new]
    return result


def _signatures(root: Any, forms: Mapping[str, Any]) -> dict[str, tuple[ElementInfo, Any]]:
    found: dict[str, tuple[ElementInfo, Any]] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).namespace != BPMN_NS:
            continue
        element_id = element.get("id")
        if not element_id or element is root:
            continue
        info = ElementInfo(element_id, etree.QName(element).localname, element.get("name") or "")
        found[element_id] = (info, (_signature(element, top=True), _form_contents(element, forms)))
    return found


def _signature(element: Any, *, top: bool = False) -> Any:
    """The element's own content: tag, attributes, text, and id-less children (recursively)."""
    if not isinstance(element.tag, str):  # comments and processing instructions
        return None
    if not top and element.get("id"):  # compared on its own (added/removed/changed)
        return None
    children = tuple(s for s in (_signature(child) for child in element) if s is not None)
    return (element.tag, tuple(sorted(element.attrib.items())), (element.text or "").strip(), children)


def _form_contents(element: Any, forms: Mapping[str, Any]) -> tuple[Any, ...]:
    names = element.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name=$a or @name=$b]/@value",
        namespaces=NSMAP,
        a=_FORM_PROPERTIES[0],
        b=_FORM_PROPERTIES[1],
    )
    return tuple(json.dumps(forms.get(name), sort_keys=True) for name in names)
