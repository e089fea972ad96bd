"""Imports every engine model so the shared metadata (and Alembic) sees all tables."""

from engine.calendar_model import WorkCalendarExceptionRecord, WorkCalendarRecord  # noqa: F401
from engine.definition_model import ProcessDefinition  # noqa: F401
from engine.events import ProcessEvent  # noqa: F401
from engine.heartbeat import JobHeartbeat  # noqa: F401
