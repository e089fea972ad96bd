"""A committed step's workflow, kept in process memory for the instance's next step.

Deserializing the task tree (``load_state``: a Task object, UUIDs and data per task) is the largest part of
what a step does besides running the engine. When a step commits, its workflow is exactly the state it
wrote; the next step of the same instance in this process — the usual case for a person working through a
route map, or a worker advancing it — takes that object instead of rebuilding it, provided the stored
state it reads is still *character for character* the state the object was dumped to (else someone else
stepped the instance: the entry is dropped and the state is loaded as usual).

A hit is not trusted blindly: ``engine.serialization.refresh_state`` reads every value a script, form or
expression could have changed in place back from the stored state, checks the tree against it, and rebuilds
the waiting-event index, so a hit gives the same workflow ``load_state`` would. An entry is taken out of
the cache while a step uses it (two threads never share one) and is put back only after that step
committed; a failed step's workflow is never put back (SpiffWorkflow leaves partial state behind).

Per process, bounded (least recently used entries go first); ``WORKFLOW_CACHE_SIZE = 0`` turns it off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from engine.serialization import DumpMemo, refresh_state

WORKFLOW_CACHE_SIZE = 256


@dataclass(frozen=True)
class Kept:
    """A committed step's workflow, the spiff ids of its READY user/manual tasks (the instance's open
    human-task rows, written by that step) and its ``dump_state`` memo."""

    workflow: Any
    open_task_ids: frozenset[str]
    dump_memo: DumpMemo


_entries: OrderedDict[int, tuple[str, Kept]] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def take(instance_id: int, state: str, spec: Any, subprocess_specs: dict[str, Any]) -> Kept | None:
    """What was kept for the instance, its workflow made equal to ``load_state(state, spec,
    subprocess_specs)``; None when there is nothing for this exact state and these specs. The entry leaves
    the cache."""
    with _lock:
        entry = _entries.pop(instance_id, None)
    found = None
    if entry is not None:
        kept_state, kept = entry
        candidate = kept.workflow
        if (
            kept_state == state
            and candidate.spec is spec
            and _same_specs(candidate.subprocess_specs, subprocess_specs)
            and refresh_state(candidate, state, kept.dump_memo)
        ):
            found = kept
    with _lock:
        _stats["hits" if found is not None else "misses"] += 1
    return found


def _same_specs(kept: dict[str, Any], current: dict[str, Any]) -> bool:
    """The very spec objects (a cached definition re-parsed after eviction gives new ones: a miss)."""
    return len(kept) == len(current) and all(kept.get(name) is spec for name, spec in current.items())


def keep(
    instance_id: int, state: str, workflow: Any, open_task_ids: frozenset[str], dump_memo: DumpMemo
) -> None:
    """Keep ``workflow`` — just committed as ``state`` (written with ``dump_memo``), with these open human
    tasks — for the instance's next step."""
    if WORKFLOW_CACHE_SIZE <= 0:
        return
    with _lock:
        _entries[instance_id] = (state, Kept(workflow, open_task_ids, dump_memo))
        _entries.move_to_end(instance_id)
        while len(_entries) > WORKFLOW_CACHE_SIZE:
            _entries.popitem(last=False)


def forget(instance_id: int) -> None:
    """Drop what is kept for the instance (it ended, or a caller changed its state outside a step)."""
    with _lock:
        _entries.pop(instance_id, None)


def clear_workflow_cache() -> None:
    """Forget every kept workflow (tests, benchmarks measuring the cold path)."""
    with _lock:
        _entries.clear()


def workflow_cache_stats() -> dict[str, int]:
    """Hits and misses since the process started, and how many workflows are kept now."""
    with _lock:
        return {**_stats, "kept": len(_entries)}
