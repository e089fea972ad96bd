"""Shared fixtures: the app on SQLite (default) and on real PostgreSQL, real Redis when reachable.

- ``app`` / ``client``: SQLite file in a temp folder, tables created fresh for each test.
- ``pg_app``: a throw-away PostgreSQL database (one per test session, truncated between tests), skipped with
  the reason printed when ``TEST_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/test) is down.
- ``any_app``: parametrised over both, for model and service tests that must hold on each backend.
- ``redis_url``: ``TEST_REDIS_URL`` (default redis://127.0.0.1:6379/15), skipped when unreachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.db import db
from webui import create_app

# Real IMAP (Dovecot) and SMTP (aiosmtpd) servers on 127.0.0.1: dovecot, imap_user, smtp_server, ...
pytest_plugins = ["tests.mail_servers"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def base_config(**extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "JOBS_EAGER": True,
        "REDIS_URL": "",
        "DEMO_MODE": False,
        "LOGIN_MAX_ATTEMPTS": 5,
    }
    config.update(extra)
    return config


def make_sqlite_app(tmp_path: Any, **extra: Any) -> Flask:
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'test.db'}", **extra))
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    app = make_sqlite_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    try:
        eng = create_engine(_sqlalchemy_pg(TEST_DATABASE_URL), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure means: no server to test against
        return f"PostgreSQL at {TEST_DATABASE_URL} is not reachable ({type(exc).__name__}: {exc})"


def _sqlalchemy_pg(url: str) -> str:
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    admin_url = make_url(_sqlalchemy_pg(TEST_DATABASE_URL))
    name = f"routemap_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_pg_schema_created: set[str] = set()


@pytest.fixture
def pg_app(pg_database_url: str) -> Iterator[Flask]:
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=pg_database_url))
    with app.app_context():
        if pg_database_url not in _pg_schema_created:
            db.create_all()
            _pg_schema_created.add(pg_database_url)
        else:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest) -> Flask:
    """The app on each backend in turn (the PostgreSQL run is skipped with a reason when it is down)."""
    fixture = "app" if request.param == "sqlite" else "pg_app"
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.skip(f"Redis at {TEST_REDIS_URL} is not reachable ({type(exc).__name__}: {exc})")
    return TEST_REDIS_URL
