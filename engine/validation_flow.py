"""Checks of the sequence-flow graph: every node reachable from a start, every path has a way out,
gateways' outgoing flows are well conditioned."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from engine.parsing import NSMAP, is_bpmn, local_name
from engine.problems import Problem
from engine.validation_checks import (
    CONDITIONAL_GATEWAYS,
    FLOW_NODES,
    GATEWAYS,
    executable_scopes,
    problem_at,
)


def check_flow(root: Any) -> Iterator[Problem]:
    """Per process and subprocess: start present, no unreachable node, no dead end, sane gateways."""
    for scope in executable_scopes(root):
        yield from _check_scope(scope)


def _is_event_subprocess(node: Any) -> bool:
    return local_name(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _check_scope(scope: Any) -> Iterator[Problem]:
    nodes = {n.get("id"): n for n in scope if is_bpmn(n) and local_name(n) in FLOW_NODES and n.get("id")}
    outgoing: dict[str, list[Any]] = {}
    for flow in scope.xpath("./bpmn:sequenceFlow", namespaces=NSMAP):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)

    starts = [i for i, n in nodes.items() if local_name(n) == "startEvent"]
    if not starts:
        what = "subprocess" if local_name(scope) == "subProcess" else "process"
        yield problem_at("missing-start", scope, f"the {what} has no start event")
        return

    reachable = _reachable(nodes, outgoing, starts)
    for node_id, node in nodes.items():
        kind = local_name(node)
        if node.get("isForCompensation") == "true":
            continue  # reported as unsupported
        if node_id not in reachable:
            yield problem_at("unreachable", node, "no path from a start event reaches this element")
        flows = outgoing.get(node_id, [])
        if not flows and kind != "endEvent" and not _is_event_subprocess(node):
            yield problem_at("no-outgoing", node, "no way out: add an outgoing sequence flow or an end event")
        if len(flows) > 1 and kind not in GATEWAYS and kind != "startEvent":
            yield problem_at(
                "implicit-split",
                node,
                "several outgoing flows leave this element; split them with a parallel or exclusive gateway",
            )
        if kind in CONDITIONAL_GATEWAYS:
            yield from _check_gateway(node, flows)


def _reachable(nodes: dict[str, Any], outgoing: dict[str, list[Any]], starts: list[str]) -> set[str]:
    boundary_by_host: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if local_name(node) == "boundaryEvent":
            boundary_by_host.setdefault(node.get("attachedToRef"), []).append(node_id)
    roots = starts + [i for i, n in nodes.items() if _is_event_subprocess(n)]
    seen: set[str] = set(roots)
    queue = deque(roots)
    while queue:
        current = queue.popleft()
        successors = [f.get("targetRef") for f in outgoing.get(current, [])] + boundary_by_host.get(
            current, []
        )
        for target in successors:
            if target in nodes and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_gateway(gateway: Any, flows: list[Any]) -> Iterator[Problem]:
    default = gateway.get("default")
    flow_ids = {f.get("id") for f in flows}
    if default and default not in flow_ids:
        yield problem_at(
            "gateway-default", gateway, f"the default flow {default!r} does not leave this gateway"
        )
    if len(flows) < 2:
        return
    bare = [
        f.get("id")
        for f in flows
        if f.get("id") != default and not f.xpath("./bpmn:conditionExpression", namespaces=NSMAP)
    ]
    if len(bare) == 1:
        yield problem_at(
            "gateway-unconditioned",
            gateway,
            f"outgoing flow {bare[0]!r} has no condition and is not the default flow",
        )
    elif bare:
        yield problem_at(
            "gateway-unconditioned",
            gateway,
            f"outgoing flows {', '.join(map(repr, bare))} have no condition and are not the default flow; "
            "give each a condition or mark one as default",
        )
