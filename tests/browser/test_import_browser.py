"""Import clients in Chromium: upload a CSV with a bad row, map the columns, watch the background job's
progress reach 100% (htmx polling) and read the per-row error report on the page and as a CSV download."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

CSV = (
    "Название;ИНН;Телефон;Менеджер\n"
    "Берёзка-Импорт ООО;;+7 495 555-01-01;manager\n"
    "Clover Import Ltd;;+7 495 555-01-02;no-such-user\n"  # row 3: unknown responsible manager
    "Осина-Импорт АО;;+7 495 555-01-03;\n"
).encode()


@pytest.fixture
def background_jobs(live_app):
    """Jobs run in the in-process pool (as under `routemap serve`), each held until the test releases it,
    so the page is seen waiting and then updated by its htmx polling, not by a reload."""
    from webui.jobs import InProcessDispatcher

    release = threading.Event()

    class HeldDispatcher(InProcessDispatcher):
        def _run(self, task_name, args):
            release.wait(timeout=30)
            super()._run(task_name, args)

    dispatcher = HeldDispatcher(live_app.extensions["celery"], workers=1)
    live_app.extensions["routemap.dispatcher"] = dispatcher
    yield release
    release.set()
    dispatcher.pool.shutdown(wait=True)


def test_import_with_a_bad_row_shows_progress_and_the_error_report(
    page, live_app, live_server, background_jobs
):
    log_in(page, live_server, "admin", "admin")
    page.wait_for_selector("[data-testid=nav-sections]")
    page.click("li[data-section=admin] > a")
    page.click("text=Import clients")
    page.wait_for_selector("[data-testid=import-upload-form]")
    page.select_option("#kind", "clients")
    page.set_input_files("#file", files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.click("[data-testid=import-upload-form] button[type=submit]")

    page.wait_for_selector("[data-testid=import-mapping-form]")
    assert "Clover Import Ltd" in page.locator("[data-testid=import-sample]").inner_text()
    page.select_option("#map-name", "Название")
    page.select_option("#map-phones", "Телефон")
    page.select_option("#map-responsible", "Менеджер")
    page.select_option("#map-inn", "")
    screenshot(page, "import-mapping-en")
    page.click("[data-testid=import-start]")

    page.wait_for_selector("[data-testid=import-progress][data-state=queued]")
    assert page.locator("[data-testid=import-percent]").inner_text().strip() == "0%"
    url_before = page.url
    background_jobs.set()  # the worker may start now; the open page must notice by itself
    page.wait_for_selector("[data-testid=import-progress][data-state=done]", timeout=20_000)
    assert page.url == url_before
    assert page.locator("[data-testid=import-percent]").inner_text().strip() == "100%"
    assert "2 created" in page.locator("[data-testid=import-summary]").inner_text()
    report = page.locator("[data-testid=import-report] tbody tr")
    assert report.count() == 1
    cells = report.first.locator("td").all_inner_texts()
    assert cells[:2] == ["3", "responsible"] and "no-such-user" in cells[2]
    screenshot(page, "import-report-en")

    with page.expect_download() as download_info:
        page.click("[data-testid=import-report-csv]")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "field", "message", "kind"] and rows[1][:2] == ["3", "responsible"]

    with live_app.app_context():
        from crm.clients.models import Client
        from engine.db import db

        imported = {c.name for c in db.session.query(Client).filter(Client.name.like("%Import%"))}
        imported |= {c.name for c in db.session.query(Client).filter(Client.name.like("%Импорт%"))}
        db.session.remove()
    assert imported == {"Берёзка-Импорт ООО", "Осина-Импорт АО"}  # nothing from the bad row


def test_status_rule_builder_shows_only_the_parameters_of_the_chosen_condition(page, live_server):
    log_in(page, live_server, "admin", "admin")
    page.wait_for_selector("[data-testid=nav-sections]")
    page.goto(f"{live_server}/admin/crm/statuses/rules/new")
    page.fill("#name", "Competitor's client")
    page.select_option("#target_status", "foreign")
    page.select_option("select[name=c-0-type]", "flag")
    assert page.locator("#c-0-flag").is_visible()
    assert not page.locator("#c-0-within_days").is_visible()
    page.select_option("#c-0-flag", "foreign")
    page.click("button[name=add_row]")
    page.select_option("select[name=c-1-type]", "interactions")
    assert page.locator("#c-1-exists").is_visible() and not page.locator("#c-1-outcome").is_visible()
    page.fill("#c-1-within_days", "a year")
    page.click("[data-testid=save-builder]")
    assert page.locator("[data-field-error=c-1-within_days]").is_visible()  # refused next to the field
    page.fill("#c-1-within_days", "365")
    page.select_option("#c-1-exists", "0")
    screenshot(page, "status-rule-builder-en")
    page.click("[data-testid=save-builder]")
    page.wait_for_selector("[data-testid=status-rules-table]")
    assert "Competitor's client" in page.locator("[data-testid=status-rules-table]").inner_text()
    screenshot(page, "work-statuses-en")
