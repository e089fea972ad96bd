"""Server time of the process-efficiency and SLA pages on 1,000,000 process-event rows (PostgreSQL).

    .venv/bin/python bench/analytics.py              # builds a throw-away database, prints p50/p95
    .venv/bin/python bench/analytics.py --json       # {"efficiency_page_ms_p95": ..., "sla_page_ms_p95": ...}
    .venv/bin/python bench/analytics.py --events 200000 --keep
    .venv/bin/python bench/analytics.py --reuse --json   # measure again on the database a --keep run left

With ``--reuse`` an existing database is measured as it is (missing tables, columns and indexes are added, indexes
whose columns changed are rebuilt, empty per-day summaries — or empty people-split ones — are rebuilt from the
facts and that time reported); it is built first when it does not exist.

Creates ``routemap_bench_analytics`` on 127.0.0.1 (dropped at the end unless ``--keep``), loads the event log
with COPY (instances of a two-task route map with a gateway, claims and suspensions, spread over the last 80
days), appeals with SLA and waiting-for-client history, rolls both up (``refresh_facts`` /
``refresh_ticket_sla``, timed and reported), then requests each page through the Flask app as a logged-in
manager: warm-up, then ``--repeat`` timed requests (whole request: view, queries and template).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/routemap_bench_analytics"
FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "analytics" / "sale_fixture.bpmn"
HOUR = timedelta(hours=1)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    reused = args.reuse and _exists(args.url)
    if not reused:
        _recreate(args.url)
    from webui import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "REDIS_URL": "", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "JOBS_EAGER": True})  # fmt: skip
    try:
        with app.app_context():
            results = _reuse(app, args) if reused else _run(app, args)
    finally:
        if not (args.keep or args.reuse):
            from engine.db import db

            with app.app_context():
                db.engine.dispose()
            _drop(args.url)
    if args.json:
        print(
            json.dumps({k: results[k] for k in ("efficiency_page_ms_p95", "sla_page_ms_p95")}, sort_keys=True)
        )
    else:
        for key, value in results.items():
            print(f"{key:32} {value}")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL database to create (and drop)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--reuse", action="store_true", help="measure an existing database (kept afterwards)")
    parser.add_argument("--filters", action="store_true", help="also time the department-filtered page")
    return parser.parse_args(argv)


def _admin_engine(url: str) -> Any:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        raise SystemExit("bench/analytics.py measures PostgreSQL: pass a postgresql:// URL")
    return target, create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate(url: str) -> None:
    target, admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _exists(url: str) -> bool:
    target, admin = _admin_engine(url)
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).scalar()
    admin.dispose()
    return bool(found)


def _drop(url: str) -> None:
    target, admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def _run(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    from crm.accounts.services import create_user, ensure_builtin_roles, save_department
    from crm.monitoring.sla_facts import refresh_ticket_sla
    from engine.analytics.rollup import refresh_facts
    from engine.db import db

    db.create_all()
    rng = random.Random(args.seed)
    ensure_builtin_roles()
    departments = [save_department(name) for name in ("Sales", "Support", "Key accounts")]
    users = [create_user(f"user{i}", f"User {i}", "bench-password", roles=["employee"],
                         department_id=departments[i % 3].id) for i in range(20)]  # fmt: skip
    create_user("boss", "Boss", "bench-password", roles=["manager"], department_id=departments[0].id)
    db.session.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    events = _load_events(db, rng, args.events, [u.id for u in users], now)
    timings["events_loaded"] = events
    timings["events_copy_s"] = round(time.perf_counter() - started, 1)
    tickets = _load_tickets(db, rng, args.tickets, [u.id for u in users], now)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    started = time.perf_counter()
    refresh_facts(batch_size=20_000)
    timings["rollup_events_per_s"] = round(events / (time.perf_counter() - started))
    started = time.perf_counter()
    refresh_ticket_sla(now=now)
    timings["tickets"] = tickets
    timings["ticket_sla_rollup_s"] = round(time.perf_counter() - started, 1)
    db.session.commit()
    _vacuum(db)
    return _pages(app, args, timings)


def _vacuum(db: Any) -> None:
    # Index-only scans need the visibility map a production database's autovacuum keeps current.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _reuse(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Bring an existing bench database up to the current schema, then measure the pages."""
    from engine.analytics.models import (
        InstanceDay,
        InstanceFact,
        InstancePeopleDay,
        PeopleSet,
        StepAssigneeDay,
    )
    from engine.analytics.summary_rollup import rebuild_summaries
    from engine.db import db

    db.create_all()
    _upgrade_tables(db)
    timings: dict[str, Any] = {
        "events_loaded": db.session.scalar(text("SELECT count(*) FROM process_events"))
    }
    summaries = (InstanceDay, PeopleSet, InstancePeopleDay, StepAssigneeDay)
    empty = [db.session.scalar(select(func.count()).select_from(m)) == 0 for m in summaries]
    if any(empty) and db.session.scalar(select(func.count()).select_from(InstanceFact)):
        started = time.perf_counter()
        rebuild_summaries()
        timings["summaries_from_facts_s"] = round(time.perf_counter() - started, 1)
    db.session.commit()
    _vacuum(db)
    return _pages(app, args, timings)


def _upgrade_tables(db: Any) -> None:
    """Add the columns and indexes the models have and the kept database lacks (rebuild changed indexes)."""
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:  # the new columns are nullable
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
            indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)}
            for index in table.indexes:
                wanted = [c.name for c in index.columns]
                if index.name in indexes and indexes[index.name] != wanted:
                    index.drop(conn)
                if indexes.get(index.name) != wanted:
                    index.create(conn)


def _pages(app: Any, args: argparse.Namespace, timings: dict[str, Any]) -> dict[str, Any]:
    client = app.test_client()
    client.post("/login", data={"username": "boss", "password": "bench-password"})
    pages = [
        ("efficiency_page", "/monitoring/process/analytics_sale"),
        ("sla_page", "/monitoring/sla"),
    ]
    if args.filters:
        pages += [
            ("efficiency_page_department", "/monitoring/process/analytics_sale?department=1"),
            ("sla_page_department", "/monitoring/sla?department=1"),
        ]
    for name, path in pages:
        p50, p95 = _measure(client, path, args.repeat)
        timings[f"{name}_ms_p50"], timings[f"{name}_ms_p95"] = p50, p95
    return timings


def _measure(client: Any, path: str, repeat: int) -> tuple[float, float]:
    for _ in range(3):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        resp = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200
    samples.sort()
    return round(statistics.median(samples), 1), round(samples[max(0, int(len(samples) * 0.95) - 1)], 1)


def _copy(db: Any, table: str, columns: list[str], rows: Any) -> None:
    connection = db.session.connection().connection.dbapi_connection
    with (
        connection.cursor() as cursor,
        cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _load_events(db: Any, rng: random.Random, total: int, user_ids: list[int], now: datetime) -> int:
    from engine.definition_model import ProcessDefinition

    xml = FIXTURE.read_text(encoding="utf-8")
    definitions = []
    for version in (1, 2):
        d = ProcessDefinition(key="analytics_sale", version=version, name="Sale (bench)", bpmn_xml=xml,
                              sha256=f"bench{version}".ljust(64, "0"))  # fmt: skip
        db.session.add(d)
        definitions.append(d)
    db.session.flush()
    counter = {"events": 0, "task": 0}

    def generate() -> Any:
        instance_id = 0
        while counter["events"] < total:
            instance_id += 1
            d = definitions[0] if rng.random() < 0.3 else definitions[1]
            key = f"interest:{instance_id}"
            at = now - timedelta(days=80) + timedelta(seconds=rng.randrange(80 * 86400))
            rows = [("instance_started", None, None, None, rng.choice(user_ids), at, "{}")]
            steps = [("Task_A", "Qualify")]
            yes = rng.random() < 0.6
            if yes:
                steps.append(("Task_B", "Negotiate"))
            for element, name in steps:
                counter["task"] += 1
                task_id = counter["task"]
                rows.append(("task_created", element, name, task_id, None, at, '{"lane": "sales"}'))
                at += HOUR * rng.expovariate(1 / 6)
                worker = rng.choice(user_ids)
                rows.append(("task_claimed", element, name, task_id, worker, at, "{}"))
                at += HOUR * rng.expovariate(1 / (30 if rng.random() < 0.03 else 4))
                if at > now:
                    break
                rows.append(("task_completed", element, name, task_id, worker, at, "{}"))
                if element == "Task_A":
                    flow, variant = ("Flow_yes", "Yes") if yes else ("Flow_no", "No")
                    details = json.dumps({"gateway": "GW", "flow": flow, "variant": variant})
                    rows.append(("variant_chosen", "GW", "Approved?", None, worker, at, details))
            else:
                if rng.random() < 0.05:
                    rows.append(("instance_suspended", None, None, None, None, at, "{}"))
                    at += HOUR * 3
                    rows.append(("instance_resumed", None, None, None, None, at, "{}"))
                if at <= now:
                    rows.append(
                        (
                            "instance_completed" if yes else "instance_cancelled",
                            None,
                            None,
                            None,
                            None,
                            at,
                            "{}",
                        )
                    )
            for kind, element, name, task_id, user_id, moment, details in rows:
                if counter["events"] >= total:
                    return
                counter["events"] += 1
                yield (instance_id, d.id, key, kind, element, name, task_id, user_id,
                       moment.replace(tzinfo=None), details)  # fmt: skip

    columns = ["instance_id", "definition_id", "business_key", "kind", "element_id", "element_name", "task_id",
               "user_id", "at", "details"]  # fmt: skip
    # The log is append-only in id order; rows are generated per instance, as a real log would interleave them
    # only more finely — the rollup reads by id either way.
    _copy(db, "process_events", columns, generate())
    db.session.commit()
    return counter["events"]


def _load_tickets(db: Any, rng: random.Random, total: int, user_ids: list[int], now: datetime) -> int:
    from crm.support.models import AppealType

    types = [AppealType(name="Claim", reaction_sla="PT2H working", processing_sla="P2D working"),
             AppealType(name="Question", reaction_sla="PT4H working", processing_sla="P1D working"),
             AppealType(name="Service request", reaction_sla="PT8H", processing_sla="P5D working")]  # fmt: skip
    db.session.add_all(types)
    db.session.flush()
    tickets, history = [], []
    for ticket_id in range(1, total + 1):
        created = now - timedelta(seconds=rng.randrange(60 * 86400))
        first = created + HOUR * rng.expovariate(1 / 3)
        resolved = first + HOUR * rng.expovariate(1 / 20)
        status = "resolved"
        if resolved > now:
            resolved, status = None, "in_progress"
        if first > now:
            first = None
        if rng.random() < 0.15:
            pause_from = created + HOUR * rng.uniform(0, 5)
            pause_to = pause_from + HOUR * rng.expovariate(1 / 8)
            if pause_from < now:
                history.append((ticket_id, "in_progress", "waiting_client", pause_from))
                if pause_to < now:
                    history.append((ticket_id, "waiting_client", "in_progress", pause_to))
                else:
                    status, resolved = "waiting_client", None
        naive = lambda m: None if m is None else m.replace(tzinfo=None)  # noqa: E731
        tickets.append((ticket_id, rng.choice(types).id, f"Appeal {ticket_id}", status, rng.choice(user_ids),
                        naive(created), naive(created), naive(first), naive(resolved), "", "normal", "phone"))  # fmt: skip
    _copy(db, "tickets", ["id", "appeal_type_id", "subject", "status", "responsible_id", "created_at", "updated_at",
                          "first_response_at", "resolved_at", "description", "priority", "channel"], tickets)  # fmt: skip
    _copy(db, "change_log", ["entity", "entity_id", "action", "field", "old_value", "new_value", "at"],
          (("ticket", t, "update", "status", old, new, at.replace(tzinfo=None)) for t, old, new, at in history))  # fmt: skip
    db.session.execute(
        text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))")
    )
    db.session.commit()
    return total


if __name__ == "__main__":
    raise SystemExit(main())
