"""Imports every engine model so the shared metadata (and Alembic) sees all tables."""

from engine.heartbeat import JobHeartbeat  # noqa: F401
