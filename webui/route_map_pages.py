"""Read-only data the route-map pages show next to the definitions: running instances per version and the
names of the designers who deployed them. No writes, no transactions.

``running_instance_counts`` reads the runtime's instance table directly because the runtime offers no
count query yet; it belongs in ``engine.instances`` once the runtime grows one.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from crm.accounts.models import User
from engine.db import db
from engine.instance_model import RUNNING, SUSPENDED, ProcessInstance

LIVE_STATUSES = (RUNNING, SUSPENDED)


def running_instance_counts(definition_ids: Iterable[int]) -> dict[int, int]:
    """definition id -> number of running or suspended instances on that version (absent = none)."""
    ids = list(definition_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ProcessInstance.definition_id, func.count(ProcessInstance.id))
        .where(ProcessInstance.definition_id.in_(ids), ProcessInstance.status.in_(LIVE_STATUSES))
        .group_by(ProcessInstance.definition_id)
    ).all()
    return {int(definition_id): int(count) for definition_id, count in rows}


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """user id -> full name (or user name) for the given ids; unknown ids are left out."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    return {u.id: (u.full_name or u.username) for u in users}
