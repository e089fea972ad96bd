"""Background jobs: a real round trip through Redis, the in-process runner, and enqueue-after-commit."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from engine.db import db
from engine.heartbeat import JobHeartbeat
from engine.jobs import enqueue
from engine.tasks import HEARTBEAT
from tests.conftest import make_sqlite_app
from webui.jobs import CeleryDispatcher, InProcessDispatcher, InProcessScheduler


def _wait_for_heartbeat(app, worker, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            row = db.session.get(JobHeartbeat, worker)
            if row is not None:
                return row
            db.session.remove()
        time.sleep(0.1)
    raise AssertionError(f"no heartbeat from {worker} within {timeout}s")


@pytest.mark.redis
def test_celery_round_trip_through_real_redis(tmp_path, redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    app = make_sqlite_app(tmp_path, REDIS_URL=redis_url, JOBS_EAGER=False)
    assert isinstance(app.extensions["routemap.dispatcher"], CeleryDispatcher)
    celery_app = app.extensions["celery"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with app.app_context():
            enqueue(HEARTBEAT, "redis-round-trip")
            db.session.commit()
        row = _wait_for_heartbeat(app, "redis-round-trip")
    assert row.runs == 1


def test_in_process_dispatcher_runs_jobs_in_a_thread(tmp_path):
    app = make_sqlite_app(tmp_path, JOBS_EAGER=False)
    dispatcher = app.extensions["routemap.dispatcher"]
    assert isinstance(dispatcher, InProcessDispatcher)
    with app.app_context():
        enqueue(HEARTBEAT, "in-process")
        db.session.commit()
    assert _wait_for_heartbeat(app, "in-process").runs == 1
    dispatcher.pool.shutdown(wait=True)


def test_in_process_scheduler_runs_periodic_jobs_on_their_interval(tmp_path):
    app = make_sqlite_app(tmp_path)  # eager dispatch: the job runs inside run_due
    scheduler = InProcessScheduler(app)
    assert HEARTBEAT in scheduler.run_due(now=1000.0)
    assert HEARTBEAT not in scheduler.run_due(now=1001.0)  # its interval has not passed
    assert HEARTBEAT in scheduler.run_due(now=1000.0 + 61)
    with app.app_context():
        rows = db.session.query(JobHeartbeat).all()
        assert sum(r.runs for r in rows) == 2


def test_jobs_are_sent_only_after_commit_and_dropped_on_rollback(tmp_path):
    app = make_sqlite_app(tmp_path)
    sent = []

    class Recorder:
        def dispatch(self, name, args):
            sent.append((name, args))

    app.extensions["routemap.dispatcher"] = Recorder()
    with app.app_context():
        enqueue(HEARTBEAT, "a")
        assert sent == []  # not before the commit
        db.session.commit()
        assert sent == [(HEARTBEAT, ("a",))]
        enqueue(HEARTBEAT, "b")
        db.session.rollback()
        db.session.commit()
        assert sent == [(HEARTBEAT, ("a",))]


def test_a_job_queued_in_a_rolled_back_savepoint_is_dropped(tmp_path):
    app = make_sqlite_app(tmp_path)
    sent = []

    class Recorder:
        def dispatch(self, name, args):
            sent.append(args)

    app.extensions["routemap.dispatcher"] = Recorder()
    with app.app_context():
        enqueue(HEARTBEAT, "outer")
        savepoint = db.session.begin_nested()
        enqueue(HEARTBEAT, "inside-failed-savepoint")
        savepoint.rollback()
        with db.session.begin_nested():
            enqueue(HEARTBEAT, "inside-kept-savepoint")
        db.session.commit()
    assert sent == [("outer",), ("inside-kept-savepoint",)]


def test_releasing_a_savepoint_sends_nothing_before_the_real_commit(tmp_path):
    app = make_sqlite_app(tmp_path)
    sent = []

    class Recorder:
        def dispatch(self, name, args):
            sent.append(args)

    app.extensions["routemap.dispatcher"] = Recorder()
    with app.app_context():
        enqueue(HEARTBEAT, "before-savepoint")
        with db.session.begin_nested():
            enqueue(HEARTBEAT, "inside-savepoint")
        assert sent == []  # the savepoint's release is not the commit
        db.session.rollback()
        db.session.commit()
        assert sent == []  # the outer rollback dropped both
        enqueue(HEARTBEAT, "kept")
        with db.session.begin_nested():
            enqueue(HEARTBEAT, "kept-inside")
        assert sent == []
        db.session.commit()
    assert sent == [("kept",), ("kept-inside",)]
