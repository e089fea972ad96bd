"""Clients in Chromium: the card's quick note with a script payload renders inert, another manager's client
by URL is the 403 page, the Feed pages on with "Load more"; screenshots of the Clients pages in both languages."""

import pytest

from crm.clients.models import Client
from engine.db import db
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

PAYLOAD = "<p>Call <b>back</b> tomorrow</p><script>alert(1)</script><img src=x onerror=alert(2)>"


def client_id(app, name: str) -> int:
    with app.app_context():
        found = db.session.query(Client.id).filter_by(name=name).scalar()
        db.session.remove()
    return found


def choose_language(page, code: str) -> None:
    """The demo manager works in Russian by default; the tests pick the language they read."""
    page.click("[data-testid=language-menu]")
    page.click(f"button[lang={code}]")
    page.wait_for_load_state("load")


def log_in_english(page, base: str, username: str) -> None:
    log_in(page, base, username, username)
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")


def test_quick_note_with_a_script_payload_renders_inert(page, live_server, live_app):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    romashka = client_id(live_app, "ООО «Ромашка»")
    log_in_english(page, live_server, "manager")
    page.goto(f"{live_server}/clients/{romashka}")
    feed = page.locator(f"#feed-client-{romashka}")
    before = feed.locator("[data-testid=feed-item]").count()
    page.fill("[data-testid=qa-form-note] textarea", PAYLOAD)
    page.click("[data-testid=qa-submit-note]")
    page.wait_for_selector("[data-testid=qa-message]")
    first = feed.locator("[data-testid=feed-item]").first
    assert "Call back tomorrow" in first.inner_text()
    assert first.locator("b").inner_text() == "back"
    assert feed.locator("[data-testid=feed-item]").count() == before + 1  # appeared without a reload
    assert feed.locator("script").count() == 0
    assert feed.locator("[onerror]").count() == 0
    page.wait_for_timeout(300)  # give a broken image's onerror the chance to fire, if it existed
    assert dialogs == []
    screenshot(page, "client-card-en")
    choose_language(page, "ru")
    page.wait_for_selector("[data-testid=client-name]")
    screenshot(page, "client-card-ru")


def test_manager_cannot_open_another_managers_client_by_url(page, live_server, live_app):
    northwind = client_id(live_app, "Northwind Traders")  # manager2's client, another department
    log_in_english(page, live_server, "manager")
    response = page.goto(f"{live_server}/clients/{northwind}")
    assert response.status == 403
    assert "You do not have access to this page or record." in page.inner_text("main")
    assert "Traceback" not in page.content()
    assert "Northwind" not in page.inner_text("main")


def test_clients_list_filters_and_status_explanation(page, live_server, live_app):
    log_in_english(page, live_server, "manager")
    page.goto(f"{live_server}/clients")
    rows = page.locator("[data-testid=clients-table] tbody tr")
    assert rows.count() >= 3
    assert "Northwind Traders" not in page.inner_text("[data-testid=clients-table]")
    screenshot(page, "clients-en")
    page.fill("#q", "Ромашка")
    page.click("[data-testid=apply-filters]")
    page.wait_for_url("**q=*")
    assert rows.count() == 1
    rows.first.locator("a").click()
    page.click("[data-testid=status-help]")
    page.wait_for_selector("[data-testid=status-explanation]")
    page.click("[data-testid=status-recalculate]")
    page.wait_for_selector("[data-testid=status-recalculated]")
    page.click("[data-testid=quality-value]")
    page.wait_for_selector("[data-testid=quality-explanation]")
    page.goto(f"{live_server}/clients")
    choose_language(page, "ru")
    page.wait_for_selector("[data-testid=clients-table]")
    screenshot(page, "clients-ru")
