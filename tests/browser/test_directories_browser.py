"""Business regions in Chromium: the administrator opens the tab from the client base settings, an empty name
is refused next to the field, the local time follows the chosen zone, the new region is offered on the client
edit form, and once a client is in it the region page offers no delete. Screenshot of the regions page."""

import pytest

from crm.clients.models import Client
from engine.db import db
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_clients_browser import choose_language

pytestmark = pytest.mark.browser


def _contoso_id(app) -> int:
    with app.app_context():
        ident = db.session.query(Client.id).filter_by(name="Contoso Ltd").scalar()
        db.session.remove()
    return int(ident)


def test_create_a_region_and_choose_it_on_the_client_form(page, live_server, live_app):
    contoso = _contoso_id(live_app)
    log_in(page, live_server, "admin", "admin")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")

    page.goto(f"{live_server}/admin/crm/")
    page.locator("[data-testid=crm-settings-tabs]").get_by_role("link", name="Business regions").click()
    page.wait_for_selector("[data-testid=region-form]")

    page.click("[data-testid=save-region]")  # no name yet
    assert "Enter a name." in page.locator("[data-field-error=name]").inner_text()

    page.fill("#name", "Kamchatka Krai")
    moscow_time = page.inner_text("[data-testid=zone-now]")
    page.select_option("#timezone", "Asia/Kamchatka")  # UTC+12, nine hours ahead of Moscow
    assert page.inner_text("[data-testid=zone-now]") != moscow_time
    page.click("[data-testid=save-region]")
    page.wait_for_selector("tr[data-region='Kamchatka Krai']")
    assert "Asia/Kamchatka" in page.inner_text("tr[data-region='Kamchatka Krai']")
    screenshot(page, "crm-regions-en")

    page.goto(f"{live_server}/clients/{contoso}/edit")
    region_select = page.locator("#region_id")
    assert "Kamchatka Krai (Asia/Kamchatka)" in region_select.inner_text()
    region_select.select_option(label="Kamchatka Krai (Asia/Kamchatka)")
    page.click("[data-testid=save-client]")
    page.wait_for_url(f"**/clients/{contoso}")

    page.goto(f"{live_server}/admin/crm/regions")
    row = page.locator("tr[data-region='Kamchatka Krai']")
    assert row.locator("[data-testid=region-clients]").inner_text() == "1"
    row.get_by_role("link", name="Kamchatka Krai").click()
    in_use = page.locator("[data-testid=directory-in-use]")
    assert "Client cards in this region: 1" in in_use.inner_text()
    assert page.locator("[data-testid=directory-delete]").count() == 0
