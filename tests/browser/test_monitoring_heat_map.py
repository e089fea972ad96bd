"""The manager opens the heat map of the shipped sale route map and reads the overlay values."""

from __future__ import annotations

import re
from pathlib import Path

from engine import events as ev
from engine.db import db
from tests.analytics_history import FIXTURE_BPMN, History, add_definition, msk
from tests.browser.conftest import log_in, screenshot

SALE = Path(__file__).resolve().parents[2] / "processes" / "sale.bpmn"


def _history(app) -> tuple[str, str, str]:
    """Three deals through the first two steps of the sale map (the fixture map until sale.bpmn exists)."""
    xml = SALE.read_text(encoding="utf-8") if SALE.exists() else FIXTURE_BPMN.read_text(encoding="utf-8")
    key = re.search(r'<bpmn:process id="([^"]+)"', xml).group(1)
    first, second = re.findall(r'<bpmn:userTask id="([^"]+)"', xml)[:2]
    with app.app_context():
        h = History(add_definition(key=key, bpmn_xml=xml, name="Sale"))
        for n, hours in ((1, 1), (2, 2), (3, 6)):  # Qualify took 1, 2 and 6 working hours on Tue 10 June 2025
            inst = h.instance(f"interest:{900 + n}", msk(10, 9))
            task = h.task(inst, first, "first", msk(10, 9))
            h.task_event(task, ev.TASK_CLAIMED, msk(10, 9), user_id=None)
            h.task_event(task, ev.TASK_COMPLETED, msk(10, 9 + hours))
            h.task(inst, second, "second", msk(10, 9 + hours))
        db.session.commit()
        db.session.remove()
    return key, first, second


def test_heat_map_overlays_show_frequency_and_durations(page, live_app, live_server):
    key, first, second = _history(live_app)
    log_in(page, live_server, "manager", "manager")
    page.goto(f"{live_server}/monitoring/process/{key}?from=2025-06-01&to=2025-06-30")
    page.wait_for_selector("#heat-map[data-rendered=true]")
    overlay = page.locator(f".heat-overlay[data-element='{first}']")
    assert overlay.get_attribute("data-passes") == "3"
    assert float(overlay.get_attribute("data-mean-h")) == 3.0
    assert float(overlay.get_attribute("data-p90-h")) == 5.2  # 1, 2, 6 h: p90 interpolates to 5.2 h
    assert "n=3" in overlay.inner_text() and "μ 3.0 h" in overlay.inner_text()
    assert page.locator(f".heat-overlay[data-element='{second}']").get_attribute("data-passes") == "3"
    assert page.locator(".djs-element.heat-3").count() >= 1  # the slowest step gets the hottest colour
    page.locator("#heat-map").scroll_into_view_if_needed()
    screenshot(page, "monitoring-heat-map")
