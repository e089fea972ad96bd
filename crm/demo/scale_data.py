"""``generate_scale_data``: a large base for benchmarks (default 100,000 clients and 1,000,000 Feed entries).

One client ("Big client (benchmark)") gets ``big_client_feed`` Feed entries plus the process events of its
interests; the rest of the Feed is spread over the other clients. Rows go in with bulk inserts (COPY on
PostgreSQL), in chunks, with a progress callback. Not idempotent by design: the benchmark creates it once in a
throw-away database and looks up the big client by name (``find_scale_data``) to reuse it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm.accounts.services import create_user, ensure_builtin_roles, find_user
from crm.clients.models import Client, ContactDetail
from crm.clients.normalize import normalize_name, normalize_phone
from crm.deals.models import Interest
from crm.deals.services import ensure_default_stages
from crm.demo import names
from crm.demo.bulk import bulk_insert, next_id, reset_id_sequence
from crm.feed.models import DOCUMENT_KINDS, FeedEntry
from engine import events as ev
from engine.db import db, utcnow
from engine.definition_model import ProcessDefinition
from engine.events import ProcessEvent

BIG_CLIENT_NAME = "Big client (benchmark)"
CHUNK = 20_000
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class ScaleData:
    big_client_id: int
    manager_id: int
    clients: int
    feed_entries: int


def find_scale_data() -> ScaleData | None:
    """The scale data already in this database, if any."""
    big = db.session.scalars(select(Client).where(Client.name == BIG_CLIENT_NAME)).first()
    if big is None or big.responsible_id is None:
        return None
    count = db.session.query(Client).count()
    feed = db.session.query(FeedEntry).count()
    return ScaleData(big.id, big.responsible_id, count, feed)


def generate_scale_data(
    clients: int = 100_000,
    feed: int = 1_000_000,
    *,
    seed: int = 42,
    big_client_feed: int = 10_000,
    big_client_interests: int = 200,
    progress: Progress | None = None,
) -> ScaleData:
    """Bulk-create ``clients`` clients (phones, e-mails, INNs, interests) and ``feed`` Feed entries; commit."""
    if clients < 1 or feed < big_client_feed:
        raise ValueError("need at least one client and a Feed at least as big as the big client's")
    rng = random.Random(seed)
    report = progress or (lambda stage, done, total: None)
    ensure_builtin_roles()
    stages = {s.code: s.id for s in ensure_default_stages()}
    manager = find_user("scale_manager") or create_user(
        "scale_manager", "Scale Manager", "scale_manager", roles=["manager"], allow_short_password=True
    )
    definition = _definition()
    now = utcnow()
    first_client = next_id(Client.__table__)
    client_ids = range(first_client, first_client + clients)
    big_id = first_client

    _load_clients(rng, client_ids, big_id, manager.id, now, report)
    interest_ids = _load_interests(
        rng, client_ids, big_id, big_client_interests, stages, manager.id, now, report
    )
    _load_feed(rng, client_ids, big_id, big_client_feed, feed, manager.id, now, report)
    _load_events(rng, interest_ids, definition.id, manager.id, now, report)
    for table in (Client.__table__, ContactDetail.__table__, Interest.__table__, FeedEntry.__table__):
        reset_id_sequence(table)  # type: ignore[arg-type]
    reset_id_sequence(ProcessEvent.__table__)  # type: ignore[arg-type]
    db.session.commit()
    return ScaleData(big_id, manager.id, clients, feed)


def _definition() -> ProcessDefinition:
    definition = db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == "scale_sales")
    ).first()
    if definition is None:
        definition = ProcessDefinition(key="scale_sales", version=1, name="Sales", bpmn_xml="<definitions/>",
                                       sha256="0" * 64)  # fmt: skip
        db.session.add(definition)
        db.session.flush()
    return definition


def _chunks(total: int) -> range:
    return range(0, total, CHUNK)


def _load_clients(
    rng: random.Random, ids: range, big_id: int, manager_id: int, now: Any, report: Progress
) -> None:
    detail_id = next_id(ContactDetail.__table__)  # type: ignore[arg-type]
    for start in _chunks(len(ids)):
        rows, details = [], []
        for client_id in ids[start : start + CHUNK]:
            is_person = rng.random() < 0.2
            name = BIG_CLIENT_NAME if client_id == big_id else (
                f"ИП {names.person_name(rng)} {client_id}" if is_person else names.company_name(rng, client_id)
            )  # fmt: skip
            inn = names.person_inn(rng) if is_person else names.company_inn(rng)
            rows.append({
                "id": client_id, "kind": "person" if is_person else "company", "name": name,
                "name_normalized": normalize_name(name), "inn": inn if rng.random() < 0.7 else None,
                "responsible_id": manager_id if client_id == big_id or rng.random() < 0.1 else None,
                "created_at": now - timedelta(days=rng.randrange(1, 2000)),
            })  # fmt: skip
            phone = names.phone(rng)
            details.append({"id": detail_id, "client_id": client_id, "kind": "phone", "value": phone,
                            "normalized": normalize_phone(phone)})  # fmt: skip
            detail_id += 1
            if rng.random() < 0.5:
                email = f"info{client_id}@example.com"
                details.append({"id": detail_id, "client_id": client_id, "kind": "email", "value": email,
                                "normalized": email})  # fmt: skip
                detail_id += 1
        bulk_insert(Client.__table__, rows)  # type: ignore[arg-type]
        bulk_insert(ContactDetail.__table__, details)  # type: ignore[arg-type]
        report("clients", min(start + CHUNK, len(ids)), len(ids))


def _load_interests(
    rng: random.Random,
    client_ids: range,
    big_id: int,
    big_count: int,
    stages: dict[str, int],
    manager_id: int,
    now: Any,
    report: Progress,
) -> list[int]:
    """Interests of the big client (all returned, for process events) and of ~30% of the others."""
    first = next_id(Interest.__table__)  # type: ignore[arg-type]
    owners = [big_id] * big_count + [c for c in client_ids if c != big_id and rng.random() < 0.3]
    rows = []
    for offset, client_id in enumerate(owners):
        outcome = rng.choice((None, None, "won", "lost"))
        created = now - timedelta(days=rng.randrange(1, 1500))
        rows.append({
            "id": first + offset, "client_id": client_id, "title": f"Deal {first + offset}",
            "stage_id": stages[outcome or rng.choice(("qualification", "needs", "proposal", "negotiation"))],
            "amount": Decimal(rng.randrange(10, 5000) * 1000), "outcome": outcome,
            "closed_at": created + timedelta(days=rng.randrange(1, 60)) if outcome else None,
            "created_at": created, "responsible_id": manager_id,
        })  # fmt: skip
    for start in _chunks(len(rows)):
        bulk_insert(Interest.__table__, rows[start : start + CHUNK])  # type: ignore[arg-type]
        report("interests", min(start + CHUNK, len(rows)), len(rows))
    return [first + i for i in range(big_count)]


def _load_feed(
    rng: random.Random, client_ids: range, big_id: int, big_count: int, total: int, author: int, now: Any,
    report: Progress,
) -> None:  # fmt: skip
    first = next_id(FeedEntry.__table__)  # type: ignore[arg-type]
    others = [c for c in client_ids if c != big_id] or [big_id]
    for start in _chunks(total):
        rows = []
        for n in range(start, min(start + CHUNK, total)):
            kind = rng.choice(DOCUMENT_KINDS)
            rows.append({
                "id": first + n, "client_id": big_id if n < big_count else rng.choice(others), "kind": kind,
                "ref_id": first + n, "occurred_at": now - timedelta(seconds=rng.randrange(1, 3 * 365 * 86400)),
                "title": f"{kind.capitalize()} {first + n}", "summary": "Generated for the benchmark",
                "author_id": author,
            })  # fmt: skip
        bulk_insert(FeedEntry.__table__, rows)  # type: ignore[arg-type]
        report("feed", min(start + CHUNK, total), total)


def _load_events(
    rng: random.Random, interest_ids: list[int], definition_id: int, user_id: int, now: Any, report: Progress
) -> None:
    """Ten process events per big-client interest, a "variant chosen" among them."""
    first = next_id(ProcessEvent.__table__)  # type: ignore[arg-type]
    kinds = (ev.INSTANCE_STARTED, ev.TASK_CREATED, ev.TASK_COMPLETED, ev.VARIANT_CHOSEN, ev.TASK_CREATED,
             ev.TASK_CLAIMED, ev.TASK_COMPLETED, ev.TIMER_FIRED, ev.TASK_COMPLETED, ev.INSTANCE_COMPLETED)  # fmt: skip
    rows = []
    for interest_id in interest_ids:
        at = now - timedelta(days=rng.randrange(30, 1000))
        for kind in kinds:
            at += timedelta(hours=rng.randrange(1, 48))
            rows.append({
                "id": first + len(rows), "instance_id": interest_id, "definition_id": definition_id,
                "business_key": f"interest:{interest_id}", "kind": kind, "element_name": "Qualify",
                "user_id": user_id, "at": at,
                "details": {"variant": "Hot lead", "gateway": "Gateway_1"} if kind == ev.VARIANT_CHOSEN else {},
            })  # fmt: skip
    bulk_insert(ProcessEvent.__table__, rows)  # type: ignore[arg-type]
    report("process events", len(rows), len(rows))
