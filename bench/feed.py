"""Feed and client-search latency on a big base (PostgreSQL).

    .venv/bin/python bench/feed.py                 # 100,000 clients, 1,000,000 Feed entries
    .venv/bin/python bench/feed.py --json          # one JSON object (feed_first_page_ms_p95, ...)
    .venv/bin/python bench/feed.py --clients 20000 --feed 200000 --rebuild

Builds the scale data (crm.demo.scale_data) once in a throw-away database on 127.0.0.1 and reuses it on the
next run; ``--rebuild`` drops it first. The big client has 10,000 Feed entries and 200 interests with 10
process events each. Times are wall-clock per service call (``feed_for`` / ``search_everything``), warm.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/routemap_bench_feed"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    _ensure_database(args.url, drop=args.rebuild)
    from webui import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "REDIS_URL": "", "TESTING": True}
    )
    with app.app_context():
        results = _run(args)
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
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--feed", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=100, help="timed calls per measurement")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def _ensure_database(url: str, *, drop: bool) -> None:
    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        raise SystemExit("bench/feed.py measures PostgreSQL: pass a postgresql:// URL")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if drop:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _run(args: argparse.Namespace) -> dict[str, Any]:
    from crm.accounts.models import User
    from crm.demo.scale_data import find_scale_data, generate_scale_data
    from engine.db import db

    db.create_all()
    data = find_scale_data()
    build_seconds = None
    if data is None or data.clients < args.clients or data.feed_entries < args.feed:
        started = time.perf_counter()
        data = generate_scale_data(args.clients, args.feed, seed=args.seed, progress=_progress(args.json))
        build_seconds = round(time.perf_counter() - started, 1)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    manager = db.session.get(User, data.manager_id)
    assert manager is not None
    results: dict[str, Any] = {
        "clients": data.clients,
        "feed_entries": data.feed_entries,
        "build_seconds": build_seconds,
        "repeat": args.repeat,
    }
    results.update(_feed_timings(manager, data.big_client_id, args.repeat))
    results.update(_search_timings(manager, args.repeat, args.seed))
    return results


def _feed_timings(manager: Any, client_id: int, repeat: int) -> dict[str, Any]:
    from crm.feed.services import feed_for

    first = feed_for(manager, client_id=client_id)
    deep_cursor = first.next_cursor
    for _ in range(20):  # walk 20 pages down for a "deep page" cursor
        deep_cursor = feed_for(manager, client_id=client_id, before=deep_cursor).next_cursor
    out = {}
    for name, call in {
        "feed_first_page": lambda: feed_for(manager, client_id=client_id),
        "feed_page_21": lambda: feed_for(manager, client_id=client_id, before=deep_cursor),
        "feed_letters_only": lambda: feed_for(manager, client_id=client_id, kinds=["letter"]),
        "feed_variants_only": lambda: feed_for(manager, client_id=client_id, kinds=["variant_chosen"]),
    }.items():
        out.update(_timed(name, call, repeat))
    return out


def _search_timings(manager: Any, repeat: int, seed: int) -> dict[str, Any]:
    try:
        from crm.search import search_everything
    except ImportError:
        return {
            "client_search_ms_p95": None,
            "client_search_note": "crm.search.search_everything not present",
        }
    from sqlalchemy import select

    from crm.clients.models import Client, ContactDetail
    from engine.db import db

    rng = random.Random(seed)
    sample = list(db.session.scalars(select(Client).where(Client.inn.is_not(None)).limit(2000)))
    phones = list(
        db.session.scalars(select(ContactDetail.value).where(ContactDetail.kind == "phone").limit(2000))
    )
    emails = list(
        db.session.scalars(select(ContactDetail.value).where(ContactDetail.kind == "email").limit(2000))
    )
    queries = {
        "search_by_name": lambda: search_everything(manager, rng.choice(sample).name.split("«")[-1][:8]),
        "search_by_phone": lambda: search_everything(manager, rng.choice(phones)),
        "search_by_email": lambda: search_everything(manager, rng.choice(emails)),
        "search_by_inn": lambda: search_everything(manager, rng.choice(sample).inn or ""),
    }
    out: dict[str, Any] = {}
    all_times: list[float] = []
    for name, call in queries.items():
        times = _times(call, repeat)
        all_times += times
        out.update(_summary(name, times))
    out.update(_summary("client_search", all_times))
    return out


def _times(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm the caches and the statement cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _timed(name: str, call: Callable[[], Any], repeat: int) -> dict[str, float]:
    return _summary(name, _times(call, repeat))


def _summary(name: str, times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {f"{name}_ms_p50": round(statistics.median(ordered), 2), f"{name}_ms_p95": round(p95, 2)}


def _progress(quiet: bool) -> Callable[[str, int, int], None]:
    def report(stage: str, done: int, total: int) -> None:
        print(f"  {stage}: {done:,}/{total:,}", file=sys.stderr, flush=True)

    return report


def _print(results: dict[str, Any]) -> None:
    print(f"Base: {results['clients']:,} clients, {results['feed_entries']:,} Feed entries")
    if results["build_seconds"] is not None:
        print(f"Built in {results['build_seconds']} s")
    for key in sorted(k for k in results if k.endswith("_ms_p50")):
        name = key[: -len("_ms_p50")]
        print(f"{name:<24} p50 {results[key]:>8.2f} ms   p95 {results[name + '_ms_p95']:>8.2f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
