"""bench/engine.py still runs against the engine it measures (the figures are printed, never asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from engine.db import db
from engine.humantask_model import COMPLETED, HumanTask

BENCH = Path(__file__).resolve().parents[3] / "bench" / "engine.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_overhead_rounds_take_every_kind_in_turns(app: Any) -> None:
    bench = _bench()
    found = bench.overhead(app, 2, cold=True)
    # Two rounds of one workflow (10 completions) per kind; every durable completion really completed a task.
    assert {kind: len(samples) for kind, samples in found.items()} == {"raw": 20, "warm": 20, "cold": 20}
    assert all(sample > 0 for samples in found.values() for sample in samples)
    completed = db.session.scalar(db.select(db.func.count()).where(HumanTask.status == COMPLETED))
    assert completed == 40


def test_raw_cycle_runs_a_ten_task_map_to_its_end() -> None:
    raw = _bench().RawCycle()
    assert len(raw.samples()) == 10
