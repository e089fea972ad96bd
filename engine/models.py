"""Imports every engine model so the shared metadata (and Alembic) sees all tables."""

from engine.analytics.models import (  # noqa: F401
    AnalyticsCursor,
    BranchDay,
    BranchFact,
    BranchLabel,
    ElementDay,
    InstanceDay,
    InstanceEndDay,
    InstanceFact,
    StepDay,
    StepFact,
)
from engine.calendar_model import WorkCalendarExceptionRecord, WorkCalendarRecord  # noqa: F401
from engine.definition_model import ProcessDefinition  # noqa: F401
from engine.events import ProcessEvent  # noqa: F401
from engine.heartbeat import JobHeartbeat  # noqa: F401
from engine.humantask_model import HumanTask  # noqa: F401
from engine.incident_model import Incident  # noqa: F401
from engine.instance_model import ProcessInstance  # noqa: F401
from engine.wait_models import EventSubscription, StartTrigger, UnmatchedMessage, WaitingTimer  # noqa: F401
