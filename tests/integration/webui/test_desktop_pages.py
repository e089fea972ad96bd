"""The universal desktop: workplaces and widgets computed from real data, chosen and ordered per user."""

import re

import pytest

from crm.preferences import get_preference, save_preference
from crm.support.services import create_ticket
from tests.integration.webui.clients_fixtures import build_world, log_in
from webui.widgets import REGISTRY, Widget, WidgetRegistry


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def mary(client, world):
    log_in(client, "mary")
    return client


def widget_order(html: str) -> list[str]:
    return re.findall(r'data-widget="([^"]+)"', html)


def test_default_desktop_shows_workplaces_and_real_widgets(mary, world):
    create_ticket(world.manager, {"client_id": world.own_client.id, "subject": "Broken chair"})
    page = mary.get("/desktop").get_data(as_text=True)
    assert widget_order(page) == ["my_open_tasks", "my_interests_by_stage", "unprocessed_appeals"]
    assert 'data-endpoint="clients.index"' in page and 'data-endpoint="wizard.index"' in page
    assert 'data-testid="open-tasks-total">0<' in page
    stage_row = re.search(
        r'data-stage="qualification"><td>[^<]+</td><td class="text-end fw-semibold">(\d+)<', page
    )
    assert stage_row and stage_row.group(1) == "1"
    assert 'data-testid="unprocessed-total">1<' in page and "Broken chair" in page


def test_customize_chooses_and_orders_workplaces_and_widgets(mary, world):
    resp = mary.post("/desktop/customize", data={
        "workplaces": ["clients.index", "wizard.index", "no.such_endpoint"],
        "widgets": ["unprocessed_appeals", "my_open_tasks", "made_up_widget"],
    })  # fmt: skip
    assert resp.status_code == 303
    assert get_preference(world.manager.id, "desktop") == {
        "workplaces": ["clients.index", "wizard.index"], "widgets": ["unprocessed_appeals", "my_open_tasks"],
    }  # fmt: skip
    page = mary.get("/desktop").get_data(as_text=True)
    assert widget_order(page) == ["unprocessed_appeals", "my_open_tasks"]
    assert re.findall(r'data-endpoint="([^"]+)"', page) == ["clients.index", "wizard.index"]
    form = mary.get("/desktop/customize").get_data(as_text=True)
    assert (
        form.index('value="unprocessed_appeals"')
        < form.index('value="my_open_tasks"')
        < form.index('value="my_interests_by_stage"')
    )


def test_drag_saves_the_new_order_of_the_same_widgets(mary, world):
    resp = mary.post(
        "/desktop/order", data={"widgets": ["unprocessed_appeals", "my_interests_by_stage", "my_open_tasks"]}
    )
    assert resp.status_code == 204
    assert widget_order(mary.get("/desktop").get_data(as_text=True))[0] == "unprocessed_appeals"
    assert mary.post("/desktop/order", data={"widgets": ["my_open_tasks"]}).status_code == 400


def test_preferences_are_per_user(app, world):
    save_preference(world.manager.id, "desktop", {"widgets": []})
    save_preference(world.manager.id, "desktop", {"widgets": ["my_open_tasks"]})
    assert get_preference(world.manager.id, "desktop") == {"widgets": ["my_open_tasks"]}
    assert get_preference(world.other_manager.id, "desktop", "default") == "default"


def test_registry_respects_roles_and_refuses_a_clashing_name(world):
    registry = WidgetRegistry()
    registry.register(Widget("boss_only", "Boss", "x.html", lambda user: None, roles=("manager",)))
    registry.register(Widget("everyone", "All", "y.html", lambda user: None))
    assert [w.name for w in registry.available_to(world.agent)] == ["everyone"]
    assert [w.name for w in registry.chosen(world.manager, ["everyone", "boss_only", "everyone"])] == [
        "everyone", "boss_only",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        registry.register(Widget("everyone", "Other", "z.html", lambda user: None))
    assert {"my_open_tasks", "my_interests_by_stage", "unprocessed_appeals"} <= set(REGISTRY.widgets)
