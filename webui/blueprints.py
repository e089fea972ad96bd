"""Registers every blueprint and imports every model (one place, so nothing is missed)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    import crm.models  # noqa: F401  - all tables known to metadata and Alembic
    import engine.models  # noqa: F401
