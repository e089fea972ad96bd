"""The trigger library in Chromium: switch a trigger on from the list, edit its schedule (the weekday appears
only for a weekly trigger), see a bad value refused next to its field, save, and read the next runs."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_switch_on_edit_the_schedule_and_read_the_next_runs(page, live_server):
    log_in(page, live_server, "admin", "admin")
    page.wait_for_selector("[data-testid=nav-sections]")
    page.click("li[data-section=admin] > a")
    page.click("text=Triggers")
    page.wait_for_selector("[data-testid=triggers-table]")
    assert page.locator("#enabled-expert_mailing").is_checked() is False

    with page.expect_navigation():
        page.check("#enabled-expert_mailing")  # the switch submits itself
    assert page.locator("#enabled-expert_mailing").is_checked()
    assert "Trigger switched on" in page.locator(".alert").first.inner_text()

    page.click("tr[data-trigger=expert_mailing] >> text=Settings")
    page.wait_for_selector("[data-testid=trigger-form]")
    assert page.locator("#weekday").is_hidden()  # a daily trigger has no weekday
    assert page.locator("#respect_calendar").is_visible()  # SPEC §1.9 #30: for day and week periodicity
    page.select_option("#periodicity", "week")
    assert page.locator("#weekday").is_visible()
    page.select_option("#weekday", "2")
    page.fill("#days_after_registration", "0")
    page.click("[data-testid=trigger-form] button[type=submit]")

    error = page.locator("[data-field-error=days_after_registration]")
    assert "not less than 1" in error.inner_text() and error.is_visible()
    assert page.locator("#weekday").is_visible()  # the form keeps what was typed
    page.fill("#days_after_registration", "14")
    page.click("[data-testid=trigger-form] button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator("#days_after_registration").input_value() == "14"

    # preview from a fixed moment (Monday 8 June 2026, 12:00): weekly on Tuesdays at "Run at" (10:00 by
    # default), which is the run time — three plain working Tuesdays
    page.fill("[data-testid=preview] input[name=from]", "2026-06-08T12:00")
    page.click("[data-testid=preview] button[type=submit]")
    page.wait_for_url("**from=2026-06-08T12**")
    runs = page.locator("[data-testid=firing]").all_inner_texts()
    assert runs == ["Tuesday 2026-06-09 10:00", "Tuesday 2026-06-16 10:00", "Tuesday 2026-06-23 10:00"]
    screenshot(page, "triggers-en")
