"""Editing the client base in Chromium: a bad INN is refused next to the field and a good one saved; a contact
person with two phone rows is added; two duplicate cards are merged after the side-by-side preview, and the
merged card's old address lands on the kept card. Screenshots of the edit and merge pages."""

import pytest

from crm.accounts.models import User
from crm.clients.models import Client
from crm.clients.services import create_client
from engine.db import db
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_clients_browser import choose_language

pytestmark = pytest.mark.browser


def _prepare(app) -> tuple[int, int]:
    """Contoso Ltd (the demo manager's) and a duplicate with the same e-mail, made by the same manager."""
    with app.app_context():
        manager = db.session.query(User).filter_by(username="manager").one()
        contoso = db.session.query(Client).filter_by(name="Contoso Ltd").one()
        twin = create_client(
            manager, {"name": "Contoso", "emails": "hello@contoso.example", "website": "contoso.example"},
            allow_duplicate=True,
        )  # fmt: skip
        ids = (contoso.id, twin.id)
        db.session.remove()
    return ids


def test_edit_inn_add_contact_and_merge_duplicates(page, live_server, live_app):
    contoso, twin = _prepare(live_app)
    log_in(page, live_server, "manager", "manager")
    page.wait_for_selector("[data-testid=nav-sections]")
    choose_language(page, "en")

    # Edit: a wrong INN check digit is shown next to the field, nothing saved; then a valid INN is saved.
    page.goto(f"{live_server}/clients/{contoso}")
    page.click("[data-testid=edit-client]")
    page.fill("#inn", "5024002118")
    page.click("[data-testid=save-client]")
    error = page.locator("[data-field-error=inn]")
    error.wait_for()
    assert "check digit" in error.inner_text()
    screenshot(page, "client-edit-en")
    page.fill("#inn", "5024002119")
    page.click("[data-testid=save-client]")
    page.wait_for_url(f"**/clients/{contoso}")
    assert "5024002119" in page.inner_text("main")

    # Add a contact person with two phone rows.
    page.click("[data-testid=add-contact]")
    page.fill("#full_name", "Sarah Connor")
    page.fill("#position", "Procurement")
    page.check("#is_key_person")
    page.locator("[data-testid=phones-input]").first.fill("+7 916 200-30-40")
    page.click("[data-testid=phones-add]")
    page.locator("[data-testid=phones-input]").nth(1).fill("+7 916 200-30-41")
    page.click("[data-testid=save-contact]")
    page.wait_for_url(f"**/clients/{contoso}")
    contact = page.locator("[data-testid=contact]", has_text="Sarah Connor")
    assert "+7 916 200-30-40, +7 916 200-30-41" in contact.inner_text()
    assert contact.locator("[data-testid=key-person]").count() == 1

    # Merge the duplicate: pick it among the look-alikes, preview what moves, confirm.
    page.click("[data-testid=merge-client]")
    page.click("[data-testid=merge-candidate]")
    page.wait_for_selector("[data-testid=merge-compare]")
    assert "Contoso" in page.inner_text("[data-testid=merge-gone-name]")
    assert "contoso.example" in page.inner_text("[data-testid=merge-compare]")
    screenshot(page, "client-merge-en")
    page.click("[data-testid=merge-confirm]")
    page.wait_for_url(f"**/clients/{contoso}")
    assert "are merged" in page.inner_text("main")
    page.goto(f"{live_server}/clients/{twin}")
    assert page.url.endswith(f"/clients/{contoso}")
    assert page.inner_text("[data-testid=client-name]") == "Contoso Ltd"
    choose_language(page, "ru")
    page.click("[data-testid=edit-client]")
    page.wait_for_selector("[data-testid=client-edit-form]")
    screenshot(page, "client-edit-ru")
