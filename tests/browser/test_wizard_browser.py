"""The appeal wizard in Chromium: an unknown caller becomes a potential client with an interest, whose sale
route map starts at once (a task appears for the manager); the desktop counts it. Screenshots en/ru."""

from pathlib import Path

import pytest

from crm.accounts.models import User
from crm.clients.models import Lead
from crm.deals.models import Interest
from engine.db import db
from engine.task_queries import count_open_tasks_for, open_tasks_for, tasks_for_instance
from tests.browser.conftest import log_in, screenshot
from tests.conftest import make_sqlite_app

pytestmark = pytest.mark.browser

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture
def live_app(tmp_path):
    """The demo company with the shipped route maps deployed (the wizard starts ``sale``)."""
    app = make_sqlite_app(tmp_path, DEMO_MODE=True, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from crm.processes import ensure_process_groups
        from webui import setup

        list(setup.initialise(deploy_processes=True, processes_dir=PROCESSES))
        list(setup.load_demo())
        ensure_process_groups()
        db.session.remove()
    return app


def choose_language(page, code: str) -> None:
    page.click("[data-testid=language-menu]")
    page.click(f"button[lang={code}]")
    page.wait_for_load_state("load")


def test_wizard_registers_an_unknown_caller_with_an_interest_and_starts_the_sale(page, live_server, live_app):
    log_in(page, live_server, "manager", "manager")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")
    page.click("li[data-section=main] > a")
    page.click("text=Appeal wizard")
    page.wait_for_selector("[data-testid=wizard-form]")
    page.click("label[for=channel-phone]")
    page.fill("[data-testid=wizard-search]", "+7 999 123-45-67")
    page.wait_for_selector("[data-testid=wizard-no-hits]")
    page.click("[data-testid=wizard-new-caller]")
    page.wait_for_selector("[data-testid=wizard-step2]")
    assert page.input_value("#w-new_phone") == "+7 999 123-45-67"
    page.click("[data-testid=wizard-submit]")  # nothing named yet: errors next to the fields
    page.wait_for_selector("[data-field-error=new_name]")
    assert page.locator("[data-field-error=subject]").is_visible()
    page.fill("#w-new_name", "Pavel Newman")
    page.fill("#w-subject", "Twenty office chairs")
    page.fill("#w-description", "Calls from the website banner")
    screenshot(page, "wizard-en")
    page.click("[data-testid=wizard-submit]")
    page.wait_for_url("**/interests/*")
    interest_id = int(page.url.rsplit("/", 1)[1])

    with live_app.app_context():
        interest = db.session.get(Interest, interest_id)
        lead = db.session.get(Lead, interest.lead_id)
        assert (lead.name, lead.phone, lead.source) == ("Pavel Newman", "+7 999 123-45-67", "phone")
        assert interest.title == "Twenty office chairs" and interest.process_instance_id is not None
        open_tasks = tasks_for_instance(interest.process_instance_id, open_only=True)
        assert open_tasks, "the sale route map should wait on its first task"
        user = db.session.get(User, interest.responsible_id)
        assert count_open_tasks_for(user.id, user.lane_keys) >= 1
        visible = {t.id for t in open_tasks} & {
            t.id for t in open_tasks_for(user.id, user.lane_keys, limit=500)
        }
        assert visible, "the new task is on the manager's task list"
        db.session.remove()

    page.goto(f"{live_server}/desktop")
    total = int(page.inner_text("[data-testid=open-tasks-total]"))
    assert total >= 1
    screenshot(page, "desktop-widgets-en")
    choose_language(page, "ru")
    page.wait_for_selector("[data-testid=widgets]")
    screenshot(page, "desktop-widgets-ru")
    page.goto(f"{live_server}/wizard")
    page.fill("[data-testid=wizard-search]", "Ромашка")
    page.wait_for_selector("[data-testid=wizard-hit]")
    page.locator("[data-testid=wizard-hit]").first.click()
    page.wait_for_selector("[data-testid=wizard-caller]")
    screenshot(page, "wizard-ru")


def test_wizard_attaches_a_call_to_an_open_interest(page, live_server, live_app):
    log_in(page, live_server, "manager", "manager")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")
    page.goto(f"{live_server}/wizard")
    page.fill("[data-testid=wizard-search]", "7707083893")
    page.wait_for_selector("[data-testid=wizard-hit][data-entity=client]")
    page.click("[data-testid=wizard-hit][data-entity=client]")
    page.wait_for_selector("[data-testid=wizard-interest]")
    assert page.is_checked("#action-attach")
    interest_id = int(page.input_value("[data-testid=wizard-interest]"))
    page.fill("#w-subject", "Asks about the delivery date")
    page.click("[data-testid=wizard-submit]")
    page.wait_for_url(f"**/interests/{interest_id}")
    with live_app.app_context():
        from crm.activities.models import Interaction

        call = db.session.query(Interaction).filter_by(subject="Asks about the delivery date").one()
        assert (call.kind, call.direction, call.interest_id) == ("call", "incoming", interest_id)
        db.session.remove()
