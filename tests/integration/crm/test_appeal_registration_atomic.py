"""The appeal wizard's one action is one write: when the route map cannot start, no document is left
behind (a stored lead/interest without its process would be registered again by the person retrying)."""

from __future__ import annotations

import pytest
from conftest import People
from sqlalchemy import func, select

from crm.activities.models import Interaction
from crm.appeal_registration import AppealRequest, register_appeal
from crm.clients.models import Lead
from crm.deals.models import Interest
from engine.db import db
from engine.runtime_errors import NoStartableDefinition


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_new_interest_whose_route_map_cannot_start_stores_nothing(people: People) -> None:
    request = AppealRequest(
        channel="phone",
        action="interest",
        caller="new",
        subject="Office chairs",
        new_name="Anna Unknown",
        new_phone="+7 999 000-11-22",
    )
    with pytest.raises(NoStartableDefinition):  # the "sale" route map is not deployed
        register_appeal(people.alice, request)
    db.session.rollback()
    assert (_count(Lead), _count(Interest), _count(Interaction)) == (0, 0, 0)
