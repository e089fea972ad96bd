"""Every setting RouteMap CRM reads, declared once with its environment variable and default.

Nothing reads the environment at import time: ``load_settings(environ)`` is called by the app factory, and a
missing or malformed value stops start-up with a ``SettingsError`` that names the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

INSTANCE_DIR = Path(os.environ.get("ROUTEMAP_INSTANCE_DIR", Path.cwd() / "instance"))


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _bool(name: str, raw: str) -> bool:
    low = raw.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None


def _database_url(name: str, raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "postgres":  # Heroku-style alias
        scheme = "postgresql"
    if scheme not in {"sqlite", "postgresql"}:
        raise SettingsError(
            f"{name}={raw!r} is not a database URL RouteMap understands; use "
            "postgresql://user:password@host:5432/dbname or sqlite:////absolute/path/routemap.db"
        )
    if scheme == "postgresql":
        if not parsed.hostname and "host=" not in parsed.query:
            raise SettingsError(f"{name}={raw!r} has no host; expected postgresql://user@host:5432/dbname")
        driver = parsed.scheme if "+" in parsed.scheme else "postgresql+psycopg"
        url = driver + url[len(parsed.scheme) :]
    return url


def _redis_url(name: str, raw: str) -> str:
    url = raw.strip()
    if url and urlparse(url).scheme not in {"redis", "rediss", "unix"}:
        raise SettingsError(f"{name}={raw!r} is not a Redis URL; expected redis://host:6379/0")
    return url


def _str(name: str, raw: str) -> str:
    return raw.strip()


def _locale(name: str, raw: str) -> str:
    if raw not in {"en", "ru"}:
        raise SettingsError(f"{name}={raw!r}: the UI speaks 'en' and 'ru'")
    return raw


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: str
    parse: Callable[[str, str], Any]
    help: str


def _default_sqlite() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'routemap.db'}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "",
        _database_url,
        "Database. Default: SQLite file instance/routemap.db (WAL mode). Production: postgresql://...",
    ),
    Setting(
        "REDIS_URL",
        "REDIS_URL",
        "",
        _redis_url,
        "Redis for Celery. Empty: background jobs run in-process inside `routemap serve`.",
    ),
    Setting(
        "SECRET_KEY",
        "SECRET_KEY",
        "",
        _str,
        "Signs sessions and CSRF tokens. Required unless ROUTEMAP_DEMO or ROUTEMAP_DEV is on.",
    ),
    Setting(
        "ROUTEMAP_DEMO",
        "DEMO_MODE",
        "0",
        _bool,
        "Demo mode: the log-in page lists the demo accounts. Never on unless set explicitly.",
    ),
    Setting("ROUTEMAP_DEV", "DEV_MODE", "0", _bool, "Development mode: a random SECRET_KEY is allowed."),
    Setting(
        "ROUTEMAP_DEFAULT_LOCALE", "BABEL_DEFAULT_LOCALE", "en", _locale, "UI language for new visitors."
    ),
    Setting(
        "ROUTEMAP_TIMEZONE",
        "DEFAULT_TIMEZONE",
        "Europe/Moscow",
        _str,
        "Company time zone (work calendar, dates on pages).",
    ),
    Setting(
        "ROUTEMAP_LOGIN_ATTEMPTS",
        "LOGIN_MAX_ATTEMPTS",
        "5",
        _int,
        "Failed log-ins allowed per user name and address within ROUTEMAP_LOGIN_WINDOW seconds.",
    ),
    Setting(
        "ROUTEMAP_LOGIN_WINDOW", "LOGIN_WINDOW_SECONDS", "300", _int, "Log-in rate-limit window, seconds."
    ),
    Setting(
        "ROUTEMAP_SCHEDULER_INTERVAL",
        "SCHEDULER_INTERVAL_SECONDS",
        "5",
        _int,
        "How often the scheduler fires due timers and retries incidents, seconds.",
    ),
    Setting(
        "ROUTEMAP_SCRIPT_TIME_LIMIT",
        "SCRIPT_TIME_LIMIT_SECONDS",
        "2",
        _int,
        "Longest a route-map script or condition may run, seconds.",
    ),
    Setting(
        "SMTP_URL", "SMTP_URL", "", _str, "Outgoing mail server for notifications, smtp://user:pw@host:587."
    ),
    Setting("MAIL_FROM", "MAIL_FROM", "routemap@localhost", _str, "Sender address of system notifications."),
    Setting(
        "MAIL_SECRET_KEY",
        "MAIL_SECRET_KEY",
        "",
        _str,
        "Encrypts stored mail-account passwords. Empty: derived from SECRET_KEY (changing it then needs "
        "the passwords entered again).",
    ),
)


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Read every setting from ``environ`` (default ``os.environ``) into a Flask config mapping.

    ``overrides`` (Flask config keys, e.g. from tests) win over the environment and are not parsed.
    """
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for s in SETTINGS:
        raw = env.get(s.env, s.default)
        config[s.key] = s.parse(s.env, raw)
    config.update(overrides or {})
    if not config["SQLALCHEMY_DATABASE_URI"]:
        config["SQLALCHEMY_DATABASE_URI"] = _default_sqlite()
    if not config["SECRET_KEY"]:
        if not (config["DEMO_MODE"] or config["DEV_MODE"]):
            raise SettingsError(
                "SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'` and export SECRET_KEY, "
                "or set ROUTEMAP_DEV=1 for a throw-away development key."
            )
        config["SECRET_KEY"] = _dev_secret()
    return config


def _dev_secret() -> str:
    """A key kept in instance/ so sessions survive a restart of `make run`."""
    path = INSTANCE_DIR / "dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key


def settings_table() -> str:
    """The configuration table of the README, generated from SETTINGS."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        rows.append(f"| `{s.env}` | `{s.default}` | {s.help} |")
    return "\n".join(rows)
