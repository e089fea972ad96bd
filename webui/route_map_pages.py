"""Read-only data the route-map pages show next to the definitions: running instances per version, the
running instances of one version with whether each can move to the newest version, and the names of the
designers who deployed them. No writes, no transactions: instance data comes from ``engine.instance_queries``
and the migration dry run from ``engine.migration``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from crm.accounts.models import User
from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.instance_queries import RunningInstance, count_running_instances, running_counts_by_definition
from engine.instance_queries import running_instances as running_instances_of
from engine.migration import check_migration

MIGRATION_PAGE_SIZE = 25


def running_instance_counts(definition_ids: Iterable[int]) -> dict[int, int]:
    """definition id -> number of running or suspended instances on that version (absent = none)."""
    return running_counts_by_definition(definition_ids)


@dataclass(frozen=True)
class MigrationCandidate:
    """A running instance of the old version and why it cannot move (empty reasons = it can)."""

    instance: RunningInstance
    reasons: list[str]

    @property
    def safe(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class MigrationPage:
    """One page of a version's running instances, each checked against the target version."""

    candidates: list[MigrationCandidate]
    total: int
    page: int
    pages: int

    @property
    def safe_count(self) -> int:
        return sum(1 for c in self.candidates if c.safe)


def migration_candidates(
    source: ProcessDefinition, target: ProcessDefinition, page: int = 1
) -> MigrationPage:
    """Page ``page`` (from 1) of ``source``'s running instances, each with the dry-run verdict for ``target``."""
    total = count_running_instances(source.id)
    pages = max(1, -(-total // MIGRATION_PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = running_instances_of(source.id, limit=MIGRATION_PAGE_SIZE, offset=(page - 1) * MIGRATION_PAGE_SIZE)
    candidates = [MigrationCandidate(row, check_migration(row.id, target.id)) for row in rows]
    return MigrationPage(candidates, total, page, pages)


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """user id -> full name (or user name) for the given ids; unknown ids are left out."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    return {u.id: (u.full_name or u.username) for u in users}
