"""Process definitions: the public API for deploying, validating and reading route maps.

- ``deploy`` / ``validate`` / ``content_sha256`` — see ``engine.deployment`` (one definition per file,
  keyed by its main process; called processes of the same file are stored with it);
- ``deploy_path`` — deploy ``.bpmn`` files from disk with their DMN files and forms (``engine.deploy_files``);
- ``get_definition`` / ``latest_definition`` / ``find_definition`` / ``list_definitions`` / ``list_versions`` /
  ``form_for`` — reads (``engine.definition_store``);
- ``get_specs`` — parsed specs per definition, cached (``engine.spec_cache``);
- ``task_spec_properties`` — form, instructions, lane, sla, priority, assignee of a task spec
  (``engine.parsing``, which documents the extension conventions);
- ``format_problems`` — one line per problem for the CLI.
"""

from __future__ import annotations

from engine.definition_store import (
    DefinitionSummary,
    find_definition,
    form_for,
    get_definition,
    latest_definition,
    list_definitions,
    list_versions,
)
from engine.deploy_files import deploy_path
from engine.deployment import DeployConflict, DeployResult, content_sha256, deploy, validate
from engine.parsing import TaskSpecProperties, task_spec_properties
from engine.problems import Problem, format_problems
from engine.spec_cache import clear_spec_cache, get_specs

__all__ = [
    "DefinitionSummary",
    "DeployConflict",
    "DeployResult",
    "Problem",
    "TaskSpecProperties",
    "clear_spec_cache",
    "content_sha256",
    "deploy",
    "deploy_path",
    "find_definition",
    "form_for",
    "format_problems",
    "get_definition",
    "get_specs",
    "latest_definition",
    "list_definitions",
    "list_versions",
    "task_spec_properties",
    "validate",
]
