"""Client work statuses: read, explain ("?" on the card), set flags, recalculate one client or all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from crm.access import ensure_can_edit_client, ensure_can_view_client
from crm.accounts.models import User
from crm.clients.models import Client
from crm.errors import NotFound
from crm.statuses.facts import facts_for_clients
from crm.statuses.models import (
    DEFAULT_STATUS,
    WORK_STATUSES,
    ClientStatusChange,
    ClientWorkState,
    WorkStatus,
)
from crm.statuses.rules import RuleCheck, RuleView, Verdict, active_rules, decide
from engine.db import db, utcnow

BATCH_SIZE = 1000


@dataclass
class StatusExplanation:
    """Why a client has its status: the stored status, what the rules give now, and each rule's check."""

    client_id: int
    stored_status: str
    stored_rule_name: str
    changed_at: datetime | None
    status: str  # what the rules give now
    rule: RuleView | None
    checks: list[RuleCheck]
    flags: frozenset[str]

    @property
    def work_status(self) -> WorkStatus:
        return WORK_STATUSES[self.status]

    @property
    def reason(self) -> str:
        if self.rule is None:
            return f'No rule matched, so the status is the default "{WORK_STATUSES[DEFAULT_STATUS].name}".'
        return f'Rule "{self.rule.name}" matched first.'

    @property
    def is_stale(self) -> bool:
        """The stored status differs from what the rules give now: offer "Recalculate"."""
        return self.stored_status != self.status

    def as_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "status": self.status,
            "stored_status": self.stored_status,
            "reason": self.reason,
            "rule": self.rule.name if self.rule else None,
            "checks": [
                {
                    "rule": c.rule.name,
                    "target": c.rule.target_status,
                    "matched": c.matched,
                    **c.result.as_dict(),
                }
                for c in self.checks
            ],
        }


@dataclass(frozen=True)
class RecalculationResult:
    processed: int
    changed: int


def status_of(client_id: int) -> WorkStatus:
    """The client's stored work status ("New" until first calculated)."""
    state = db.session.get(ClientWorkState, client_id)
    return WORK_STATUSES[state.status if state else DEFAULT_STATUS]


def statuses_for_clients(client_ids: Iterable[int]) -> dict[int, WorkStatus]:
    """Stored statuses of many clients in one query (client lists); missing ones are "New"."""
    ids = list(client_ids)
    q = select(ClientWorkState.client_id, ClientWorkState.status).where(ClientWorkState.client_id.in_(ids))
    found = {row.client_id: row.status for row in db.session.execute(q)}
    return {cid: WORK_STATUSES[found.get(cid, DEFAULT_STATUS)] for cid in ids}


def explain_status(
    client_id: int, *, actor: User | None = None, now: datetime | None = None
) -> StatusExplanation:
    """Which rule gives the client its status and why, with every enabled rule's evaluated conditions.

    With ``actor`` the client must be visible to them (``AccessDenied`` otherwise).
    """
    client = _client(client_id)
    if actor is not None:
        ensure_can_view_client(actor, client)
    now = now or utcnow()
    facts = facts_for_clients([client_id])[client_id]
    verdict = decide(active_rules(), facts, now, explain=True)
    state = db.session.get(ClientWorkState, client_id)
    return StatusExplanation(
        client_id=client_id,
        stored_status=state.status if state else DEFAULT_STATUS,
        stored_rule_name=state.rule_name if state else "",
        changed_at=state.changed_at if state else None,
        status=verdict.status,
        rule=verdict.rule,
        checks=verdict.checks,
        flags=facts.flags,
    )


def recalculate_status(
    actor: User | None, client_id: int, *, now: datetime | None = None
) -> StatusExplanation:
    """Recalculate one client's status now (the "Recalculate" command on the card); history on change.

    ``actor`` None means the system (a route map or a job); otherwise they must see the client.
    """
    client = _client(client_id)
    if actor is not None:
        ensure_can_view_client(actor, client)
    now = now or utcnow()
    try:
        _recalculate_batch([client_id], now, actor.id if actor else None)
        db.session.commit()
    except IntegrityError:
        # Another worker created this client's first state row at the same moment: theirs stands,
        # recalculate once more over it.
        db.session.rollback()
        _recalculate_batch([client_id], now, actor.id if actor else None)
        db.session.commit()
    return explain_status(client_id, now=now)


def set_client_flags(
    actor: User,
    client_id: int,
    *,
    liquidated: bool | None = None,
    foreign: bool | None = None,
    non_target: bool | None = None,
) -> StatusExplanation:
    """Set or clear the hand-set flags (liquidated / another company's client / non-target), then recalculate."""
    client = _client(client_id)
    ensure_can_edit_client(actor, client)
    state = _state_for(client_id)
    if liquidated is not None:
        state.is_liquidated = liquidated
    if foreign is not None:
        state.is_foreign = foreign
    if non_target is not None:
        state.is_non_target = non_target
    db.session.flush()
    return recalculate_status(actor, client_id)


def recalculate_all(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> RecalculationResult:
    """Recalculate every (not merged) client in batches, one commit per batch; history for each change."""
    now = now or utcnow()
    rules = active_rules()
    processed = changed = 0
    last_id = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Client.id)
                .where(Client.id > last_id, Client.merged_into_id.is_(None))
                .order_by(Client.id)
                .limit(batch_size)
            )
        )
        if not ids:
            break
        try:
            changed += _recalculate_batch(ids, now, None, rules)
            db.session.commit()
        except IntegrityError:
            # A single-client recalculation created a first state row meanwhile: redo this batch over it.
            db.session.rollback()
            changed += _recalculate_batch(ids, now, None, rules)
            db.session.commit()
        processed += len(ids)
        last_id = ids[-1]
        if progress:
            progress(processed)
    return RecalculationResult(processed, changed)


def _recalculate_batch(
    client_ids: list[int], now: datetime, user_id: int | None, rules: list[RuleView] | None = None
) -> int:
    """Evaluate and store statuses of a batch (no commit); returns how many changed status."""
    rules = active_rules() if rules is None else rules
    facts = facts_for_clients(client_ids)
    states = {
        s.client_id: (s.status, s.rule_id)
        for s in db.session.execute(
            select(ClientWorkState.client_id, ClientWorkState.status, ClientWorkState.rule_id).where(
                ClientWorkState.client_id.in_(client_ids)
            )
        )
    }
    new_states, updates, history = [], [], []
    for client_id, client_facts in facts.items():
        verdict: Verdict = decide(rules, client_facts, now)
        rule_id = verdict.rule.id if verdict.rule else None
        rule_name = verdict.rule.name if verdict.rule else ""
        values = {"status": verdict.status, "rule_id": rule_id, "rule_name": rule_name, "changed_at": now}
        old = states.get(client_id)
        if old is None:
            new_states.append({"client_id": client_id, **values})
        elif old != (verdict.status, rule_id):
            updates.append({"client_id": client_id, **values})
        if old is None or old[0] != verdict.status:
            history.append(
                {
                    "client_id": client_id,
                    "old_status": old[0] if old else None,
                    "new_status": verdict.status,
                    "rule_id": rule_id,
                    "rule_name": rule_name,
                    "user_id": user_id,
                    "at": now,
                }
            )
    if new_states:
        db.session.execute(insert(ClientWorkState), new_states)
    if updates:
        db.session.execute(update(ClientWorkState), updates)
    if history:
        db.session.execute(insert(ClientStatusChange), history)
    return len(history)


def _client(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Client {client_id} does not exist.")
    return client


def _state_for(client_id: int) -> ClientWorkState:
    state = db.session.get(ClientWorkState, client_id)
    if state is None:
        state = ClientWorkState(client_id=client_id, status=DEFAULT_STATUS)
        db.session.add(state)
    return state
