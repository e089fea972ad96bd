"""The CRM services' field errors in Russian on the Russian UI: the client edit form (INN check digit, KPP,
a name too long for the card, a bad phone, a portrait value), the potential client form and the appeal
wizard; the same forms still speak English to an English user."""

import pytest

from crm.clients.leads import create_lead
from crm.clients.models import Client
from crm.clients.portrait import define_portrait_attribute
from engine.db import db
from tests.integration.webui.clients_fixtures import build_world, log_in
from tests.integration.webui.test_client_edit_pages import _admin, _form

HX = {"HX-Request": "true"}


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def world(any_app):
    return build_world()


def _as_mary(client, locale):
    log_in(client, "mary")
    with client.session_transaction() as session:
        session["locale"] = locale
    return client


@pytest.fixture
def mary_ru(client, world):
    return _as_mary(client, "ru")


@pytest.fixture
def mary_en(client, world):
    return _as_mary(client, "en")


def _field_error(page, name):
    """The text shown next to a field (the element marked ``data-field-error``)."""
    start = page.index(f'data-field-error="{name}"')
    return page[page.index(">", start) + 1 : page.index("</", start)].strip()


def test_client_edit_errors_are_russian(mary_ru, world):
    admin = _admin()
    define_portrait_attribute(admin, code="staff", label="Staff", value_type="number")
    resp = mary_ru.post(
        f"/clients/{world.own_client.id}/edit",
        data=_form(
            world, inn="7707083894", kpp="77070", phones=["+7 495 123-45-67", "no phone"],
            **{"portrait.staff": "many"},
        ),
    )  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert _field_error(page, "inn") == "контрольная цифра ИНН не сходится"
    assert _field_error(page, "kpp") == "КПП состоит из 9 символов"
    assert _field_error(page, "phones") == "это не номер телефона: no phone"
    assert "Staff: ожидается число" in page
    resp = mary_ru.post(f"/clients/{world.own_client.id}/edit", data=_form(world, inn="770708389"))
    assert _field_error(resp.get_data(as_text=True), "inn") == "ИНН организации состоит из 10 цифр"
    db.session.expire_all()
    assert db.session.get(Client, world.own_client.id).inn == "7707083893"


def test_a_name_too_long_for_the_card_is_russian(mary_ru, world):
    """The form checks the card's column length before the service does (same limit, its own Russian text)."""
    limit = Client.__table__.c.legal_name.type.length
    resp = mary_ru.post(
        f"/clients/{world.own_client.id}/edit", data=_form(world, legal_name="x" * (limit + 1))
    )
    assert resp.status_code == 422
    assert f"более {limit} символов" in _field_error(resp.get_data(as_text=True), "legal_name")


def test_client_edit_errors_stay_english_for_an_english_user(mary_en, world):
    resp = mary_en.post(
        f"/clients/{world.own_client.id}/edit",
        data=_form(world, inn="7707083894", kpp="77070", phones=["no phone"]),
    )
    page = resp.get_data(as_text=True)
    assert _field_error(page, "inn") == "INN check digit does not match"
    assert _field_error(page, "kpp") == "KPP has 9 characters"
    assert _field_error(page, "phones") == "not a phone number: no phone"


def test_lead_form_errors_are_russian(mary_ru, world):
    lead = create_lead(world.manager, {"name": "Pavel Orlov", "phone": "+7 903 555-44-33"})
    base = {"name": "Pavel Orlov", "company_name": "", "phone": "+7 903 555-44-33", "source": "",
            "email": "", "region_id": "0", "responsible_id": str(world.manager.id), "status": "open"}  # fmt: skip
    resp = mary_ru.post(f"/leads/{lead.id}/edit", data={**base, "name": "", "email": "x@", "phone": "12"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert _field_error(page, "name") == "у потенциального клиента должно быть имя"
    assert _field_error(page, "email") == "это не адрес e-mail"
    assert _field_error(page, "phone") == "это не номер телефона"


def test_appeal_wizard_errors_are_russian(mary_ru, world):
    resp = mary_ru.post("/wizard", data={"channel": "fax", "caller": "new", "action": "interest"}, headers=HX)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert _field_error(page, "channel") == "телефон, e-mail, веб-форма или мессенджер"
    assert _field_error(page, "new_name") == "укажите имя обратившегося"
    assert _field_error(page, "subject") == "укажите, о чём обращение"
