"""Administration → Triggers: the library list, the on/off switch, the parameter form (errors next to the
field, nothing stored) and the "how it behaves" preview on a fixed clock with a holiday and a weekend."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm.accounts import services as accounts
from crm.processes_models import TriggerSetting
from crm.triggers import configure_trigger, trigger_state
from engine.db import db
from engine.definitions import deploy_path
from engine.start_triggers import fire_due_start_triggers, sync_start_triggers

MSK = ZoneInfo("Europe/Moscow")
PROCESSES = Path(__file__).resolve().parents[3] / "processes"
# June 2026 in Russia: Thursday 11 is a working day, Friday 12 is Russia Day, 13–14 are the weekend.
WEDNESDAY_10 = datetime(2026, 6, 10, 10, 0, tzinfo=MSK)


@pytest.fixture
def client(any_app):
    accounts.ensure_builtin_roles()
    accounts.create_user("admin", "Admin", "password-1", roles=["administrator"])
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee", "manager"])
    return any_app.test_client()


@pytest.fixture
def admin(client):
    client.post("/login", data={"username": "admin", "password": "password-1"})
    return client


@pytest.fixture
def deployed(any_app):
    """The two scheduled trigger maps and answer_eta deployed; the scheduler registered the daily timers on
    Wednesday 10:00, so they tick every day at 00:00 from Thursday on (each run then waits for "Run at")."""
    deploy_path([PROCESSES / f"trigger_{k}.bpmn" for k in ("expert_mailing", "recreate_lost", "answer_eta")])
    sync_start_triggers(now=WEDNESDAY_10)


def firings(page: str) -> list[str]:
    return re.findall(r'data-testid="firing">([^<]*)</strong>', page)


def test_only_administrators_reach_the_page(client):
    assert client.get("/admin/triggers/").status_code == 302  # to the log-in page
    client.post("/login", data={"username": "clerk", "password": "password-1"})
    assert client.get("/admin/triggers/").status_code == 403
    assert client.get("/admin/triggers/recreate_lost").status_code == 403
    assert client.post("/admin/triggers/recreate_lost/enabled", data={"enabled": "1"}).status_code == 403
    assert client.post("/admin/triggers/recreate_lost", data={"days_after_loss": "5"}).status_code == 403
    assert trigger_state("recreate_lost").enabled is False
    assert trigger_state("recreate_lost").params["days_after_loss"] == 90


def test_the_list_shows_what_starts_each_trigger_its_map_version_and_last_start(admin, deployed):
    assert fire_due_start_triggers(now=datetime(2026, 6, 11, 10, 0, 30, tzinfo=MSK)) == 2  # both daily maps
    page = admin.get("/admin/triggers/").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-trigger="(\w+)">(.*?)</tr>', page, re.S))
    assert list(rows) == [
        "mail_on_interest", "answer_eta", "payment_received", "expert_mailing", "recreate_lost", "website_request",
    ]  # fmt: skip
    assert "Message" in rows["mail_on_interest"] and "mail.received" in rows["mail_on_interest"]
    assert "Timer" in rows["recreate_lost"] and "every day" in rows["recreate_lost"]
    assert "version 1" in rows["recreate_lost"] and "not deployed" in rows["payment_received"]
    assert (
        "Days after the loss: 90 · daily at 10:00, by the work calendar (a day off moves to the next working day)"
        in rows["recreate_lost"]
    )
    assert "Starts: 1" in rows["recreate_lost"] and "never" in rows["answer_eta"]
    assert 'href="/admin/triggers/"' in admin.get("/admin/calendar/").get_data(as_text=True)  # in the menu


def test_switching_a_trigger_on_and_off(admin):
    resp = admin.post("/admin/triggers/payment_received/enabled", data={"enabled": "1"})
    assert resp.status_code == 302 and trigger_state("payment_received").enabled is True
    page = admin.get("/admin/triggers/").get_data(as_text=True)
    assert re.search(r'id="enabled-payment_received"[^>]*checked', page)
    assert "Trigger switched on" in page
    admin.post("/admin/triggers/payment_received/enabled", data={"enabled": "0", "back": "edit"})
    assert trigger_state("payment_received").enabled is False
    assert admin.post("/admin/triggers/no_such/enabled", data={"enabled": "1"}).status_code == 404


def schedule_form(**over):
    form = {"days_after_loss": "30", "periodicity": "week", "weekday": "3", "respect_calendar": "1",
            "run_at": "08:45"}  # fmt: skip
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def test_saving_valid_parameters(admin):
    resp = admin.post("/admin/triggers/recreate_lost", data=schedule_form())
    assert resp.status_code == 302
    params = trigger_state("recreate_lost").params
    assert params == {"days_after_loss": 30, "periodicity": "week", "weekday": 3, "respect_calendar": True,
                      "run_at": "08:45"}  # fmt: skip
    admin.post("/admin/triggers/recreate_lost", data=schedule_form(respect_calendar=None))
    assert trigger_state("recreate_lost").params["respect_calendar"] is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("days_after_loss", "0", "Enter a whole number not less than 1."),
        ("days_after_loss", "ninety", "Enter a whole number not less than 1."),
        ("run_at", "25:00", "Write the time as HH:MM"),
        ("periodicity", "month", "Choose one of the options."),
        ("weekday", "9", "Choose a weekday."),
    ],
)
def test_invalid_parameters_are_shown_next_to_the_field_and_nothing_is_stored(admin, field, value, message):
    configure_trigger(None, "recreate_lost", enabled=True, params={"days_after_loss": 60})
    before = db.session.scalars(select(TriggerSetting).where(TriggerSetting.key == "recreate_lost")).one()
    stored = (before.enabled, dict(before.params), before.updated_at)
    resp = admin.post("/admin/triggers/recreate_lost", data=schedule_form(**{field: value}))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    error = re.search(rf'data-field-error="{field}">([^<]*)<', page)
    assert error and message in error.group(1)
    assert re.search(rf'class="form-\w+ is-invalid" [^>]*id="{field}"', page)
    db.session.expire_all()
    after = db.session.scalars(select(TriggerSetting).where(TriggerSetting.key == "recreate_lost")).one()
    assert (after.enabled, dict(after.params), after.updated_at) == stored
    assert trigger_state("recreate_lost").params["days_after_loss"] == 60


def test_an_answer_time_the_map_cannot_read_is_refused(admin):
    resp = admin.post("/admin/triggers/answer_eta", data={"answer_within": "soon"})
    assert resp.status_code == 400 and 'data-field-error="answer_within"' in resp.get_data(as_text=True)
    assert trigger_state("answer_eta").params["answer_within"] == "PT4H working"


def test_preview_defers_the_holiday_and_the_weekend_by_the_work_calendar(admin, deployed):
    configure_trigger(None, "expert_mailing", enabled=True, params={"run_at": "11:30"})
    page = admin.get("/admin/triggers/expert_mailing?from=2026-06-11T09:00").get_data(as_text=True)
    assert firings(page) == [
        "Thursday 2026-06-11 11:30",  # Thursday's run at run_at (its tick at 00:00 came before the preview)
        "Monday 2026-06-15 11:30",  # Friday: Russia Day → the next working day at run_at
        "Monday 2026-06-15 11:30",  # Saturday, likewise
    ]
    assert "moved from Friday 2026-06-12: a day off" in page
    assert "The daily timer of the deployed route map ticks at 00:00" in page
    page = admin.get("/admin/triggers/expert_mailing?from=2026-06-11T11:31").get_data(as_text=True)
    assert firings(page)[0] == "Monday 2026-06-15 11:30"  # Thursday's run is over


def test_preview_without_the_calendar_and_weekly(admin, deployed):
    configure_trigger(None, "recreate_lost", params={"respect_calendar": False})
    page = admin.get("/admin/triggers/recreate_lost?from=2026-06-11T09:00").get_data(as_text=True)
    assert firings(page) == [
        "Thursday 2026-06-11 10:00",
        "Friday 2026-06-12 10:00",
        "Saturday 2026-06-13 10:00",
    ]
    assert "Switched off: nothing runs" in page
    configure_trigger(None, "recreate_lost", params={"respect_calendar": True, "periodicity": "week",
                                                     "weekday": 6, "run_at": "09:00"})  # fmt: skip
    page = admin.get("/admin/triggers/recreate_lost?from=2026-06-11T09:00").get_data(as_text=True)
    assert firings(page) == ["Monday 2026-06-15 09:00", "Monday 2026-06-22 09:00", "Monday 2026-06-29 09:00"]


def test_preview_before_the_scheduler_registered_the_timer_counts_from_the_moment_shown(admin):
    page = admin.get("/admin/triggers/recreate_lost?from=2026-06-10T14:00").get_data(as_text=True)
    assert firings(page) == [
        "Thursday 2026-06-11 10:00",  # registered at the next 00:00, then waits for run_at
        "Monday 2026-06-15 10:00",
        "Monday 2026-06-15 10:00",
    ]
    assert "not registered yet" in page


def test_answer_eta_preview_promises_an_answer_in_working_hours(admin):
    page = admin.get("/admin/triggers/answer_eta?from=2026-06-11T17:00").get_data(as_text=True)
    # Thursday 17:00 + 4 working hours: 1 h on Thursday, Friday is a holiday → Monday 12:00
    assert re.search(r'data-testid="answer-by">[^<]*<strong>Monday 2026-06-15 12:00</strong>', page)


def test_a_trigger_without_parameters_and_an_unknown_one(admin):
    page = admin.get("/admin/triggers/payment_received").get_data(as_text=True)
    assert "This trigger has no parameters" in page and "payment.received" in page
    assert admin.get("/admin/triggers/no_such").status_code == 404
