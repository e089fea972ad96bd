"""My tasks -> task form (invalid then valid) -> variant buttons -> the interest card shows the variant in the
Feed and the highlighted step on the diagram; the board snaps a refused move back; screenshots in en and ru."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.accounts.services import find_user
from crm.clients.models import Client
from crm.deals.services import create_interest
from crm.support.services import create_ticket
from engine.db import db
from tests.browser.conftest import log_in, screenshot
from tests.integration.webui.workplace_fixtures import deploy_ui_sale, start_sale

pytestmark = pytest.mark.browser


@pytest.fixture
def sale(live_app):
    """The demo manager's new deal driven by the ui_sale route map, and one unassigned appeal."""
    with live_app.app_context():
        manager = find_user("manager")
        client = db.session.scalars(select(Client).where(Client.name == "ООО «Ромашка»")).one()
        deploy_ui_sale()
        interest = create_interest(
            manager, {"client_id": client.id, "title": "Мебель для переговорной", "amount": 250000}
        )
        start_sale(interest, manager)
        create_ticket(None, {"client_id": client.id, "subject": "Не пришёл счёт", "responsible_id": None})
        ids = interest.id
        db.session.remove()
    return ids


def choose_language(page, code: str) -> None:
    page.click("[data-testid=language-menu]")
    page.click(f"button[lang={code}]")
    page.wait_for_load_state("load")


def test_task_form_variant_feed_and_diagram(page, live_server, sale):
    log_in(page, live_server, "manager", "manager")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")
    page.goto(f"{live_server}/tasks")
    row = page.locator("[data-testid=task-row]", has_text="Мебель для переговорной")
    assert row.count() == 1
    screenshot(page, "my-tasks-en")
    row.locator("a.task-link").click()
    page.wait_for_selector("[data-testid=task-form]")

    page.fill("#budget", "0")
    page.fill("#close_date", "2030-05-20")
    page.select_option("#channel", "phone")
    page.click("[data-testid=complete]")
    error = page.locator("[data-field-error=budget]")
    error.wait_for(state="visible")  # the refused form comes back from the server
    assert error.inner_text().strip()
    screenshot(page, "task-form-errors-en")

    page.fill("#budget", "250000")
    page.fill("#summary", "Нужны 12 кресел и стол")
    page.click("[data-testid=complete]")
    page.wait_for_selector("[data-testid=choice]")
    assert page.locator("[data-testid=task-title]").inner_text() == "Approve the proposal"
    screenshot(page, "task-choice-en")
    page.click("[data-testid=choice] >> text=Approve")
    page.wait_for_selector("[data-testid=task-title]:has-text('Send the proposal')")

    page.goto(f"{live_server}/interests/{sale}")
    page.wait_for_selector("#instance-diagram[data-rendered=true]")
    feed = page.locator("[data-testid=feed]")
    assert feed.locator("[data-kind=variant_chosen] [data-testid=variant]").first.inner_text() == "Approve"
    assert page.locator('.djs-element[data-element-id="Send"].rm-current').count() == 1
    assert page.locator('.djs-element[data-element-id="Approve"].rm-done').count() == 1
    assert page.locator('.djs-element[data-element-id="F_approve"].rm-flow').count() == 1
    assert page.locator('.djs-element[data-element-id="F_revise"].rm-flow').count() == 0
    assert "Proposal" in page.locator("[data-testid=stage]").inner_text()
    screenshot(page, "interest-card-en")
    choose_language(page, "ru")
    page.wait_for_selector("#instance-diagram[data-rendered=true]")
    screenshot(page, "interest-card-ru")


def test_board_refuses_a_move_the_route_map_does_not_allow_and_support_queue(page, live_server, sale):
    log_in(page, live_server, "manager", "manager")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")
    page.goto(f"{live_server}/sales")
    card = page.locator(f"[data-testid=deal-card][data-interest='{sale}']")
    target = page.locator(".pipeline-cards[data-stage=negotiation]")
    card.drag_to(target)
    toast = page.locator("[data-testid=toast]").first
    toast.wait_for()
    assert "does not lead" in toast.inner_text()
    page.wait_for_function("document.querySelector('[data-move-url]').getAttribute('data-busy') === null")
    assert page.locator(f".pipeline-cards[data-stage=qualification] [data-interest='{sale}']").count() == 1
    screenshot(page, "sales-board-en")
    page.goto(f"{live_server}/sales?view=table")
    screenshot(page, "sales-table-en")
    page.goto(f"{live_server}/tasks")
    choose_language(page, "ru")
    screenshot(page, "my-tasks-ru")
    page.goto(f"{live_server}/sales")
    screenshot(page, "sales-board-ru")


def test_support_queue_take_next(page, live_server, sale):
    log_in(page, live_server, "agent", "agent")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")
    page.goto(f"{live_server}/support")
    assert page.locator("[data-testid=queue-row]").count() >= 1
    screenshot(page, "support-queue-en")
    choose_language(page, "ru")
    screenshot(page, "support-queue-ru")
    page.click("[data-testid=take-next]")
    page.wait_for_selector("[data-testid=card-title]")
    screenshot(page, "ticket-card-ru")
