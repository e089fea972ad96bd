"""The Clients list and desktop queries on SQLite and PostgreSQL: access, status and quality filters, figures."""

from crm.quality.rules import load_quality_template
from crm.support.services import create_ticket
from crm.workplaces_clients import ClientFilters, client_list_page, responsible_choices
from crm.workplaces_desktop import open_interests_by_stage, unprocessed_appeals
from tests.integration.webui.clients_fixtures import build_world


def test_client_list_page_filters_within_access(any_app):
    world = build_world()
    page = client_list_page(world.manager, ClientFilters())
    assert [r.client.name for r in page.rows] == ["Romashka LLC"] and page.total == 1
    assert page.rows[0].status.code == "new"
    assert client_list_page(world.manager, ClientFilters(status="new")).total == 1
    assert client_list_page(world.manager, ClientFilters(status="active")).total == 0
    assert client_list_page(world.manager, ClientFilters(search="7707083893")).total == 1
    assert client_list_page(world.manager, ClientFilters(quality="none")).total == 1
    load_quality_template(None)
    colours = {
        c: client_list_page(world.manager, ClientFilters(quality=c)).total for c in ("red", "amber", "green")
    }
    assert sum(colours.values()) == 1
    assert responsible_choices(world.manager) == [(world.manager.id, "Mary Manager")]
    assert client_list_page(world.agent, ClientFilters()).total == 0


def test_desktop_figures(any_app):
    world = build_world()
    stages = open_interests_by_stage(world.manager)
    assert [(s.stage_code, s.count, int(s.amount)) for s in stages] == [("qualification", 1, 480000)]
    create_ticket(world.manager, {"client_id": world.own_client.id, "subject": "Broken chair"})
    appeals = unprocessed_appeals(world.manager)
    assert (appeals.total, appeals.mine, [t.subject for t in appeals.oldest]) == (1, 1, ["Broken chair"])
    assert unprocessed_appeals(world.other_manager).total == 0
