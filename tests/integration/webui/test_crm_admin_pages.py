"""Client base settings: access, portrait attributes, appeal types and interest stages."""

from __future__ import annotations

import pytest

from crm.clients.admin_services import list_portrait_definitions
from crm.deals.services import ensure_default_stages, list_stages
from crm.support.services import list_appeal_types, save_appeal_type
from tests.integration.webui.crm_admin_fixtures import field_error, log_in, make_people

PAGES = [
    "/admin/crm/portrait",
    "/admin/crm/statuses",
    "/admin/crm/statuses/rules/new",
    "/admin/crm/statuses/dynamics",
    "/admin/crm/quality",
    "/admin/crm/appeal-types",
    "/admin/crm/stages",
    "/admin/crm/absences",
    "/admin/crm/hand-over",
    "/admin/crm/import",
]


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def admin(people, client):
    log_in(client, "root")
    return client


@pytest.mark.parametrize("url", PAGES)
def test_every_page_opens_for_an_administrator(admin, url):
    resp = admin.get(url)
    assert resp.status_code == 200
    assert 'data-testid="crm-settings-tabs"' in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_a_manager_gets_403_on_every_page(people, client, url):
    log_in(client, "mary")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    ["/admin/crm/portrait", "/admin/crm/statuses/recalculate", "/admin/crm/import", "/admin/crm/hand-over"],
)
def test_a_manager_cannot_post_either(people, client, url):
    log_in(client, "mary")
    assert client.post(url, data={}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    resp = client.get("/admin/crm/statuses")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_administration_menu_links_the_settings(admin):
    html = admin.get("/admin/crm/portrait").get_data(as_text=True)
    assert 'href="/admin/crm/statuses"' in html and 'href="/admin/crm/import"' in html


# --- portrait ----------------------------------------------------------------------------------------------


def _attribute(**overrides):
    data = {"code": "industry", "label": "Industry", "value_type": "choice", "applies_to": "company",
            "choices": "Retail\nManufacturing\n", "sort_order": "5", "required": "1"}  # fmt: skip
    data.update(overrides)
    return data


def test_add_a_choice_attribute_for_companies(admin):
    resp = admin.post("/admin/crm/portrait", data=_attribute())
    assert resp.status_code == 302
    [attribute] = list_portrait_definitions()[0]
    assert (attribute.code, attribute.applies_to, attribute.required) == ("industry", "company", True)
    assert attribute.choices == ["Retail", "Manufacturing"] and attribute.sort_order == 5
    assert "Industry" in admin.get("/admin/crm/portrait").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"code": "bad code!"}, "code"), ({"label": " "}, "label"), ({"choices": ""}, "choices"),
     ({"sort_order": "first"}, "sort_order")],
)  # fmt: skip
def test_bad_attribute_input_is_shown_next_to_the_field_and_nothing_is_saved(admin, overrides, field):
    resp = admin.post("/admin/crm/portrait", data=_attribute(**overrides))
    assert resp.status_code == 400
    assert field_error(resp.get_data(as_text=True), field)
    assert list_portrait_definitions(state="all")[1] == 0


def test_the_same_code_twice_for_the_same_cards_is_refused(admin):
    admin.post("/admin/crm/portrait", data=_attribute())
    resp = admin.post("/admin/crm/portrait", data=_attribute(label="Another"))
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "code")
    assert list_portrait_definitions()[0][0].label == "Industry"


def test_edit_changes_label_choices_and_required_but_never_the_code(admin):
    admin.post("/admin/crm/portrait", data=_attribute())
    attribute = list_portrait_definitions()[0][0]
    resp = admin.post(
        f"/admin/crm/portrait/{attribute.id}",
        data=_attribute(code="renamed", label="Branch", choices="Retail\nServices", required=""),
    )
    assert resp.status_code == 302
    [changed] = list_portrait_definitions()[0]
    assert (changed.code, changed.label, changed.choices, changed.required) == (
        "industry", "Branch", ["Retail", "Services"], False,
    )  # fmt: skip


def test_deactivate_hides_the_attribute_from_the_active_list(admin):
    admin.post("/admin/crm/portrait", data=_attribute())
    attribute = list_portrait_definitions()[0][0]
    assert admin.post(f"/admin/crm/portrait/{attribute.id}/deactivate").status_code == 302
    assert list_portrait_definitions()[1] == 0
    assert list_portrait_definitions(state="inactive")[1] == 1
    assert "Industry" not in admin.get("/admin/crm/portrait").get_data(as_text=True)
    assert "Industry" in admin.get("/admin/crm/portrait?state=inactive").get_data(as_text=True)


def test_the_portrait_list_is_paged_and_filtered(admin):
    for i in range(30):
        admin.post("/admin/crm/portrait", data=_attribute(code=f"a{i:02d}", label=f"Attr {i:02d}",
                                                          value_type="string", applies_to="contact"))  # fmt: skip
    admin.post("/admin/crm/portrait", data=_attribute())
    first = admin.get("/admin/crm/portrait?applies_to=contact").get_data(as_text=True)
    assert "Attr 00" in first and "Attr 29" not in first and "Industry" not in first
    assert "Attr 29" in admin.get("/admin/crm/portrait?applies_to=contact&page=2").get_data(as_text=True)


def test_unknown_attribute_is_a_404(admin):
    assert admin.get("/admin/crm/portrait/999").status_code == 404


# --- appeal types --------------------------------------------------------------------------------------------


def _appeal(**overrides):
    data = {"name": "Claim", "route_map_key": "", "reaction_sla": "PT4H working",
            "processing_sla": "3d working", "default_priority": "high", "is_active": "1"}  # fmt: skip
    data.update(overrides)
    return data


def test_add_an_appeal_type_with_sla(admin):
    assert (
        admin.post("/admin/crm/appeal-types", data=_appeal(processing_sla="P3D working")).status_code == 302
    )
    [claim] = list_appeal_types()
    assert (claim.reaction_sla, claim.processing_sla, claim.default_priority) == (
        "PT4H working",
        "P3D working",
        "high",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reaction_sla", "four hours"),
        ("processing_sla", "P0D"),
        ("name", ""),
        ("route_map_key", "no-such-map"),
    ],
)
def test_bad_appeal_type_input_is_shown_next_to_the_field(admin, field, value):
    resp = admin.post("/admin/crm/appeal-types", data=_appeal(**{field: value}))
    assert resp.status_code == 400
    assert field_error(resp.get_data(as_text=True), field)
    assert list_appeal_types(include_inactive=True) == []


def test_appeal_type_names_are_unique(admin, people):
    save_appeal_type(people.admin, name="Claim")
    resp = admin.post("/admin/crm/appeal-types", data=_appeal(name="claim", processing_sla=""))
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "name")


def test_edit_and_deactivate_an_appeal_type(admin, people):
    claim = save_appeal_type(people.admin, name="Claim", reaction_sla="PT1H")
    resp = admin.post(f"/admin/crm/appeal-types/{claim.id}",
                      data=_appeal(name="Complaint", processing_sla="", is_active=""))  # fmt: skip
    assert resp.status_code == 302
    assert list_appeal_types() == []
    [changed] = list_appeal_types(include_inactive=True)
    assert changed.name == "Complaint" and changed.reaction_sla == "PT4H working"
    assert "Complaint" in admin.get("/admin/crm/appeal-types?state=inactive").get_data(as_text=True)


# --- interest stages -----------------------------------------------------------------------------------------


def test_add_a_stage_at_the_end_of_the_funnel(admin):
    ensure_default_stages()
    resp = admin.post("/admin/crm/stages",
                      data={"code": "contract", "name": "Contract", "probability": "85", "kind": "open", "is_active": "1"})  # fmt: skip
    assert resp.status_code == 302
    stages = list_stages()
    assert stages[-1].code == "contract" and stages[-1].probability == 85


@pytest.mark.parametrize(
    ("field", "value"), [("probability", "120"), ("probability", "much"), ("code", "Bad Code"), ("name", "")]
)
def test_bad_stage_input_is_shown_next_to_the_field(admin, field, value):
    ensure_default_stages()
    data = {"code": "contract", "name": "Contract", "probability": "85", "kind": "open", "is_active": "1"}
    data[field] = value
    resp = admin.post("/admin/crm/stages", data=data)
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), field)
    assert "contract" not in {s.code for s in list_stages(include_inactive=True)}


def test_move_a_stage_up(admin):
    ensure_default_stages()
    needs = next(s for s in list_stages() if s.code == "needs")
    assert admin.post(f"/admin/crm/stages/{needs.id}/move", data={"direction": "up"}).status_code == 302
    assert [s.code for s in list_stages()][:2] == ["needs", "qualification"]


def test_the_only_won_stage_cannot_be_switched_off(admin):
    ensure_default_stages()
    won = next(s for s in list_stages() if s.code == "won")
    resp = admin.post(f"/admin/crm/stages/{won.id}",
                      data={"name": "Won", "probability": "100", "kind": "won"})  # fmt: skip
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "is_active")
    assert next(s for s in list_stages() if s.code == "won").is_active
