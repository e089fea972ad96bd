"""Parsed SpiffWorkflow specs per deployed definition, parsed once and kept in process memory.

The runtime serializes instances without their spec and gets it back from here. The cache is keyed by
``(definition id, sha256)`` so a reused id (a fresh test database, a restored backup) never serves another
definition's spec; the sha256 is read with one primary-key query per call.

Call activities: a called process defined in the same file comes from that file. One that names another
deployed key comes from the definition pinned in ``called_definitions`` when the caller was deployed (the
latest version of that key at that time); its own subprocess specs are included too.

Each process spec an instance may enter has an owning definition (``spec_owners``): the definition whose
BPMN declares it. A user task inside a called route map takes its form from that definition, not from the
caller's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy import select

from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.definition_store import get_definition
from engine.errors import DefinitionNotFound, EngineError
from engine.parsing import new_parser, read_xml

Specs = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]
# process spec name -> id of the definition whose BPMN declares it
SpecOwners = dict[str, int]

SPEC_CACHE_SIZE = 256
_cache: OrderedDict[tuple[int, str], tuple[Specs, SpecOwners]] = OrderedDict()
# Re-entrant: parsing a caller loads its callees through get_specs. Held while parsing so a definition is
# parsed once even when several threads ask for it at the same time.
_lock = threading.RLock()


def get_specs(definition_id: int) -> Specs:
    """``(top_spec, subprocess_specs)`` of a deployed definition; raises ``DefinitionNotFound``.

    ``subprocess_specs`` maps every process id an instance may enter (embedded subprocesses, called
    processes of the same file, and pinned called definitions, recursively) to its spec.
    """
    return _entry(definition_id, _sha256_of(definition_id))[0]


def get_specs_checked(definition_id: int, sha256: str) -> Specs:
    """Like :func:`get_specs` when the caller already read the definition's sha256 (the stepper reads it
    together with the instance row): a cache hit costs no query."""
    return _entry(definition_id, sha256)[0]


def spec_owners(definition_id: int, sha256: str | None = None) -> SpecOwners:
    """Process spec name -> id of the definition that declares it, for every process an instance of the
    definition may enter: its own processes map to ``definition_id``, a called route map's processes to the
    called definition pinned at deploy time (recursively). ``sha256`` saves the query when known."""
    return _entry(definition_id, sha256 or _sha256_of(definition_id))[1]


def _sha256_of(definition_id: int) -> str:
    sha = db.session.execute(
        select(ProcessDefinition.sha256).where(ProcessDefinition.id == definition_id)
    ).scalar_one_or_none()
    if sha is None:
        raise DefinitionNotFound(f"no process definition with id {definition_id}")
    return sha


def _entry(definition_id: int, sha256: str) -> tuple[Specs, SpecOwners]:
    cache_key = (definition_id, sha256)
    with _lock:
        cached = _cache.get(cache_key)
        if cached is not None:
            _cache.move_to_end(cache_key)
            return cached
        entry = _parse(get_definition(definition_id))
        _cache[cache_key] = entry
        while len(_cache) > SPEC_CACHE_SIZE:
            _cache.popitem(last=False)
        return entry


def clear_spec_cache() -> None:
    """Forget every parsed spec (tests; nothing else needs it since definitions never change)."""
    with _lock:
        _cache.clear()


def _parse(definition: ProcessDefinition) -> tuple[Specs, SpecOwners]:
    parser = new_parser()
    for name, text in sorted((definition.dmn or {}).items()):
        parser.add_dmn_xml(read_xml(text, file=name), filename=name)  # hardened parser, not lxml's default
    parser.add_bpmn_xml(read_xml(definition.bpmn_xml), filename=f"{definition.key}.bpmn")
    top = parser.get_spec(definition.key)
    subprocesses: dict[str, BpmnProcessSpec] = parser.get_subprocess_specs(
        definition.key, require_call_activity_specs=False
    )
    owners = {name: definition.id for name, spec in subprocesses.items() if spec is not None}
    owners[top.name] = definition.id
    pinned = definition.called_definitions or {}
    for called in [name for name, spec in subprocesses.items() if spec is None]:
        if called not in pinned:
            raise EngineError(
                f"{definition.key} v{definition.version} calls {called!r}, which was not deployed"
            )
        (callee_top, callee_subprocesses), callee_owners = _entry(pinned[called], _sha256_of(pinned[called]))
        subprocesses[called] = callee_top
        owners[called] = pinned[called]
        for name, spec in callee_subprocesses.items():
            if name not in subprocesses:
                subprocesses[name] = spec
                owners[name] = callee_owners.get(name, pinned[called])
    return (top, subprocesses), owners
