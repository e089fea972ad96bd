"""Client base settings → business regions and segments, on SQLite and PostgreSQL: create, edit, delete,
errors next to the fields, the refusal to delete a row cards use, and administrators only."""

from __future__ import annotations

import pytest

from crm.clients.directories import list_regions, list_segments, save_region, save_segment
from crm.clients.leads import create_lead
from crm.clients.models import BusinessRegion, Segment
from crm.clients.services import create_client
from engine.db import db
from tests.integration.webui.crm_admin_fixtures import field_error, log_in, make_people

PAGES = ["/admin/crm/regions", "/admin/crm/segments"]


@pytest.fixture
def people(any_app):
    return make_people()


@pytest.fixture
def admin(people, any_app):
    client = any_app.test_client()
    log_in(client, "root")
    return client


@pytest.fixture
def manager(people, any_app):
    """Mary alone: one test client per test (the tests share one app context, so ``g`` too)."""
    client = any_app.test_client()
    log_in(client, "mary")
    return client


def _region(admin, name="Siberia", timezone="Asia/Novosibirsk", region_id=None):
    url = f"/admin/crm/regions/{region_id}" if region_id else "/admin/crm/regions"
    return admin.post(url, data={"name": name, "timezone": timezone})


def _segment(admin, name="Key accounts", description="The largest clients", segment_id=None):
    url = f"/admin/crm/segments/{segment_id}" if segment_id else "/admin/crm/segments"
    return admin.post(url, data={"name": name, "description": description})


def _regions() -> dict[str, str]:
    db.session.expire_all()
    return {r.name: r.timezone for r in db.session.query(BusinessRegion)}


def _segments() -> dict[str, str]:
    db.session.expire_all()
    return {s.name: s.description for s in db.session.query(Segment)}


# --- access and navigation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_the_pages_open_from_the_settings_tabs(admin, url):
    html = admin.get("/admin/crm/", follow_redirects=True).get_data(as_text=True)
    assert f'href="{url}"' in html
    page = admin.get(url)
    assert page.status_code == 200 and 'data-testid="crm-settings-tabs"' in page.get_data(as_text=True)


def test_a_manager_gets_403_and_changes_nothing(people, manager):
    region_id = save_region(people.admin, name="Siberia", timezone="Asia/Novosibirsk").id
    segment_id = save_segment(people.admin, name="Key accounts").id
    for url in [*PAGES, f"/admin/crm/regions/{region_id}", f"/admin/crm/segments/{segment_id}"]:
        assert manager.get(url).status_code == 403
    assert _region(manager, name="Ural", timezone="Asia/Yekaterinburg").status_code == 403
    assert _region(manager, name="Renamed", region_id=region_id).status_code == 403
    assert manager.post(f"/admin/crm/regions/{region_id}/delete").status_code == 403
    assert _segment(manager, name="SMB").status_code == 403
    assert manager.post(f"/admin/crm/segments/{segment_id}/delete").status_code == 403
    assert list(_regions()) == ["Siberia"] and list(_segments()) == ["Key accounts"]


def test_anonymous_visitors_are_sent_to_log_in(any_app):
    resp = any_app.test_client().get("/admin/crm/segments")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# --- business regions --------------------------------------------------------------------------------------


def test_create_a_region_and_see_it_with_its_local_time(admin):
    resp = _region(admin, name="  Siberia  ")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/crm/regions")
    assert _regions() == {"Siberia": "Asia/Novosibirsk"}
    html = admin.get("/admin/crm/regions").get_data(as_text=True)
    assert 'data-region="Siberia"' in html and "Asia/Novosibirsk" in html
    assert "Business region saved." in html


def test_the_form_offers_iana_zones_and_shows_the_local_time_beside_them(admin):
    html = admin.get("/admin/crm/regions").get_data(as_text=True)
    assert "<option selected>Europe/Moscow</option>" in html and "<option >Asia/Vladivostok</option>" in html
    assert 'data-testid="zone-now"' in html


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 201}, "name"),
     ({"timezone": "Mars/Olympus"}, "timezone"), ({"timezone": ""}, "timezone")],
)  # fmt: skip
def test_bad_region_input_is_shown_next_to_the_field_and_nothing_is_saved(admin, data, field):
    resp = _region(admin, **data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert field_error(html, field)
    assert _regions() == {}


def test_a_duplicate_name_is_a_field_error_not_a_database_error(admin):
    _region(admin, name="Москва", timezone="Europe/Moscow")
    resp = _region(admin, name="москва", timezone="Europe/Kaliningrad")
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "name")
    assert _regions() == {"Москва": "Europe/Moscow"}


def test_edit_a_region_renames_it_and_changes_the_zone(admin):
    _region(admin)
    region_id = db.session.query(BusinessRegion.id).scalar()
    form = admin.get(f"/admin/crm/regions/{region_id}").get_data(as_text=True)
    assert "Edit Siberia" in form and "<option selected>Asia/Novosibirsk</option>" in form
    assert _region(admin, name="West Siberia", timezone="Asia/Omsk", region_id=region_id).status_code == 302
    assert _regions() == {"West Siberia": "Asia/Omsk"}


def test_a_stored_zone_the_select_does_not_list_is_kept_on_the_form(admin):
    db.session.add(BusinessRegion(name="Old", timezone="Etc/GMT-3"))
    db.session.commit()
    region_id = db.session.query(BusinessRegion.id).scalar()
    html = admin.get(f"/admin/crm/regions/{region_id}").get_data(as_text=True)
    assert "<option selected>Etc/GMT-3</option>" in html
    assert _region(admin, name="Old region", timezone="Etc/GMT-3", region_id=region_id).status_code == 302


def test_a_missing_region_is_404(admin):
    assert admin.get("/admin/crm/regions/999").status_code == 404
    assert admin.post("/admin/crm/regions/999/delete").status_code == 404


def test_delete_an_unused_region(admin):
    _region(admin)
    region_id = db.session.query(BusinessRegion.id).scalar()
    form = admin.get(f"/admin/crm/regions/{region_id}").get_data(as_text=True)
    assert 'data-testid="directory-delete"' in form
    resp = admin.post(f"/admin/crm/regions/{region_id}/delete")
    assert resp.status_code == 302 and _regions() == {}


def test_a_region_cards_use_says_how_many_and_offers_no_delete(admin, people):
    _region(admin)
    region_id = db.session.query(BusinessRegion.id).scalar()
    for name in ("Alpha", "Beta"):
        create_client(people.manager, {"name": name, "region_id": region_id})
    create_lead(people.manager, {"name": "Gamma", "region_id": region_id})
    form = admin.get(f"/admin/crm/regions/{region_id}").get_data(as_text=True)
    assert 'data-testid="directory-delete"' not in form
    assert "Client cards in this region: 2; potential clients: 1." in form
    resp = admin.post(f"/admin/crm/regions/{region_id}/delete", follow_redirects=True)
    assert "Client cards in this region: 2; potential clients: 1." in resp.get_data(as_text=True)
    assert _regions() == {"Siberia": "Asia/Novosibirsk"}


def test_the_region_list_filters_by_name_and_pages(admin):
    for n in range(27):
        _region(admin, name=f"Region {n:02d}", timezone="Europe/Moscow")
    _region(admin, name="Kamchatka", timezone="Asia/Kamchatka")
    html = admin.get("/admin/crm/regions?name=KAMCH").get_data(as_text=True)
    assert 'data-region="Kamchatka"' in html and 'data-region="Region 00"' not in html
    second = admin.get("/admin/crm/regions?page=2").get_data(as_text=True)
    assert 'data-region="Region 26"' in second and 'data-region="Region 00"' not in second
    assert list_regions()[1] == 28


# --- segments ----------------------------------------------------------------------------------------------


def test_create_and_edit_a_segment(admin):
    assert _segment(admin).status_code == 302
    segment_id = db.session.query(Segment.id).scalar()
    assert _segment(admin, name="Key clients", description="", segment_id=segment_id).status_code == 302
    assert _segments() == {"Key clients": ""}


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": ""}, "name"), ({"name": "n" * 201}, "name"), ({"description": "d" * 1001}, "description")],
)
def test_bad_segment_input_is_shown_next_to_the_field(admin, data, field):
    resp = _segment(admin, **data)
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), field)
    assert _segments() == {}


def test_a_duplicate_segment_name_is_a_field_error(admin):
    _segment(admin, name="SMB")
    resp = _segment(admin, name=" smb ")
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "name")
    assert list(_segments()) == ["SMB"]


def test_the_segment_list_counts_clients_and_links_to_them(admin, people):
    _segment(admin, name="SMB")
    _segment(admin, name="Enterprise")
    smb = db.session.query(Segment).filter_by(name="SMB").one()
    for name in ("Alpha", "Beta", "Gamma"):
        create_client(people.manager, {"name": name, "segment_id": smb.id})
    create_client(people.manager, {"name": "Delta"})
    html = admin.get("/admin/crm/segments").get_data(as_text=True)
    assert f'href="/clients?segment={smb.id}"' in html
    assert [r.usage.clients for r in list_segments()[0]] == [0, 3]  # Enterprise, SMB
    clients = admin.get(f"/clients?segment={smb.id}").get_data(as_text=True)
    assert all(name in clients for name in ("Alpha", "Beta", "Gamma")) and "Delta" not in clients
    assert "SMB" in admin.get("/admin/crm/segments?name=sm").get_data(as_text=True)
    assert 'data-segment="Enterprise"' not in admin.get("/admin/crm/segments?name=sm").get_data(as_text=True)


def test_a_segment_in_use_is_not_deleted_an_unused_one_is(admin, people):
    _segment(admin, name="SMB")
    _segment(admin, name="Enterprise")
    smb = db.session.query(Segment).filter_by(name="SMB").one()
    enterprise_id = db.session.query(Segment.id).filter_by(name="Enterprise").scalar()
    create_client(people.manager, {"name": "Alpha", "segment_id": smb.id})
    form = admin.get(f"/admin/crm/segments/{smb.id}").get_data(as_text=True)
    assert "Client cards in this segment: 1." in form and 'data-testid="directory-delete"' not in form
    resp = admin.post(f"/admin/crm/segments/{smb.id}/delete", follow_redirects=True)
    assert "Client cards in this segment: 1." in resp.get_data(as_text=True)
    assert admin.post(f"/admin/crm/segments/{enterprise_id}/delete").status_code == 302
    assert list(_segments()) == ["SMB"]


def test_the_pages_speak_russian(admin):
    with admin.session_transaction() as session:
        session["locale"] = "ru"
    resp = _segment(admin, name="")
    html = resp.get_data(as_text=True)
    assert "Сегменты" in html and "Укажите наименование." in html
