"""Create an interest or an appeal and start its route map as ONE write: both are stored, or neither is.

The pages create the document, commit, then start the route map (a failed start leaves a document without a
process, which a person then sees and restarts). An integration calling the API cannot see that, so here the
document is written inside the route map's first step transaction: when the start fails (no such route map
deployed, a script error in the first steps, another process already running) nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm.accounts.models import User
from crm.deals.models import Interest
from crm.deals.services import create_interest_in_session
from crm.processes import start_interest_process, start_ticket_process
from crm.support.models import Ticket
from crm.support.services import create_ticket_in_session
from engine.calendar_service import get_default_calendar
from engine.db import db


def create_interest_with_sale(actor: User, data: Mapping[str, Any]) -> tuple[Interest, int]:
    """Open an interest (keys as ``crm.deals.services.create_interest``) and start its ``sale`` route map;
    commit both or nothing. Returns the interest and the process instance id.

    Raises what either step raises: ``ValidationFailed``, ``AccessDenied``, ``NotFound``,
    ``NoStartableDefinition`` (the route map is not deployed), ``StepFailed``, ``ProcessAlreadyRunning``.
    """
    _prepare_engine()
    try:
        interest = create_interest_in_session(actor, data)
        db.session.flush()
        instance_id = start_interest_process(actor, interest.id)  # its step commits the interest too
    except BaseException:
        db.session.rollback()
        raise
    return interest, instance_id


def create_ticket_with_route_map(actor: User, data: Mapping[str, Any]) -> tuple[Ticket, int]:
    """Register an appeal (keys as ``crm.support.services.create_ticket``) and start its appeal type's route
    map (default ``support_appeal``); commit both or nothing. Returns the appeal and the process instance id.
    """
    _prepare_engine()
    try:
        ticket = create_ticket_in_session(actor, data)
        db.session.flush()
        instance_id = start_ticket_process(actor, ticket.id)
    except BaseException:
        db.session.rollback()
        raise
    return ticket, instance_id


def _prepare_engine() -> None:
    # The first start of an installation creates the default work calendar and commits it; do that before
    # anything of ours is pending in the session, so that commit cannot carry a half-made document along.
    get_default_calendar()
