"""Client base settings: work status rules (order, switch, builder, JSON), schedule, recalculation job,
status dynamics report, and quality rules per work status."""

from __future__ import annotations

import json

import pytest

from crm.clients.services import create_client
from crm.deals.services import create_interest, ensure_default_stages
from crm.importing.jobs_models import DONE
from crm.quality.rules import list_quality_rules
from crm.statuses import admin_services as statuses_admin
from crm.statuses.rules import install_default_status_rules, list_status_rules
from crm.statuses.schedule import get_schedule
from crm.statuses.services import status_of
from tests.integration.webui.crm_admin_fixtures import field_error, log_in, make_people


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def admin(people, client):
    log_in(client, "root")
    return client


def _rule_form(**overrides):
    data = {"name": "Big buyer", "target_status": "active", "description": "", "enabled": "1", "mode": "builder",
            "combinator": "all", "json": "",
            "c-0-type": "interests", "c-0-outcome": "won", "c-0-within_days": "180", "c-0-min_total": "100000",
            "c-1-type": "interactions", "c-1-negate": "1", "c-1-exists": "0", "c-1-within_days": "30",
            "c-2-type": ""}  # fmt: skip
    data.update(overrides)
    return data


# --- rules list ----------------------------------------------------------------------------------------------


def test_the_page_lists_rules_in_order_with_the_eight_statuses(admin):
    install_default_status_rules()
    html = admin.get("/admin/crm/statuses").get_data(as_text=True)
    assert html.index("Liquidated: marked by hand") < html.index("In progress: an open interest")
    for code in ("new", "in_progress", "active", "lost", "returned", "foreign", "non_target", "liquidated"):
        assert f'data-status="{code}"' in html
    assert "#198754" in html  # the colour of "Active"
    assert 'href="/admin/crm/statuses/dynamics"' in html


def test_move_a_rule_up_and_down(admin):
    rules = install_default_status_rules()
    third = rules[2]
    admin.post(f"/admin/crm/statuses/rules/{third.id}/up")
    assert [r.id for r in list_status_rules()][1] == third.id
    admin.post(f"/admin/crm/statuses/rules/{third.id}/down")
    admin.post(f"/admin/crm/statuses/rules/{third.id}/down")
    assert [r.id for r in list_status_rules()][3] == third.id


def test_disable_and_enable_a_rule(admin):
    rule = install_default_status_rules()[0]
    admin.post(f"/admin/crm/statuses/rules/{rule.id}/disable")
    assert not statuses_admin.get_status_rule(rule.id).enabled
    admin.post(f"/admin/crm/statuses/rules/{rule.id}/enable")
    assert statuses_admin.get_status_rule(rule.id).enabled


def test_delete_a_rule(admin):
    rule = install_default_status_rules()[0]
    assert admin.post(f"/admin/crm/statuses/rules/{rule.id}/delete").status_code == 302
    assert rule.id not in {r.id for r in list_status_rules()}


# --- rule editor ---------------------------------------------------------------------------------------------


def test_the_builder_saves_a_condition_tree(admin):
    resp = admin.post("/admin/crm/statuses/rules/new", data=_rule_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    [rule] = list_status_rules()
    assert rule.target_status == "active"
    assert rule.conditions == {
        "all": [
            {"type": "interests", "outcome": "won", "within_days": 180, "min_total": 100000},
            {"not": {"type": "interactions", "exists": False, "within_days": 30}},
        ]
    }


def test_the_builder_shows_an_existing_rule_and_adds_a_row(admin):
    admin.post("/admin/crm/statuses/rules/new", data=_rule_form())
    rule = list_status_rules()[0]
    html = admin.get(f"/admin/crm/statuses/rules/{rule.id}").get_data(as_text=True)
    assert 'name="c-0-within_days" value="180"' in html and 'name="c-2-type"' in html
    more = admin.post(
        f"/admin/crm/statuses/rules/{rule.id}", data=_rule_form(add_row="1", **{"c-2-type": "created"})
    )
    assert 'name="c-3-type"' in more.get_data(as_text=True)
    assert list_status_rules()[0].conditions["all"][0]["within_days"] == 180  # adding a row saves nothing


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"c-0-within_days": "half a year"}, "c-0-within_days"), ({"c-1-within_days": "-3"}, "c-1-within_days"),
     ({"c-0-min_total": "lots"}, "c-0-min_total")],
)  # fmt: skip
def test_bad_builder_values_are_shown_in_their_row(admin, overrides, field):
    resp = admin.post("/admin/crm/statuses/rules/new", data=_rule_form(**overrides))
    assert resp.status_code == 400
    assert field_error(resp.get_data(as_text=True), field)
    assert list_status_rules() == []


def test_a_service_validation_error_lands_in_the_right_row(admin):
    # "created" needs within_days: the condition language says so, the builder passes it on to the service.
    resp = admin.post("/admin/crm/statuses/rules/new", data=_rule_form(**{"c-2-type": "created"}))
    assert resp.status_code == 400
    assert field_error(resp.get_data(as_text=True), "c-2-within_days")
    assert list_status_rules() == []


def test_rule_name_and_conditions_are_required(admin):
    resp = admin.post("/admin/crm/statuses/rules/new", data={"name": "", "target_status": "active", "mode": "builder",
                                                              "combinator": "all", "c-0-type": ""})  # fmt: skip
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and field_error(html, "conditions")
    assert list_status_rules() == []


def test_raw_json_mode_saves_nested_conditions(admin):
    tree = {"any": [{"type": "flag", "flag": "foreign"}, {"all": [{"type": "created", "within_days": 7},
                                                                  {"not": {"type": "interests"}}]}]}  # fmt: skip
    resp = admin.post("/admin/crm/statuses/rules/new",
                      data=_rule_form(mode="json", json=json.dumps(tree), target_status="foreign"))  # fmt: skip
    assert resp.status_code == 302
    rule = list_status_rules()[0]
    assert rule.conditions == tree
    html = admin.get(f"/admin/crm/statuses/rules/{rule.id}").get_data(as_text=True)
    assert "nested deeper than the form shows" in html  # the builder cannot show it: JSON mode opens


@pytest.mark.parametrize(
    ("text", "words"),
    [('{"all": [', "Not valid JSON"), ('{"type": "weather"}', "Unknown condition type"),
     ('{"all": [{"type": "interests", "within_days": "soon"}]}', "within_days")],
)  # fmt: skip
def test_raw_json_is_validated_on_the_server(admin, text, words):
    resp = admin.post("/admin/crm/statuses/rules/new", data=_rule_form(mode="json", json=text))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and field_error(html, "conditions") and words in html
    assert list_status_rules() == []


# --- schedule and recalculation ------------------------------------------------------------------------------


def test_save_a_daily_schedule(admin):
    resp = admin.post("/admin/crm/statuses/schedule",
                      data={"enabled": "1", "mode": "daily", "daily_at": "05:30", "interval_hours": "24",
                            "timezone": "Asia/Yekaterinburg"})  # fmt: skip
    assert resp.status_code == 302
    schedule = get_schedule()
    assert (schedule.mode, schedule.daily_at, schedule.timezone) == ("daily", "05:30", "Asia/Yekaterinburg")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"daily_at": "25:00"}, "daily_at"), ({"mode": "interval", "interval_hours": "0"}, "interval_hours"),
     ({"mode": "interval", "interval_hours": "often"}, "interval_hours"), ({"timezone": "Mars/Base"}, "timezone")],
)  # fmt: skip
def test_bad_schedule_input_is_shown_next_to_the_field(admin, overrides, field):
    data = {
        "enabled": "1",
        "mode": "daily",
        "daily_at": "05:30",
        "interval_hours": "24",
        "timezone": "Europe/Moscow",
    }
    data.update(overrides)
    resp = admin.post("/admin/crm/statuses/schedule", data=data)
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), field)
    assert get_schedule().daily_at == "03:00"


def test_recalculate_all_runs_as_a_job_and_shows_its_result(admin, people):
    install_default_status_rules()
    ensure_default_stages()
    buyer = create_client(people.manager, {"name": "Romashka LLC"})
    create_client(people.manager, {"name": "Vector JSC"})
    create_interest(people.manager, {"client_id": buyer.id, "title": "Chairs", "amount": 1000})
    assert admin.post("/admin/crm/statuses/recalculate").status_code == 302  # JOBS_EAGER: runs at once
    job = statuses_admin.latest_recalculation()
    assert job.state == DONE and job.result == {"processed": 2, "changed": 2} and job.percent == 100
    assert status_of(buyer.id).code == "in_progress"
    html = admin.get(f"/admin/crm/statuses/recalculate/{job.id}").get_data(as_text=True)
    assert "100%" in html and "hx-get" not in html  # finished: the page stops polling


def test_a_queued_recalculation_keeps_polling(admin, app):
    sent = []  # the dispatcher is chosen at start-up: replace it with a recorder that runs nothing
    app.extensions["routemap.dispatcher"] = type(
        "Recorder", (), {"dispatch": lambda self, n, a: sent.append((n, a))}
    )()
    admin.post("/admin/crm/statuses/recalculate")
    job = statuses_admin.latest_recalculation()
    assert sent == [("crm.statuses.run_recalculation_job", (job.id,))]
    html = admin.get(f"/admin/crm/statuses/recalculate/{job.id}").get_data(as_text=True)
    assert "hx-get" in html and 'hx-trigger="every 1s"' in html
    admin.post("/admin/crm/statuses/recalculate")  # a second click while queued does not start another run
    assert len(sent) == 1


def test_status_dynamics_report(admin, people):
    install_default_status_rules()
    create_client(people.manager, {"name": "Romashka LLC"})
    statuses_admin.run_status_recalculation_job(statuses_admin.start_status_recalculation(people.admin).id)
    html = admin.get("/admin/crm/statuses/dynamics?days=30").get_data(as_text=True)
    assert 'data-testid="dynamics-mix"' in html and "not a client yet" in html


# --- quality -------------------------------------------------------------------------------------------------


def test_add_a_quality_rule_and_change_its_weight(admin):
    resp = admin.post(
        "/admin/crm/quality?status=active", data={"target": "client", "field": "inn", "weight": "5"}
    )
    assert resp.status_code == 302
    [rule] = list_quality_rules("active")
    assert (rule.target, rule.field, rule.weight, rule.enabled) == ("client", "inn", 5, True)
    admin.post("/admin/crm/quality?status=active",
               data={"rule_id": str(rule.id), "target": "client", "field": "inn", "weight": "7"})  # fmt: skip
    [rule] = list_quality_rules("active")
    assert rule.weight == 7 and rule.enabled is False  # the checkbox was not sent: switched off


@pytest.mark.parametrize(
    ("data", "field"),
    [({"target": "client", "field": "shoe_size", "weight": "1"}, "field"),
     ({"target": "client", "field": "inn", "weight": "500"}, "weight"),
     ({"target": "client", "field": "inn", "weight": "heavy"}, "weight")],
)  # fmt: skip
def test_bad_quality_rule_input_is_shown_next_to_the_field(admin, data, field):
    resp = admin.post("/admin/crm/quality?status=new", data=data)
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), field)
    assert list_quality_rules() == []


def test_load_the_recommended_template(admin):
    resp = admin.post(
        "/admin/crm/quality/template", data={"template": "recommended", "replace": "1", "status": "new"}
    )
    assert resp.status_code == 302
    assert {r.field for r in list_quality_rules("active")} >= {"inn", "key_person", "phone"}
    html = admin.get("/admin/crm/quality?status=active").get_data(as_text=True)
    assert "A key person among the contacts" in html


def test_delete_a_quality_rule(admin):
    admin.post("/admin/crm/quality?status=new", data={"target": "contact", "field": "email", "weight": "2"})
    rule = list_quality_rules("new")[0]
    admin.post(f"/admin/crm/quality/{rule.id}/delete", data={"status": "new"})
    assert list_quality_rules() == []
