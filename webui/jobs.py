"""Background jobs: Celery with Redis in production, the same jobs in-process without Redis.

``routemap worker`` / ``routemap beat`` run Celery against ``REDIS_URL``. With no ``REDIS_URL`` the app
dispatches jobs to a small thread pool, and ``routemap serve`` also starts a scheduler thread that runs the
periodic jobs, so one command gives a working system. Tests can set ``JOBS_EAGER`` to run jobs synchronously
right after the commit that enqueued them.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from celery import Celery, Task
from flask import Flask

from engine import jobs as engine_jobs

log = logging.getLogger(__name__)

TASK_MODULES = ("engine.tasks", "engine.analytics.tasks", "crm.tasks", "crm.monitoring.tasks")


def celery_init_app(app: Flask) -> Celery:
    """The Flask docs' FlaskTask pattern: every task body runs inside an app context."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    redis_url = app.config.get("REDIS_URL") or "memory://"
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=redis_url,
        result_backend=app.config.get("REDIS_URL") or None,
        task_ignore_result=not app.config.get("REDIS_URL"),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=300,
        task_soft_time_limit=240,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            name: {"task": name, "schedule": seconds} for name, seconds in engine_jobs.PERIODIC.items()
        },
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


class CeleryDispatcher:
    def __init__(self, celery_app: Celery) -> None:
        self.celery_app = celery_app

    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None:
        self.celery_app.send_task(task_name, args=args)


class SyncDispatcher:
    """Runs the job in the calling thread (tests)."""

    def __init__(self, celery_app: Celery) -> None:
        self.celery_app = celery_app

    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None:
        result = self.celery_app.tasks[task_name].apply(args=args)
        if result.failed():
            log.error("job %s%r failed: %s", task_name, args, result.result)


class InProcessDispatcher:
    """A small thread pool inside the web process: the no-Redis set-up of `make run`."""

    def __init__(self, celery_app: Celery, workers: int = 2) -> None:
        self.celery_app = celery_app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="routemap-job")

    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None:
        self.pool.submit(self._run, task_name, args)

    def _run(self, task_name: str, args: tuple[Any, ...]) -> None:
        result = self.celery_app.tasks[task_name].apply(args=args)
        if result.failed():
            log.error("job %s%r failed: %s", task_name, args, result.result)


def init_app(app: Flask) -> None:
    import importlib

    for module in TASK_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    celery_app = celery_init_app(app)
    dispatcher: Any
    if app.config.get("JOBS_EAGER"):
        dispatcher = SyncDispatcher(celery_app)
    elif app.config.get("REDIS_URL"):
        dispatcher = CeleryDispatcher(celery_app)
    else:
        dispatcher = InProcessDispatcher(celery_app)
    app.extensions["routemap.dispatcher"] = dispatcher


def run_jobs_inline(app: Flask) -> None:
    """Run jobs in the calling thread from now on: one-shot commands (`routemap demo-data`) finish their
    follow-up work before they exit, in order, instead of racing it in background threads."""
    app.extensions["routemap.dispatcher"] = SyncDispatcher(app.extensions["celery"])


class InProcessScheduler:
    """Runs ``engine.jobs.PERIODIC`` on their intervals in a daemon thread (no beat, no Redis)."""

    def __init__(self, app: Flask, tick: float = 1.0) -> None:
        self.app = app
        self.tick = tick
        self._stop = threading.Event()
        self._next_run: dict[str, float] = {}
        self.thread = threading.Thread(target=self._loop, name="routemap-scheduler", daemon=True)

    def start(self) -> InProcessScheduler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)

    def run_due(self, now: float | None = None) -> list[str]:
        """Dispatch every periodic job whose time has come; returns their names."""
        now = time.monotonic() if now is None else now
        dispatcher = self.app.extensions["routemap.dispatcher"]
        ran = []
        for name, interval in engine_jobs.PERIODIC.items():
            if now >= self._next_run.get(name, 0.0):
                self._next_run[name] = now + interval
                dispatcher.dispatch(name, ())
                ran.append(name)
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # the scheduler must outlive one failing job
                log.exception("in-process scheduler tick failed")
            self._stop.wait(self.tick)
