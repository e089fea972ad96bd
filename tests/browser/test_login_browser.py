"""Log in as each demo role in a real browser and see that role's navigation; switch language."""

import pytest

from tests.browser.conftest import log_in, screenshot
from webui.views.auth import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser

EXPECTED_SECTIONS = {
    "admin": ["main", "processes", "monitoring", "admin"],
    "designer": ["processes"],
    "manager": ["main", "monitoring"],
    "manager2": ["main", "monitoring"],
    "agent": ["main"],
}


def test_login_page_lists_demo_accounts_and_rejects_a_wrong_password(page, live_server):
    page.goto(f"{live_server}/login")
    assert page.locator("[data-testid=demo-accounts]").is_visible()
    screenshot(page, "login-en")
    log_in(page, live_server, "admin", "wrong-password")
    assert page.locator("[data-testid=login-error]").inner_text() == "Wrong user name or password."


@pytest.mark.parametrize(("username", "password", "role"), DEMO_ACCOUNTS)
def test_each_demo_role_logs_in_and_sees_its_sections(page, live_server, username, password, role):
    log_in(page, live_server, username, password)
    page.wait_for_selector("[data-testid=nav-sections]")
    sections = page.locator("[data-testid=nav-sections] > li").evaluate_all(
        "items => items.map(i => i.dataset.section)"
    )
    assert sections == EXPECTED_SECTIONS[username]
    if username == "admin":
        page.click("li[data-section=admin] > a")
        page.click("text=Users")
        page.wait_for_selector("[data-testid=users-table]")
        assert page.locator("[data-testid=users-table] tbody tr").count() >= len(DEMO_ACCOUNTS)
        screenshot(page, "admin-users-en")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_selector("#username")


def test_russian_interface(page, live_server):
    log_in(page, live_server, "manager", "manager")
    page.wait_for_selector("[data-testid=workplaces]")
    page.click("[data-testid=language-menu]")
    page.click("button[lang=ru]")
    page.wait_for_selector('h1:has-text("Добрый день")')
    assert "Главное" in page.locator("[data-testid=nav-sections]").inner_text()
    screenshot(page, "desktop-ru")
