"""Client base settings: absences with deputies and the permanent hand-over of a leaving employee's work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.absences.admin_services import hand_over_summary, list_absences
from crm.absences.services import active_deputies_of, create_absence
from crm.activities.services import add_interaction
from crm.clients.leads import create_lead
from crm.clients.models import Client
from crm.clients.services import create_client
from crm.deals.services import create_interest, ensure_default_stages
from engine.db import db
from tests.integration.webui.crm_admin_fixtures import field_error, log_in, make_people


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def admin(people, client):
    log_in(client, "root")
    return client


def _local(dt: datetime) -> str:
    """A datetime-local value in the administrator's zone (Europe/Moscow by default)."""
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M")


def test_record_an_absence_and_the_deputy_stands_in(admin, people):
    now = datetime.now(UTC)
    resp = admin.post("/admin/crm/absences", data={
        "user_id": str(people.manager.id), "deputy_id": str(people.other.id),
        "starts_at": _local(now - timedelta(hours=1)), "ends_at": _local(now + timedelta(days=3)), "reason": "Holiday",
    })  # fmt: skip
    assert resp.status_code == 302
    assert active_deputies_of(people.manager.id) == [people.other.id]
    html = admin.get("/admin/crm/absences").get_data(as_text=True)
    assert "Holiday" in html and "away now" in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"deputy_id": "self"}, "deputy_id"), ({"ends_at": "start"}, "ends_at"), ({"user_id": ""}, "user_id"),
     ({"ends_at": "2020-01-01T10:00"}, "ends_at")],
)  # fmt: skip
def test_bad_absence_input_is_shown_next_to_the_field(admin, people, overrides, field):
    now = datetime.now(UTC)
    data = {"user_id": str(people.manager.id), "deputy_id": str(people.other.id),
            "starts_at": _local(now), "ends_at": _local(now + timedelta(days=1)), "reason": ""}  # fmt: skip
    if overrides.get("deputy_id") == "self":
        overrides = {"deputy_id": str(people.manager.id)}
    data.update(overrides)
    resp = admin.post("/admin/crm/absences", data=data)
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), field)
    assert list_absences()[1] == 0


def test_cancel_an_absence(admin, people):
    now = datetime.now(UTC)
    absence = create_absence(people.admin, people.manager.id, people.other.id, now, now + timedelta(days=1))
    assert admin.post(f"/admin/crm/absences/{absence.id}/cancel").status_code == 302
    assert list_absences()[1] == 0 and active_deputies_of(people.manager.id) == []


def test_absences_are_filtered_by_time_and_employee(admin, people):
    now = datetime.now(UTC)
    create_absence(
        people.admin,
        people.manager.id,
        people.other.id,
        now - timedelta(days=10),
        now - timedelta(days=5),
        "Past trip",
    )
    create_absence(
        people.admin,
        people.other.id,
        people.manager.id,
        now + timedelta(days=5),
        now + timedelta(days=6),
        "Upcoming trip",
    )
    assert "Past trip" in admin.get("/admin/crm/absences?when=past").get_data(as_text=True)
    upcoming = admin.get("/admin/crm/absences?when=upcoming").get_data(as_text=True)
    assert "Upcoming trip" in upcoming and "Past trip" not in upcoming
    mine = admin.get(f"/admin/crm/absences?when=all&user_id={people.admin.id}").get_data(as_text=True)
    assert "No absences match the filter." in mine


def _work_of(manager):
    ensure_default_stages()
    one = create_client(manager, {"name": "Romashka LLC"})
    create_client(manager, {"name": "Vector JSC"})
    create_interest(manager, {"client_id": one.id, "title": "Chairs", "amount": 1000})
    create_lead(manager, {"name": "Pavel from the fair", "phone": "+7 900 000-00-01"})
    add_interaction(manager, {"kind": "call", "client_id": one.id, "subject": "Call back",
                              "planned_at": datetime.now(UTC) + timedelta(days=1)})  # fmt: skip


def test_hand_over_shows_what_moves_then_moves_it(admin, people):
    _work_of(people.manager)
    preview = admin.post("/admin/crm/hand-over",
                         data={"from_user_id": str(people.manager.id), "to_user_id": str(people.other.id)})  # fmt: skip
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-testid="hand-over-summary"' in html
    assert hand_over_summary(people.manager.id) == {
        "clients": 2, "leads": 1, "interests": 1, "tickets": 0, "interactions": 1, "process_tasks": 0,
    }  # fmt: skip
    assert (
        db.session.query(Client).filter_by(responsible_id=people.manager.id).count() == 2
    )  # nothing moved yet
    done = admin.post("/admin/crm/hand-over", data={
        "from_user_id": str(people.manager.id), "to_user_id": str(people.other.id), "confirm": "1"})  # fmt: skip
    assert done.status_code == 302
    assert set(hand_over_summary(people.manager.id).values()) == {0}
    assert hand_over_summary(people.other.id)["clients"] == 2


def test_hand_over_to_the_same_user_is_refused(admin, people):
    _work_of(people.manager)
    resp = admin.post("/admin/crm/hand-over", data={
        "from_user_id": str(people.manager.id), "to_user_id": str(people.manager.id), "confirm": "1"})  # fmt: skip
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), "to_user_id")
    assert hand_over_summary(people.manager.id)["clients"] == 2


def test_hand_over_needs_both_users(admin):
    resp = admin.post("/admin/crm/hand-over", data={"from_user_id": "", "to_user_id": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and field_error(html, "from_user_id") and field_error(html, "to_user_id")
