"""Administrators edit the work calendar on its own page; bad input is shown next to the field."""

import pytest

from crm.accounts import services as accounts
from engine import calendar_service


@pytest.fixture
def admin_client(app, client):
    accounts.ensure_builtin_roles()
    accounts.create_user("admin", "Admin", "password-1", roles=["administrator"])
    client.post("/login", data={"username": "admin", "password": "password-1"})
    return client


def _form(**overrides):
    data = {
        "name": "default",
        "timezone": "Europe/Moscow",
        "country": "RU",
        "mon": "09:00-13:00, 14:00-18:00",
        "tue": "09:00-18:00",
        "wed": "09:00-18:00",
        "thu": "09:00-18:00",
        "fri": "09:00-17:00",
        "sat": "",
        "sun": "",
    }
    data.update(overrides)
    return data


def test_page_shows_default_calendar_and_russian_holidays(admin_client):
    page = admin_client.get("/admin/calendar/").get_data(as_text=True)
    assert 'value="09:00-18:00"' in page
    assert 'data-testid="holidays"' in page and "-01-07" in page  # Orthodox Christmas


def test_save_weekly_hours_with_lunch_break(admin_client):
    record = calendar_service.list_calendars()[0] if calendar_service.list_calendars() else None
    admin_client.get("/admin/calendar/")
    record = calendar_service.list_calendars()[0]
    resp = admin_client.post(f"/admin/calendar/{record.id}", data=_form())
    assert resp.status_code == 302
    cal = calendar_service.load_calendar(record.id)
    assert len(cal.intervals_on(__import__("datetime").date(2026, 11, 23))) == 2  # a Monday


@pytest.mark.parametrize(
    ("field", "value"), [("mon", "9 to 6"), ("tue", "18:00-09:00"), ("timezone", "Mars/Base")]
)
def test_bad_hours_are_reported_next_to_the_field_and_nothing_changes(admin_client, field, value):
    admin_client.get("/admin/calendar/")
    record = calendar_service.list_calendars()[0]
    before = dict(record.schedule)
    resp = admin_client.post(f"/admin/calendar/{record.id}", data=_form(**{field: value}))
    assert resp.status_code == 400
    assert f'data-field-error="{field}"' in resp.get_data(as_text=True)
    assert calendar_service.get_calendar_record(record.id).schedule == before


def test_exceptions_and_deadline_check(admin_client):
    admin_client.get("/admin/calendar/")
    record = calendar_service.list_calendars()[0]
    resp = admin_client.post(
        f"/admin/calendar/{record.id}/exceptions",
        data={"day": "2026-12-26", "working": "1", "intervals": "10:00-15:00", "note": "перенос"},
    )
    assert resp.status_code == 302
    page = admin_client.get(f"/admin/calendar/{record.id}").get_data(as_text=True)
    assert "2026-12-26" in page and "перенос" in page
    bad = admin_client.post(f"/admin/calendar/{record.id}/exceptions", data={"day": "", "working": ""})
    assert bad.status_code == 400 and 'data-field-error="day"' in bad.get_data(as_text=True)
    # Friday 17:00 + 4 working hours with 9–18 hours → Monday 12:00
    check = admin_client.get(f"/admin/calendar/{record.id}?start=2026-11-20T17:00&sla=PT4H+working")
    assert "2026-11-23 12:00" in check.get_data(as_text=True)
    admin_client.post(f"/admin/calendar/{record.id}/exceptions/2026-12-26/delete")
    assert "перенос" not in admin_client.get(f"/admin/calendar/{record.id}").get_data(as_text=True)


def test_only_administrators(app, client):
    accounts.ensure_builtin_roles()
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee"])
    client.post("/login", data={"username": "clerk", "password": "password-1"})
    assert client.get("/admin/calendar/").status_code == 403
