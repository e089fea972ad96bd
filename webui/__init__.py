"""RouteMap CRM web application: ``create_app`` is the one wiring point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from engine.db import db
from webui import settings as settings_module
from webui.extensions import csrf, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, database, auth, i18n, background jobs, blueprints."""
    app = Flask(__name__, instance_path=str(settings_module.INSTANCE_DIR))
    app.config.update(settings_module.load_settings(overrides=config))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    # Flask's own defaults hold these keys as None, so ``setdefault`` would keep None (no upload limit).
    for key, value in (("MAX_CONTENT_LENGTH", 25 * 1024 * 1024), ("SESSION_COOKIE_SAMESITE", "Lax")):
        if app.config.get(key) is None:
            app.config[key] = value
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(
            parents=True, exist_ok=True
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from webui import i18n, jobs

    i18n.init_app(app)
    jobs.init_app(app)

    from webui import mail_wiring

    mail_wiring.init_app(app)

    from webui.blueprints import register_blueprints

    register_blueprints(app)
    return app


def _engine_options(uri: str) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a busy wait instead of 'database is locked'."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
