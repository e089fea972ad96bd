"""The shipped route maps as files: they deploy, bpmn-js can draw every element, lanes and forms are sane."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from lxml import etree

from engine.definitions import deploy_path, latest_definition
from engine.parsing import NSMAP

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
DI = {"bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
LANES = {"sales", "support", "manager", "employee"}
KEYS = {
    "sale", "approval", "support_appeal", "trigger_mail_on_interest", "trigger_answer_eta",
    "trigger_payment_received", "trigger_expert_mailing", "trigger_recreate_lost", "trigger_website_request",
}  # fmt: skip
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))


def test_every_shipped_map_deploys_once_and_again_unchanged(any_app: Flask) -> None:
    results = deploy_path([PROCESSES])
    assert {r.definition.key for r in results} == KEYS
    assert [r.definition.key for r in results].index("approval") < [r.definition.key for r in results].index(
        "sale"
    )
    again = deploy_path([PROCESSES])
    assert [r.created for r in again] == [False] * len(KEYS)
    sale = latest_definition("sale")
    assert sale is not None and set(sale.called_definitions or {}) == {"approval"}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_every_element_has_a_shape_and_every_flow_an_edge(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    shapes = set(root.xpath("//bpmndi:BPMNShape/@bpmnElement", namespaces=DI))
    edges = set(root.xpath("//bpmndi:BPMNEdge/@bpmnElement", namespaces=DI))
    nodes = root.xpath(
        "//bpmn:process//bpmn:*[bpmn:incoming or bpmn:outgoing or self::bpmn:userTask]/@id", namespaces=NSMAP
    )
    flows = root.xpath("//bpmn:sequenceFlow/@id", namespaces=NSMAP)
    lanes = root.xpath("//bpmn:lane/@id", namespaces=NSMAP)
    assert nodes and set(nodes) <= shapes
    assert set(flows) <= edges
    assert set(lanes) <= shapes
    bounds = root.xpath(
        "//bpmndi:BPMNShape/dc:Bounds", namespaces={**DI, "dc": "http://www.omg.org/spec/DD/20100524/DC"}
    )
    assert all(float(b.get("width")) > 0 and float(b.get("height")) > 0 for b in bounds)


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_lanes_are_named_after_roles_and_groups(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    executable = root.xpath("//bpmn:process[@isExecutable='true']", namespaces=NSMAP)[0]
    names = set(executable.xpath("./bpmn:laneSet/bpmn:lane/@name", namespaces=NSMAP))
    assert names and names <= LANES
    lane_of = {ref: lane.get("name") for lane in executable.xpath(".//bpmn:lane", namespaces=NSMAP)
               for ref in lane.xpath("./bpmn:flowNodeRef/text()", namespaces=NSMAP)}  # fmt: skip
    top_level = executable.xpath("./bpmn:*[bpmn:incoming or bpmn:outgoing]/@id", namespaces=NSMAP)
    assert set(top_level) <= set(lane_of), "every top-level element sits in a lane"


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.json")), ids=lambda p: p.stem)
def test_forms_are_json_schemas_with_english_and_russian_titles(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"].isascii() and schema["x-title-ru"]
    for name, field in schema["properties"].items():
        assert field["title"].isascii() and field["x-title-ru"], name
    for required in schema.get("required", []):
        assert required in schema["properties"]
