"""Server time of the employees' pages on the scale data (PostgreSQL), through the Flask test client.

    .venv/bin/python bench/pages.py                 # 10,000 open tasks; client with 10,000 Feed entries
    .venv/bin/python bench/pages.py --json          # {"my_tasks_ms_p95": ..., "client_card_ms_p95": ..., ...}
                                                    # plus <page>_cpu_ms_min and <page>_statements
    .venv/bin/python bench/pages.py --tasks 20000 --rebuild

Builds once, in a throw-away database on 127.0.0.1, the scale data (``crm.demo.scale_data``: the big client has
10,000 Feed entries and 200 interests) plus ``--tasks`` open human tasks in the engine's projection for the
interests of the scale manager: half assigned to them, half waiting unassigned in their lane "manager" (as
the engine writes them). The next run reuses it; ``--rebuild`` drops it first. Times are the whole request —
routing, log-in session, queries, template — measured around ``test_client.get`` after two warm-up calls.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/routemap_bench_pages"
BENCH_KEY = "bench_pages"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    _ensure_database(args.url, drop=args.rebuild)
    from webui import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "REDIS_URL": "",
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "LOGIN_MAX_ATTEMPTS": 1000})  # fmt: skip
    with app.app_context():
        setup = _prepare(args)
    results = _measure(app, setup, args.repeat)
    if args.json:
        print(json.dumps(results, sort_keys=True))
    else:
        _print(results)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL database to build/reuse")
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--feed", type=int, default=100_000, help="Feed entries in all (>= 10,000)")
    parser.add_argument("--tasks", type=int, default=10_000, help="open human tasks of the scale manager")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per page")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def _ensure_database(url: str, *, drop: bool) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        raise SystemExit("bench/pages.py measures PostgreSQL: pass a postgresql:// URL")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if drop:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _prepare(args: argparse.Namespace) -> dict[str, Any]:
    from crm.demo.scale_data import find_scale_data, generate_scale_data
    from engine.db import db
    from engine.humantask_model import OPEN, HumanTask

    db.create_all()
    data = find_scale_data()
    if data is None or data.clients < args.clients or data.feed_entries < args.feed:
        data = generate_scale_data(args.clients, args.feed, progress=_progress(args.json))
    have = db.session.scalar(
        select(func.count())
        .select_from(HumanTask)
        .where(HumanTask.status == OPEN, HumanTask.element_id == BENCH_KEY)
    )
    if (have or 0) < args.tasks:
        _load_tasks(data.manager_id, args.tasks - int(have or 0))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"client_id": data.big_client_id, "tasks": args.tasks, "feed": 10_000}


def _load_tasks(manager_id: int, count: int) -> None:
    """``count`` open tasks (and their instances) over the scale manager's interests, in bulk."""
    from crm.deals.models import Interest
    from crm.demo.bulk import bulk_insert, next_id, reset_id_sequence
    from engine.db import db, utcnow
    from engine.definition_model import ProcessDefinition
    from engine.humantask_model import HumanTask
    from engine.instance_model import ProcessInstance

    definition = db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == BENCH_KEY)
    ).first()
    if definition is None:
        definition = ProcessDefinition(key=BENCH_KEY, version=1, name="Sale (bench)", bpmn_xml="<definitions/>",
                                       sha256="1" * 64)  # fmt: skip
        db.session.add(definition)
        db.session.flush()
    interests = list(db.session.scalars(select(Interest.id).where(Interest.responsible_id == manager_id)))
    rng, now = random.Random(7), utcnow()
    first_instance, first_task = next_id(ProcessInstance.__table__), next_id(HumanTask.__table__)
    instances, tasks = [], []
    for n in range(count):
        key = f"interest:{rng.choice(interests)}"
        instance_id = first_instance + n
        created = now - timedelta(hours=rng.randint(0, 24 * 30))
        instances.append({"id": instance_id, "definition_id": definition.id, "process_key": BENCH_KEY,
                          "business_key": key, "status": "running", "state": "", "version": 1,
                          "started_at": created, "updated_at": created})  # fmt: skip
        tasks.append({"id": first_task + n, "instance_id": instance_id, "definition_id": definition.id,
                      "business_key": key, "spiff_task_id": f"{n:036d}", "element_id": BENCH_KEY,
                      "element_name": rng.choice(["Qualify the interest", "Prepare a proposal", "Call back"]),
                      "lane": "manager", "assignee_id": manager_id if n % 2 else None, "form_name": None,
                      "instructions": "", "priority": rng.randint(0, 3), "status": "open", "created_at": created,
                      "due_at": created + timedelta(hours=rng.randint(1, 24 * 40))})  # fmt: skip
    bulk_insert(ProcessInstance.__table__, instances)  # type: ignore[arg-type]
    bulk_insert(HumanTask.__table__, tasks)  # type: ignore[arg-type]
    reset_id_sequence(ProcessInstance.__table__)  # type: ignore[arg-type]
    reset_id_sequence(HumanTask.__table__)  # type: ignore[arg-type]
    db.session.commit()


def _measure(app: Any, setup: dict[str, Any], repeat: int) -> dict[str, Any]:
    client = app.test_client()
    resp = client.post("/login", data={"username": "scale_manager", "password": "scale_manager"})
    if resp.status_code != 302:
        raise SystemExit(f"log-in as scale_manager failed ({resp.status_code})")
    results: dict[str, Any] = {"open_tasks": setup["tasks"], "client_feed_entries": setup["feed"],
                               "repeat": repeat}  # fmt: skip
    pages = {
        "my_tasks": "/tasks",
        "my_tasks_overdue_by_priority": "/tasks?due=overdue&sort=priority",
        "client_card": f"/clients/{setup['client_id']}",
    }
    if "clients.card" not in app.view_functions:
        pages.pop("client_card")
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    from engine.db import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    for name, url in pages.items():
        times, cpu = _times(client, url, repeat)
        results[f"{name}_ms_p50"] = round(statistics.median(times), 2)
        results[f"{name}_ms_p95"] = round(_p95(times), 2)
        # In-process CPU (time.process_time) is steadier than wall time on a shared machine.
        results[f"{name}_cpu_ms_min"] = round(min(cpu), 2)
        statements[0] = 0
        _get(client, url)
        results[f"{name}_statements"] = statements[0]
    event.remove(engine, "before_cursor_execute", count)
    results.setdefault("client_card_ms_p95", None)
    return results


def _times(client: Any, url: str, repeat: int) -> tuple[list[float], list[float]]:
    for _ in range(2):
        _get(client, url)
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        _get(client, url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu


def _get(client: Any, url: str) -> None:
    resp = client.get(url)
    if resp.status_code != 200:
        raise SystemExit(f"GET {url} answered {resp.status_code}")


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _progress(quiet: bool) -> Any:
    def report(stage: str, done: int, total: int) -> None:
        if not quiet:
            print(f"  {stage}: {done:,}/{total:,}", file=sys.stderr)

    return report


def _print(results: dict[str, Any]) -> None:
    print(f"Pages on PostgreSQL: {results['open_tasks']:,} open tasks, a client with "
          f"{results['client_feed_entries']:,} Feed entries, {results['repeat']} requests each")  # fmt: skip
    for key in sorted(k for k in results if k.endswith("_ms_p50")):
        name = key[: -len("_ms_p50")]
        print(f"  {name:32} p50 {results[key]:8.2f} ms   p95 {results[name + '_ms_p95']:8.2f} ms   "
              f"CPU min {results[name + '_cpu_ms_min']:6.2f} ms   {results[name + '_statements']} statements")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
