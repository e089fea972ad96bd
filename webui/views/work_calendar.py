"""Administration → Work calendar: weekly hours, holidays country, time zone and per-date exceptions.

The same calendar turns "8 working hours" into a due instant for SLA, timers and triggers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import calendar_service
from engine.calendar import WEEKDAY_KEYS
from engine.calendar_sla import sla_due
from engine.db import utcnow
from engine.errors import CalendarInvalid, CalendarNotFound
from webui.authz import role_required

bp = Blueprint("work_calendar", __name__, url_prefix="/admin/calendar")

COUNTRIES = (
    ("RU", "Россия / Russia"),
    ("BY", "Беларусь / Belarus"),
    ("KZ", "Казахстан / Kazakhstan"),
    ("UZ", "Узбекистан / Uzbekistan"),
    ("DE", "Germany"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
    ("", "—"),
)


def _zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def format_intervals(intervals: list[list[str]]) -> str:
    """[["09:00","13:00"],["14:00","18:00"]] → "09:00-13:00, 14:00-18:00"."""
    return ", ".join(f"{a}-{b}" for a, b in intervals)


def parse_intervals_text(field: str, text: str) -> list[list[str]]:
    """ "09:00-13:00, 14:00-18:00" → [["09:00","13:00"],["14:00","18:00"]]; empty text = no hours."""
    pairs = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        if "-" not in part:
            raise CalendarInvalid(field, _("write hours as 09:00-18:00, several separated by commas"))
        start, end = (s.strip() for s in part.split("-", 1))
        pairs.append([start, end])
    return pairs


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "admin"}


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<int:calendar_id>", methods=["GET", "POST"])
@role_required("administrator")
def edit(calendar_id: int | None = None) -> str | Response:
    if calendar_id is None:
        calendar_service.get_default_calendar()  # creates the default on first visit
        calendar_id = calendar_service.list_calendars()[0].id
    try:
        record = calendar_service.get_calendar_record(calendar_id)
    except CalendarNotFound:
        return render_template(
            "errors/error.html", code=404, title=_("Not found"), message=_("There is no such calendar.")
        ), 404
    errors: dict[str, str] = {}
    form = {
        "name": record.name,
        "timezone": record.timezone,
        "country": record.country or "",
        **{day: format_intervals(record.schedule.get(day, [])) for day in WEEKDAY_KEYS},
    }
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in form})
        try:
            schedule = {day: parse_intervals_text(day, form[day]) for day in WEEKDAY_KEYS}
            calendar_service.update_calendar(
                record.id,
                name=form["name"],
                timezone=form["timezone"],
                schedule=schedule,
                country=form["country"] or None,
            )
        except CalendarInvalid as exc:
            errors[exc.field.removeprefix("schedule.")] = str(exc).split(": ", 1)[-1]
        else:
            flash(_("Work calendar saved."), "success")
            return redirect(url_for("work_calendar.edit", calendar_id=record.id))
    return _render(record, form, errors)


def _render(
    record: Any,
    form: dict[str, str],
    errors: dict[str, str],
    exc_form: dict[str, str] | None = None,
    exc_errors: dict[str, str] | None = None,
) -> tuple[str, int]:
    calendar = calendar_service.load_calendar(record.id)
    year = datetime.now(ZoneInfo(record.timezone)).year
    holidays = _holiday_names(record.country, year, calendar.holidays_in(year)) if record.country else []
    check = _check_sla(calendar)
    status = 400 if errors or exc_errors or check.get("error") else 200
    return render_template(
        "admin/work_calendar.html",
        record=record,
        form=form,
        errors=errors,
        weekdays=WEEKDAY_KEYS,
        zones=_zones(),
        countries=COUNTRIES,
        holidays=holidays,
        year=year,
        check=check,
        exc_form=exc_form or {"day": "", "working": "", "intervals": "", "note": ""},
        exc_errors=exc_errors or {},
        calendars=calendar_service.list_calendars(),
    ), status


def _holiday_names(country: str, year: int, days: frozenset[date]) -> list[tuple[date, str]]:
    """Named public holidays plus the official days off the calendar uses (e.g. Russia's New Year week)."""
    import holidays as holidays_lib
    from flask_babel import get_locale

    try:
        names = holidays_lib.country_holidays(country, years=year, language=str(get_locale() or "en"))
    except (NotImplementedError, KeyError):
        names = {}
    return sorted((d, names.get(d, _("Day off"))) for d in days)


def _check_sla(calendar: Any) -> dict[str, Any]:
    """The "what would the deadline be" tool: start + SLA text → due, in the calendar's zone."""
    text = request.args.get("sla", "").strip()
    if not text:
        return {}
    start_raw = request.args.get("start", "").strip()
    try:
        start = datetime.fromisoformat(start_raw).replace(tzinfo=calendar.zone) if start_raw else utcnow()
        due = sla_due(calendar, start, text)
    except (CalendarInvalid, ValueError) as exc:
        return {"sla": text, "start": start_raw, "error": str(exc).split(": ", 1)[-1]}
    return {"sla": text, "start": start_raw, "due": due.astimezone(calendar.zone)}


@bp.route("/<int:calendar_id>/exceptions", methods=["POST"])
@role_required("administrator")
def add_exception(calendar_id: int) -> str | Response:
    record = calendar_service.get_calendar_record(calendar_id)
    exc_form = {k: request.form.get(k, "").strip() for k in ("day", "working", "intervals", "note")}
    exc_errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(exc_form["day"])
    except ValueError:
        exc_errors["day"] = _("Choose a date.")
    else:
        try:
            working = exc_form["working"] == "1"
            intervals = parse_intervals_text("intervals", exc_form["intervals"]) if working else []
            calendar_service.add_exception(
                record.id, day, working=working, intervals=intervals, note=exc_form["note"]
            )
        except CalendarInvalid as exc:
            exc_errors[exc.field if exc.field in exc_form else "intervals"] = str(exc).split(": ", 1)[-1]
    if exc_errors:
        form = {
            "name": record.name,
            "timezone": record.timezone,
            "country": record.country or "",
            **{d: format_intervals(record.schedule.get(d, [])) for d in WEEKDAY_KEYS},
        }
        return _render(record, form, {}, exc_form, exc_errors)
    flash(_("Exception saved."), "success")
    return redirect(url_for("work_calendar.edit", calendar_id=record.id))


@bp.route("/<int:calendar_id>/exceptions/<day>/delete", methods=["POST"])
@role_required("administrator")
def remove_exception(calendar_id: int, day: str) -> Response:
    try:
        calendar_service.remove_exception(calendar_id, date.fromisoformat(day))
    except ValueError:
        flash(_("Choose a date."), "danger")
    else:
        flash(_("Exception removed."), "success")
    return redirect(url_for("work_calendar.edit", calendar_id=calendar_id))
