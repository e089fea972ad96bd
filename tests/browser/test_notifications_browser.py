"""A person sees the bell's count, opens it, clicks the notification and it is read."""

from __future__ import annotations

import re

from crm.accounts.models import User
from crm.notifications.delivery import Message, notify
from crm.notifications.services import unread_count
from engine.db import db
from tests.browser.conftest import log_in, screenshot


def test_bell_shows_count_lists_the_item_and_clicking_marks_it_read(live_app, live_server, page):
    with live_app.app_context():
        manager = db.session.query(User).filter_by(username="manager").one()
        notify([manager.id], Message(kind="task_overdue", title="Call Romashka back", link="/tasks"))
        before = unread_count(manager.id)
        db.session.remove()

    log_in(page, live_server, "manager", "manager")
    page.wait_for_url(re.compile(r".*/(?!login).*"))
    count = page.get_by_test_id("notifications-count")
    assert count.inner_text() == str(before)

    page.get_by_test_id("notifications-toggle").click()
    item = page.get_by_test_id("notifications-menu").get_by_test_id("notification-open").first
    item.wait_for()
    assert "Call Romashka back" in item.inner_text()
    assert item.get_attribute("data-read") == "false"
    screenshot(page, "notifications-bell")

    item.click()
    page.wait_for_url(f"{live_server}/tasks")
    if before == 1:
        assert page.get_by_test_id("notifications-count").count() == 0
    else:
        assert page.get_by_test_id("notifications-count").inner_text() == str(before - 1)
    page.get_by_test_id("notifications-toggle").click()
    reopened = page.get_by_test_id("notifications-menu").get_by_test_id("notification-open").first
    reopened.wait_for()
    assert "Call Romashka back" in reopened.inner_text() and reopened.get_attribute("data-read") == "true"
    with live_app.app_context():
        assert unread_count(manager.id) == before - 1
        db.session.remove()
    page.goto(f"{live_server}/notifications")
    assert page.get_by_test_id("notification-row").count() >= 1
    screenshot(page, "notifications-page")
