"""The "Client status dynamics" report (SPEC #9): the status mix now against the start of the period, and
how many clients moved from each status to each other one, read from the status history.

A client's status at an instant is the ``new_status`` of its last history row at or before it; a client that
existed then but had no calculated status yet counts as "New"; clients created later are not in that mix
(in the transition matrix they come from ``None``: "not a client yet").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from crm.access import visible_clients_clause
from crm.accounts.models import User
from crm.clients.models import Client
from crm.errors import ValidationFailed
from crm.messages import N_
from crm.statuses.models import DEFAULT_STATUS, STATUS_CODES, ClientStatusChange
from engine.db import db, utcnow

DEFAULT_PERIOD_DAYS = 7


@dataclass(frozen=True)
class StatusDynamics:
    period_start: datetime
    period_end: datetime
    mix_start: dict[str, int]  # status -> clients at the start (every status present, zeros included)
    mix_end: dict[str, int]
    transitions: dict[tuple[str | None, str], int]  # (status at start or None, status at end) -> clients

    def change(self, status: str) -> int:
        return self.mix_end[status] - self.mix_start[status]

    @property
    def moved(self) -> dict[tuple[str | None, str], int]:
        """Only the transitions where the status changed (the off-diagonal of the matrix)."""
        return {pair: n for pair, n in self.transitions.items() if pair[0] != pair[1]}


def status_dynamics(
    actor: User | None = None, *, period_end: datetime | None = None, period_days: int = DEFAULT_PERIOD_DAYS
) -> StatusDynamics:
    """The status mix at ``period_end`` (default now) against ``period_days`` earlier, and the transitions.

    With ``actor`` only the clients they may see are counted.
    """
    if period_days < 1:
        raise ValidationFailed({"period_days": N_("At least one day.")})
    end = period_end or utcnow()
    start = end - timedelta(days=period_days)
    at_start = _statuses_at(start, actor)
    at_end = _statuses_at(end, actor)
    transitions = Counter((at_start.get(cid), status) for cid, status in at_end.items())
    return StatusDynamics(
        period_start=start,
        period_end=end,
        mix_start=_mix(at_start.values()),
        mix_end=_mix(at_end.values()),
        transitions=dict(transitions),
    )


def _mix(statuses: object) -> dict[str, int]:
    counts = Counter(statuses)  # type: ignore[call-overload]
    return {code: counts.get(code, 0) for code in STATUS_CODES}


def _statuses_at(instant: datetime, actor: User | None) -> dict[int, str]:
    clients = select(Client.id).where(Client.created_at <= instant, Client.merged_into_id.is_(None))
    if actor is not None:
        clients = clients.where(visible_clients_clause(actor))
    result = {cid: DEFAULT_STATUS for cid in db.session.scalars(clients)}
    # The history is append-only, so the highest id at or before the instant is the latest row.
    latest = (
        select(func.max(ClientStatusChange.id))
        .where(ClientStatusChange.at <= instant)
        .group_by(ClientStatusChange.client_id)
    )
    rows = db.session.execute(
        select(ClientStatusChange.client_id, ClientStatusChange.new_status).where(
            ClientStatusChange.id.in_(latest)
        )
    )
    for client_id, status in rows:
        if client_id in result:
            result[client_id] = status
    return result
