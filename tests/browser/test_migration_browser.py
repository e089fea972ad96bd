"""A designer moves a running instance from version 1 to version 2 through the pages, in a real browser:
the route-map list offers the migration, the instance is listed as safe, the confirmation step, the result."""

from __future__ import annotations

import pytest

from crm.accounts import services as accounts
from engine.db import db
from engine.definitions import deploy
from engine.instance_queries import running_counts_by_version
from engine.instances import get_instance, start_instance
from tests.browser.conftest import log_in, screenshot
from tests.fixtures.migration_maps import APPROVAL_FORMS, APPROVAL_V1, APPROVAL_V2_WITHOUT_REVISE

pytestmark = pytest.mark.browser

DESIGNER, PASSWORD = "dana", "dana-password-1"


@pytest.fixture
def running_on_v1(live_app):
    with live_app.app_context():
        accounts.create_user(DESIGNER, "Dana Designer", PASSWORD, roles=["designer"])
        deploy(APPROVAL_V1, forms=APPROVAL_FORMS, comment="first")
        instance_id = start_instance("rt_approval", data={"approver_id": 1}, business_key="deal-42").id
        v2_id = deploy(
            APPROVAL_V2_WITHOUT_REVISE, forms=APPROVAL_FORMS, comment="no revise step"
        ).definition.id
        db.session.remove()
    return instance_id, v2_id


def test_designer_migrates_an_instance_from_version_1_to_2(page, live_server, live_app, running_on_v1):
    instance_id, v2_id = running_on_v1
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, DESIGNER, PASSWORD)
    page.goto(f"{live_server}/processes/")
    page.click('[data-testid="migrate-rt_approval-1"]')

    row = page.locator(f'tr[data-instance="{instance_id}"]')
    assert row.get_attribute("data-safe") == "yes"
    assert "deal-42" in row.inner_text() and "Prepare request" in row.inner_text()
    screenshot(page, "migration-en")
    row.locator(f'[data-testid="migrate-{instance_id}"]').click()

    assert "moves from version 1 to version 2" in page.inner_text('[data-testid="confirm-text"]')
    page.click('[data-testid="confirm-migrate"]')

    result = page.locator(f'tr[data-instance="{instance_id}"]')
    assert result.get_attribute("data-result") == "migrated"
    assert "Migrated: 1. Refused: 0. Failed: 0." in page.inner_text('[data-testid="result-summary"]')
    assert errors == []
    with live_app.app_context():
        assert get_instance(instance_id).definition_id == v2_id
        assert running_counts_by_version("rt_approval") == {2: 1}
        db.session.remove()
