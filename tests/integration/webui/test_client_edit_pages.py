"""Editing a client through the real app: every field with errors next to it (INN checksum, phones, portrait),
nothing half-saved, responsible only among assignable users, work-status flags with recalculation, contact
persons (duplicate warning, "create anyway", edit), the paged change history; another manager gets 403."""

import pytest

from crm.clients.models import BusinessRegion, Client, ContactPerson, Segment
from crm.clients.portrait import define_portrait_attribute
from crm.clients.services import create_client
from crm.history import ChangeLogEntry
from crm.statuses.models import ClientWorkState
from crm.statuses.rules import install_default_status_rules
from engine.db import db
from tests.integration.webui.clients_fixtures import build_world, log_in


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def world(any_app):
    return build_world()


@pytest.fixture
def mary(client, world):
    log_in(client, "mary")
    return client


def _admin():
    from crm.accounts import services as accounts

    return accounts.create_user("root", "Root Admin", "password-1", roles=["administrator"])


def _form(world, **overrides):
    data = {
        "kind": "company", "name": "Romashka LLC", "legal_name": "", "inn": "7707083893", "kpp": "",
        "legal_address": "", "actual_address": "", "website": "", "description": "", "region_id": "0",
        "segment_id": "0", "responsible_id": str(world.manager.id), "phones": ["+7 495 123-45-67"],
        "emails": ["info@romashka.ru"],
    }  # fmt: skip
    data.update(overrides)
    return data


def test_edit_page_shows_the_card_in_the_form(mary, world):
    page = mary.get(f"/clients/{world.own_client.id}/edit").get_data(as_text=True)
    assert 'value="Romashka LLC"' in page
    assert 'value="+7 495 123-45-67"' in page and 'name="phones"' in page
    assert 'value="info@romashka.ru"' in page
    assert 'data-testid="flags-form"' in page


def test_bad_inn_is_shown_next_to_the_field_and_nothing_is_saved(mary, world):
    resp = mary.post(
        f"/clients/{world.own_client.id}/edit",
        data=_form(world, name="Renamed", inn="7707083894", phones=["+7 495 123-45-67", "not a phone"]),
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field-error="inn"' in page and "check digit" in page
    assert 'data-field-error="phones"' in page  # every bad field at once
    db.session.expire_all()
    client = db.session.get(Client, world.own_client.id)
    assert client.name == "Romashka LLC" and client.inn == "7707083893"
    assert db.session.query(ChangeLogEntry).filter_by(entity="client", field="name").count() == 0


def test_valid_edit_saves_every_field_with_history_rows(mary, world):
    region = BusinessRegion(name="Siberia", timezone="Asia/Novosibirsk")
    segment = Segment(name="Key accounts")
    db.session.add_all([region, segment])
    db.session.commit()
    resp = mary.post(
        f"/clients/{world.own_client.id}/edit",
        data=_form(
            world, name="Romashka Group", inn="7736050003", kpp="773601001", region_id=str(region.id),
            segment_id=str(segment.id), phones=["+7 495 123-45-67", "+7 383 200-00-00"],
            emails=["sales@romashka.ru"], website="romashka.ru",
        ),
    )  # fmt: skip
    assert resp.status_code == 303 and resp.location.endswith(f"/clients/{world.own_client.id}")
    db.session.expire_all()
    client = db.session.get(Client, world.own_client.id)
    assert (client.name, client.inn, client.kpp) == ("Romashka Group", "7736050003", "773601001")
    assert client.region_id == region.id and client.segment_id == segment.id
    assert client.phones == ["+7 495 123-45-67", "+7 383 200-00-00"]
    assert client.emails == ["sales@romashka.ru"]
    history = mary.get(f"/clients/{world.own_client.id}/history").get_data(as_text=True)
    for field in ("name", "inn", "phones", "emails", "region_id", "segment_id"):
        assert f'data-field="{field}"' in history
    assert "Mary Manager" in history and "Siberia" in history and "Romashka Group" in history


def test_portrait_attributes_are_rendered_from_definitions_and_validated(mary, world):
    admin = _admin()
    define_portrait_attribute(admin, code="staff", label="Staff", value_type="number")
    define_portrait_attribute(admin, code="founded", label="Founded", value_type="date")
    define_portrait_attribute(admin, code="exporter", label="Exporter", value_type="bool")
    define_portrait_attribute(admin, code="size", label="Size", value_type="choice", choices=["S", "M", "L"])
    define_portrait_attribute(admin, code="ceo", label="CEO", value_type="string")
    page = mary.get(f"/clients/{world.own_client.id}/edit").get_data(as_text=True)
    assert 'name="portrait.founded"' in page and 'type="date"' in page
    assert '<option value="M"' in page and 'name="portrait.exporter"' in page
    bad = _form(world, **{"portrait.staff": "many", "portrait.size": "XL"})
    resp = mary.post(f"/clients/{world.own_client.id}/edit", data=bad)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field-error="portrait.staff"' in page and 'data-field-error="portrait.size"' in page
    good = _form(world, **{"portrait.staff": "120", "portrait.founded": "2001-05-04", "portrait.exporter": "yes",
                           "portrait.size": "M", "portrait.ceo": "Anna"})  # fmt: skip
    assert mary.post(f"/clients/{world.own_client.id}/edit", data=good).status_code == 303
    db.session.expire_all()
    portrait = db.session.get(Client, world.own_client.id).portrait
    assert portrait == {"staff": 120, "founded": "2001-05-04", "exporter": True, "size": "M", "ceo": "Anna"}
    cleared = _form(world, **{"portrait.staff": "", "portrait.founded": "2001-05-04", "portrait.exporter": "yes",
                              "portrait.size": "M", "portrait.ceo": "Anna"})  # fmt: skip
    assert mary.post(f"/clients/{world.own_client.id}/edit", data=cleared).status_code == 303
    db.session.expire_all()
    assert "staff" not in db.session.get(Client, world.own_client.id).portrait


def test_responsible_is_offered_and_accepted_only_among_assignable_users(mary, world):
    page = mary.get(f"/clients/{world.own_client.id}/edit").get_data(as_text=True)
    assert "Mary Manager" in page and "Oleg Other" not in page  # Oleg works in another department
    resp = mary.post(
        f"/clients/{world.own_client.id}/edit", data=_form(world, responsible_id=str(world.other_manager.id))
    )
    assert resp.status_code == 422  # not a choice of the select: the error is next to the field
    assert 'data-field-error="responsible_id"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Client, world.own_client.id).responsible_id == world.manager.id


def test_edit_warns_about_new_duplicates_and_offers_merge(mary, world):
    twin = create_client(world.manager, {"name": "Lotus Trading", "inn": "7736050003"})
    resp = mary.post(f"/clients/{twin.id}/edit", data=_form(world, name="Lotus Trading", inn="7707083893",
                                                            phones=[], emails=[]))  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-testid="duplicates"' in page
    assert f"/clients/{twin.id}/merge/{world.own_client.id}" in page
    db.session.expire_all()
    assert db.session.get(Client, twin.id).inn == "7736050003"
    data = _form(world, name="Lotus Trading", inn="7707083893", phones=[], emails=[], allow_duplicate="y")
    assert mary.post(f"/clients/{twin.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Client, twin.id).inn == "7707083893"
    # Saving again does not repeat a warning about a look-alike the card already had.
    assert mary.post(f"/clients/{twin.id}/edit", data={**data, "allow_duplicate": ""}).status_code == 303


def test_flags_recalculate_the_work_status_at_once(mary, world):
    install_default_status_rules()
    resp = mary.post(f"/clients/{world.own_client.id}/flags", data={"liquidated": "y"})
    assert resp.status_code == 303
    state = db.session.get(ClientWorkState, world.own_client.id)
    assert state.is_liquidated and state.status == "liquidated"
    page = mary.get(resp.location).get_data(as_text=True)
    assert 'data-status="liquidated"' in page and "Work status recalculated: Liquidated." in page
    mary.post(f"/clients/{world.own_client.id}/flags", data={})
    db.session.expire_all()
    state = db.session.get(ClientWorkState, world.own_client.id)
    assert not state.is_liquidated and state.status != "liquidated"


def test_another_manager_cannot_open_or_post_any_edit_page(client, world):
    log_in(client, "oleg")
    own, contact = world.own_client.id, world.contact.id
    for url in (f"/clients/{own}/edit", f"/clients/{own}/contacts/new", f"/contacts/{contact}/edit",
                f"/clients/{own}/history", f"/contacts/{contact}/history"):  # fmt: skip
        resp = client.get(url)
        assert resp.status_code == 403, url
        assert "Access denied" in resp.get_data(as_text=True)
    assert client.post(f"/clients/{own}/edit", data=_form(world, name="Hijacked")).status_code == 403
    assert client.post(f"/clients/{own}/flags", data={"foreign": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Client, own).name == "Romashka LLC"
    assert db.session.get(ClientWorkState, own) is None or not db.session.get(ClientWorkState, own).is_foreign


def test_add_contact_with_errors_duplicates_and_create_anyway(mary, world):
    url = f"/clients/{world.own_client.id}/contacts/new"
    resp = mary.post(url, data={"full_name": "", "birthday": "31.02.1990", "phones": ["+7 916 000-00-01"]})
    assert resp.status_code == 422
    assert 'data-field-error="full_name"' in resp.get_data(as_text=True)
    resp = mary.post(url, data={"full_name": "Anna Smirnova", "birthday": "1990-02-31"})
    assert resp.status_code == 422 and 'data-field-error="birthday"' in resp.get_data(as_text=True)
    dup = {
        "full_name": "Ivan Petroff",
        "phones": ["+7 916 111-22-33"],
        "is_key_person": "y",
        "birthday": "1985-07-01",
    }
    resp = mary.post(url, data=dup)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-testid="duplicates"' in page and "Ivan Petrov" in page
    assert db.session.query(ContactPerson).filter_by(full_name="Ivan Petroff").count() == 0
    resp = mary.post(url, data={**dup, "allow_duplicate": "y"})
    assert resp.status_code == 303
    added = db.session.query(ContactPerson).filter_by(full_name="Ivan Petroff").one()
    assert added.is_key_person and added.birthday.isoformat() == "1985-07-01"
    assert added.phones == ["+7 916 111-22-33"]


def test_edit_contact_saves_all_or_nothing_and_keeps_history(mary, world):
    url = f"/contacts/{world.contact.id}/edit"
    assert 'value="Ivan Petrov"' in mary.get(url).get_data(as_text=True)
    bad = {"full_name": "Ivan P. Petrov", "position": "Head of purchasing", "phones": ["oops"]}
    assert mary.post(url, data=bad).status_code == 422
    db.session.expire_all()
    assert db.session.get(ContactPerson, world.contact.id).full_name == "Ivan Petrov"
    good = {"full_name": "Ivan P. Petrov", "position": "Head of purchasing", "is_active": "y",
            "phones": ["+7 916 111-22-33"], "emails": ["ivan@romashka.ru"], "birthday": "1980-01-15"}  # fmt: skip
    assert mary.post(url, data=good).status_code == 303
    db.session.expire_all()
    contact = db.session.get(ContactPerson, world.contact.id)
    assert (contact.full_name, contact.position, contact.is_key_person) == (
        "Ivan P. Petrov",
        "Head of purchasing",
        False,
    )
    assert contact.emails == ["ivan@romashka.ru"]
    history = mary.get(f"/contacts/{world.contact.id}/history").get_data(as_text=True)
    for field in ("full_name", "position", "is_key_person", "emails", "birthday"):
        assert f'data-field="{field}"' in history


def test_history_is_paged(mary, world):
    for n in range(55):
        db.session.add(ChangeLogEntry(entity="client", entity_id=world.own_client.id, field="website",
                                      old_value=f"w{n}", new_value=f"w{n + 1}", user_id=world.manager.id))  # fmt: skip
    db.session.commit()
    first = mary.get(f"/clients/{world.own_client.id}/history").get_data(as_text=True)
    second = mary.get(f"/clients/{world.own_client.id}/history?page=2").get_data(as_text=True)
    assert first.count('data-testid="history-row"') == 50
    assert second.count('data-testid="history-row"') == 6  # 55 + the creation row
    assert ">w55<" in first and 'data-field=""' in second  # newest first; the creation row last


def test_merged_card_edit_url_lands_on_the_kept_card(mary, world):
    from crm.clients.merge import merge_clients

    twin = create_client(world.manager, {"name": "Romashka (old)"}, allow_duplicate=True)
    merge_clients(world.manager, world.own_client.id, twin.id)
    resp = mary.get(f"/clients/{twin.id}/edit")
    assert resp.status_code == 302 and resp.location.endswith(f"/clients/{world.own_client.id}/edit")


def test_forms_without_the_csrf_token_change_nothing(tmp_path):
    from tests.conftest import make_sqlite_app

    csrf_app = make_sqlite_app(tmp_path, WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        world = build_world()
        browser = csrf_app.test_client()
        login_page = browser.get("/login").get_data(as_text=True)
        token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        resp = browser.post(
            "/login", data={"username": "mary", "password": "password-1", "csrf_token": token}
        )
        assert resp.status_code == 302
        edit_page = browser.get(f"/clients/{world.own_client.id}/edit").get_data(as_text=True)
        assert 'name="csrf_token"' in edit_page
        own = world.own_client.id
        for url, data in ((f"/clients/{own}/edit", _form(world, name="Forged")), (f"/clients/{own}/flags",
                          {"liquidated": "y"}), (f"/clients/{own}/contacts/new", {"full_name": "Forged"})):  # fmt: skip
            assert browser.post(url, data=data).status_code == 303  # back to the form with "expired"
        db.session.expire_all()
        assert db.session.get(Client, own).name == "Romashka LLC"
        assert db.session.query(ContactPerson).filter_by(full_name="Forged").count() == 0
        state = db.session.get(ClientWorkState, own)
        assert state is None or not state.is_liquidated
        db.session.remove()


def test_changing_the_kind_drops_portrait_values_the_new_kind_does_not_have(mary, world):
    admin = _admin()
    define_portrait_attribute(admin, code="staff", label="Staff", value_type="number", applies_to="company")
    define_portrait_attribute(admin, code="hobby", label="Hobby", value_type="string", applies_to="person")
    assert (
        mary.post(
            f"/clients/{world.own_client.id}/edit", data=_form(world, **{"portrait.staff": "12"})
        ).status_code
        == 303
    )
    person = _form(world, kind="person", inn="", **{"portrait.hobby": "chess"})
    resp = mary.post(f"/clients/{world.own_client.id}/edit", data=person)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    db.session.expire_all()
    client = db.session.get(Client, world.own_client.id)
    assert client.kind == "person" and client.portrait == {"hobby": "chess"}
    assert db.session.query(ChangeLogEntry).filter_by(field="portrait.staff", new_value=None).count() == 1


def _seen_mark(page: str) -> str:
    import re

    found = re.search(r'name="seen_mark"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="seen_mark"', page)
    assert found, "the edit form carries the history mark it was opened at"
    return found.group(1) or found.group(2)


def test_a_stale_form_is_refused_with_the_change_listed_then_saved_knowingly(client, world, any_app):
    url = f"/clients/{world.own_client.id}/edit"
    log_in(client, "mary")
    mark = _seen_mark(client.get(url).get_data(as_text=True))
    # Meanwhile a colleague (another browser) changes the phone.
    other = any_app.test_client()
    log_in(other, "mary")
    other_mark = _seen_mark(other.get(url).get_data(as_text=True))
    assert other_mark == mark
    changed = _form(world, phones=["+7 495 000-00-01"], seen_mark=other_mark)
    assert other.post(url, data=changed).status_code == 303

    stale = _form(world, name="Romashka Group", seen_mark=mark)  # still shows the old phone
    resp = client.post(url, data=stale)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert 'data-testid="edit-conflict"' in page and 'data-field="phones"' in page
    assert 'data-field-error="phones"' in page and "+7 495 000-00-01" in page
    assert 'value="Romashka Group"' in page  # what was typed stays in the form
    db.session.expire_all()
    saved = db.session.get(Client, world.own_client.id)
    assert saved.name == "Romashka LLC" and saved.phones == ["+7 495 000-00-01"]

    resp = client.post(url, data={**stale, "seen_mark": _seen_mark(page)})
    assert resp.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Client, world.own_client.id)
    assert saved.name == "Romashka Group" and saved.phones == ["+7 495 123-45-67"]


def test_contact_edit_form_refuses_a_stale_save(mary, world):
    url = f"/contacts/{world.contact.id}/edit"
    mark = _seen_mark(mary.get(url).get_data(as_text=True))
    base = {"full_name": "Ivan Petrov", "position": "Buyer", "birthday": "", "comment": "", "is_active": "y",
            "is_key_person": "y", "phones": ["+7 916 111-22-33"], "seen_mark": mark}  # fmt: skip
    assert mary.post(url, data={**base, "position": "Head of purchasing"}).status_code == 303
    resp = mary.post(url, data={**base, "comment": "Prefers calls"})
    assert resp.status_code == 409 and 'data-field-error="position"' in resp.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(ContactPerson, world.contact.id)
    assert (saved.position, saved.comment) == ("Head of purchasing", "")
