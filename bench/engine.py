"""Engine throughput and overhead (SQLite file and a throw-away PostgreSQL database on 127.0.0.1).

    .venv/bin/python bench/engine.py                 # full run, a table
    .venv/bin/python bench/engine.py --quick --json  # under a minute, one JSON object

Prints: (a) the raw SpiffWorkflow cycle (deserialize -> complete -> engine steps -> serialize) for a
10-user-task map, (b) the same completion through the engine with a durable commit, (c) their ratio (also
"cold": with the engine's per-process workflow cache emptied before every completion); (a) and (b) are
measured in turns, one workflow of each at a time, and compared by their medians,
(d) completions/s on SQLite and PostgreSQL with 1 and 2 worker processes, (e) the cost of a completion after
10 vs 500 completed steps, (f) one scheduler tick with 1,000 vs 100,000 waiting timers (10 due each time).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOOP_BPMN = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bpmn" / "rt_loop.bpmn"
).read_text()


def ten_task_bpmn() -> str:
    """A route map of 10 user tasks in a row (the DESIGN.md reference map)."""
    tasks, flows = [], []
    previous = "StartEvent_1"
    for i in range(1, 11):
        tasks.append(f'<bpmn:userTask id="Task_{i}" name="Step {i}" />')
        flows.append(f'<bpmn:sequenceFlow id="F{i}" sourceRef="{previous}" targetRef="Task_{i}" />')
        previous = f"Task_{i}"
    flows.append(f'<bpmn:sequenceFlow id="F_end" sourceRef="{previous}" targetRef="EndEvent_1" />')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" '
        'targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="bench_ten" isExecutable="true">'
        '<bpmn:startEvent id="StartEvent_1" />'
        + "".join(tasks)
        + '<bpmn:endEvent id="EndEvent_1" />'
        + "".join(flows)
        + "</bpmn:process></bpmn:definitions>"
    )


# --- app / database -------------------------------------------------------------------------------------------


def make_app(url: str, *, create_tables: bool = True) -> Any:
    from engine.db import db
    from webui import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": "",
            "TESTING": True,
            "JOBS_EAGER": True,
        }
    )
    if create_tables:
        with app.app_context():
            db.create_all()
    return app


def create_pg_database() -> str | None:
    name = f"routemap_bench_engine_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # no server: report and carry on with SQLite
        print(f"PostgreSQL unavailable ({type(exc).__name__}); skipping PostgreSQL figures", file=sys.stderr)
        return None
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- (a)-(c) raw cycle against durable completion, interleaved ------------------------------------------------


class RawCycle:
    """(a): deserialize -> complete one user task -> engine steps -> serialize, in memory, with the engine's
    own spec-less state format (``engine.serialization``) and no database."""

    def __init__(self) -> None:
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

        parser = SpiffBpmnParser()
        parser.add_bpmn_str(ten_task_bpmn().encode())
        self.spec = parser.get_spec("bench_ten")
        self.subs = parser.get_subprocess_specs("bench_ten")

    def samples(self) -> list[float]:
        """Seconds per completion of one workflow's 10 user tasks."""
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        from engine.serialization import dump_state, load_state

        workflow = BpmnWorkflow(self.spec, self.subs)
        workflow.do_engine_steps()
        state = dump_state(workflow)
        out = []
        for step in range(10):
            started = time.perf_counter()
            workflow = load_state(state, self.spec, self.subs, workflow.script_engine)
            [task] = workflow.get_tasks(state=TaskState.READY)
            task.data["value"] = step
            task.run()
            workflow.do_engine_steps()
            state = dump_state(workflow)
            out.append(time.perf_counter() - started)
        return out


def p50_mean_ms(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples) * 1000, statistics.mean(samples) * 1000


def deploy_ten() -> int:
    from engine.definitions import deploy

    return int(deploy(ten_task_bpmn()).definition.id)


def complete_instance(instance_id: int) -> int:
    """Complete every task of one instance through the engine; returns completions done."""
    from engine.humantasks import complete_task
    from engine.task_queries import tasks_for_instance

    done = 0
    while True:
        open_tasks = tasks_for_instance(instance_id, open_only=True)
        if not open_tasks:
            return done
        complete_task(open_tasks[0].id, 1, {"value": done})
        done += 1


def durable_samples(definition_id: int, *, cold: bool = False) -> list[float]:
    """(b): seconds per ``complete_task`` call (read, step, durable commit) for one new instance's 10 tasks.

    The product keeps a committed step's workflow for the instance's next step (``engine.workflow_cache``),
    and consecutive completions here reuse it. ``cold`` empties that cache before every call (outside the
    clock): each completion then deserializes the stored state, as after a restart or in another process.
    """
    from engine.humantasks import complete_task
    from engine.instances import start_instance
    from engine.task_queries import tasks_for_instance
    from engine.workflow_cache import clear_workflow_cache

    instance = start_instance(definition_id=definition_id)
    out = []
    for step in range(10):
        [task] = tasks_for_instance(instance.id, open_only=True)
        if cold:
            clear_workflow_cache()
        started = time.perf_counter()
        complete_task(task.id, 1, {"value": step})
        out.append(time.perf_counter() - started)
    return out


def overhead(app: Any, rounds: int, *, cold: bool) -> dict[str, list[float]]:
    """Samples of (a), (b) and, with ``cold``, (b) with the workflow cache emptied, taken in turns.

    Each round runs one workflow of each kind, in an order that rotates from round to round, so that a
    slow or fast spell of a shared machine falls on all of them alike instead of on one whole series.
    """
    raw = RawCycle()
    kinds = ["raw", "warm", "cold"] if cold else ["raw", "warm"]
    found: dict[str, list[float]] = {kind: [] for kind in kinds}
    with app.app_context():
        definition_id = deploy_ten()
        for round_no in range(rounds):
            shift = round_no % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                if kind == "raw":
                    found[kind] += raw.samples()
                else:
                    found[kind] += durable_samples(definition_id, cold=kind == "cold")
    return found


# --- (d) throughput with worker processes ----------------------------------------------------------------------


def _worker(url: str, instance_ids: list[int], go: Any, out: Any) -> None:
    try:
        app = make_app(url, create_tables=False)
        with app.app_context():
            from engine.db import db

            db.session.execute(text("SELECT 1"))  # connect before the clock starts
            db.session.rollback()
            out.put(("ready", 0))
            go.wait()
            done = sum(complete_instance(i) for i in instance_ids)
        out.put(("ok", done))
    except BaseException as exc:  # report instead of leaving the parent waiting forever
        out.put(("error", f"{type(exc).__name__}: {str(exc)[:500]}"))


def throughput(url: str, processes: int, instances: int) -> float:
    """Completions per second with ``processes`` workers, each finishing its own instances."""
    from engine.db import db
    from engine.instances import start_instance

    app = make_app(url)
    with app.app_context():
        definition_id = deploy_ten()
        ids = [start_instance(definition_id=definition_id).id for _ in range(instances)]
        db.engine.dispose()
    ctx = mp.get_context("spawn")
    out, go = ctx.Queue(), ctx.Event()
    workers = [ctx.Process(target=_worker, args=(url, ids[i::processes], go, out)) for i in range(processes)]
    for w in workers:
        w.start()
    ready = [out.get(timeout=300) for _ in workers]  # every worker imported the app and connected
    if any(status != "ready" for status, _ in ready):
        raise RuntimeError(f"worker failed to start: {ready}")
    started = time.perf_counter()
    go.set()
    reports = [out.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    errors = [detail for status, detail in reports if status != "ok"]
    if errors:
        raise RuntimeError(f"worker failed: {errors[0]}")
    return sum(done for _status, done in reports) / elapsed


# --- (e) growth with history -----------------------------------------------------------------------------------


def growth(app: Any, long_steps: int, samples: int) -> tuple[float, float]:
    """Median ms of a completion after 10 and after ``long_steps`` completed steps (loop map)."""
    from engine.definitions import deploy
    from engine.humantasks import complete_task
    from engine.instances import start_instance
    from engine.task_queries import tasks_for_instance

    def timed(instance_id: int) -> float:
        [task] = tasks_for_instance(instance_id, open_only=True)
        started = time.perf_counter()
        complete_task(task.id, 1, {})
        return time.perf_counter() - started

    with app.app_context():
        definition_id = deploy(LOOP_BPMN).definition.id
        instance = start_instance(definition_id=definition_id, data={"target": long_steps + samples + 100})
        at_10, at_long = [], []
        for n in range(long_steps + samples):
            cost = timed(instance.id)
            if 10 <= n < 10 + samples:
                at_10.append(cost)
            elif n >= long_steps:
                at_long.append(cost)
    return statistics.median(at_10) * 1000, statistics.median(at_long) * 1000


# --- (f) scheduler tick ----------------------------------------------------------------------------------------


def tick_ms(app: Any, waiting: int) -> float:
    """One ``fire_due_timers`` tick with ``waiting`` future timers and 10 due ones."""
    from engine.db import db, utcnow
    from engine.definitions import deploy
    from engine.instances import start_instance
    from engine.timers import fire_due_timers
    from engine.wait_models import WaitingTimer

    timer_map = (Path(__file__).resolve().parent.parent / "tests/fixtures/bpmn/rt_timers.bpmn").read_text()
    with app.app_context():
        db.session.execute(text("DELETE FROM timers"))
        db.session.commit()
        definition_id = deploy(timer_map).definition.id
        now = utcnow()
        due_instances = [start_instance(definition_id=definition_id, now=now).id for _ in range(10)]
        filler = start_instance(definition_id=definition_id, now=now).id
        # The filler only anchors the waiting rows; its own timers are removed so it is never stepped here.
        db.session.execute(WaitingTimer.__table__.delete().where(WaitingTimer.instance_id == filler))
        far = now + timedelta(days=365)
        rows = [
            {
                "instance_id": filler,
                "spiff_task_id": str(uuid.uuid4()),
                "element_id": "Escalate",
                "due_at": far + timedelta(seconds=i),
            }
            for i in range(waiting)
        ]
        for chunk in range(0, len(rows), 5000):
            db.session.execute(WaitingTimer.__table__.insert(), rows[chunk : chunk + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE timers"))
            db.session.commit()
        started = time.perf_counter()
        fired = fire_due_timers(now=now + timedelta(hours=2))
        elapsed = time.perf_counter() - started
        assert fired >= len(due_instances), fired
    return elapsed * 1000


# --- driver ----------------------------------------------------------------------------------------------------


def run(quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"loadavg_start": _loadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_app = make_app(f"sqlite:///{tmp}/bench.db")
        from engine.workflow_cache import workflow_cache_stats

        before = workflow_cache_stats()
        found = overhead(sqlite_app, 20 if quick else 60, cold=True)
        after = workflow_cache_stats()
        results["raw_cycle_ms"], results["raw_cycle_ms_mean"] = p50_mean_ms(found["raw"])
        _progress(results)
        p50, mean = p50_mean_ms(found["warm"])
        results["durable_completion_ms_sqlite"], results["durable_completion_ms_sqlite_mean"] = p50, mean
        _progress(results)
        # How many completions reused the previous step's workflow (engine.workflow_cache): every warm one
        # (starting an instance keeps its workflow too), none of the cold ones.
        hits, misses = after["hits"] - before["hits"], after["misses"] - before["misses"]
        results["workflow_cache_hits_sqlite"] = f"{hits}/{hits + misses}"
        _progress(results)
        # (c) compares medians (p50): on a shared machine the means carry scheduler noise.
        results["overhead_ratio"] = results["durable_completion_ms_sqlite"] / results["raw_cycle_ms"]
        _progress(results)
        results["durable_completion_ms_sqlite_cold"] = p50_mean_ms(found["cold"])[0]
        _progress(results)
        results["overhead_ratio_cold"] = (
            results["durable_completion_ms_sqlite_cold"] / results["raw_cycle_ms"]
        )
        _progress(results)
        results["completions_per_s_sqlite"] = throughput(f"sqlite:///{tmp}/bench.db", 1, 20 if quick else 100)
        _progress(results)
        results["completions_per_s_sqlite_2proc"] = throughput(
            f"sqlite:///{tmp}/bench.db", 2, 20 if quick else 100
        )
        _progress(results)
        long_steps = 500
        at_10, at_long = growth(sqlite_app, long_steps, 10 if quick else 30)
        results["completion_ms_after_10"] = at_10
        _progress(results)
        results["completion_ms_after_500"] = at_long
        _progress(results)
        results["growth_500_vs_10"] = at_long / at_10
        _progress(results)
        pg_url = create_pg_database()
        if pg_url:
            try:
                pg_app = make_app(pg_url)
                found = overhead(pg_app, 10 if quick else 30, cold=False)
                p50, mean = p50_mean_ms(found["warm"])
                results["durable_completion_ms_pg"], results["durable_completion_ms_pg_mean"] = p50, mean
                _progress(results)
                # Against the raw cycle measured in the same turns.
                results["overhead_ratio_pg"] = p50 / p50_mean_ms(found["raw"])[0]
                _progress(results)
                results["completions_per_s_pg_1proc"] = throughput(pg_url, 1, 30 if quick else 100)
                _progress(results)
                results["completions_per_s_pg_2proc"] = throughput(pg_url, 2, 40 if quick else 150)
                _progress(results)
                small = tick_ms(pg_app, 1_000)
                big = tick_ms(pg_app, 100_000)
                results["tick_ms_1k_pg"], results["tick_ms_100k_pg"] = small, big
                _progress(results)
                results["tick_ratio_100k_vs_1k"] = big / small
                _progress(results)
                with pg_app.app_context():
                    from engine.db import db

                    db.engine.dispose()
            finally:
                drop_pg_database(pg_url)
        else:
            small, big = tick_ms(sqlite_app, 1_000), tick_ms(sqlite_app, 100_000)
            results["tick_ms_1k_sqlite"], results["tick_ms_100k_sqlite"] = small, big
            _progress(results)
            results["tick_ratio_100k_vs_1k"] = big / small
            _progress(results)
            results["completions_per_s_pg_2proc"] = None
            _progress(results)
    results["loadavg_end"] = _loadavg()
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}


def _loadavg() -> str | None:
    """The machine's 1/5/15-minute load averages (figures from a loaded machine are pessimistic)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return None


def _progress(results: dict[str, Any]) -> None:
    last = list(results)[-1]
    print(f"  {last} = {results[last]}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    results = run(args.quick)
    if args.json:
        print(json.dumps(results, sort_keys=True))
    else:
        width = max(len(k) for k in results)
        for key, value in results.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
