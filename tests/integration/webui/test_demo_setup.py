"""`routemap init` + `routemap demo-data`: a newcomer finds running route maps, tasks and history."""

from pathlib import Path

from sqlalchemy import select

from crm.accounts.services import find_user
from engine.db import db
from engine.events import VARIANT_CHOSEN, ProcessEvent
from engine.task_queries import count_open_tasks_for
from webui import setup

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


def test_demo_company_has_running_route_maps_and_a_chosen_variant(app):
    lines = list(setup.initialise(deploy_processes=True, processes_dir=PROCESSES))
    assert any("Deployed sale" in line for line in lines)
    lines = list(setup.load_demo())
    assert any("Route maps started" in line for line in lines)
    manager = find_user("manager")
    assert count_open_tasks_for(manager.id, manager.lane_keys) > 0
    agent = find_user("agent")
    assert count_open_tasks_for(agent.id, agent.lane_keys) > 0
    variants = db.session.scalars(select(ProcessEvent).where(ProcessEvent.kind == VARIANT_CHOSEN)).all()
    assert any(v.details.get("variant") == "Qualified" for v in variants)
    # idempotent: a second run starts nothing new
    again = list(setup.load_demo())
    assert not any("Route maps started" in line for line in again)
