"""Forms of the client-editing pages (client, flags, contact person, relationship, lead, conversion) and the
helpers they share: repeatable phone/e-mail rows, portrait fields built from their definitions, and service
field errors shown next to their fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.clients.editing import HistoryRow
from crm.clients.models import RELATION_TYPES
from crm.edit_conflicts import EditConflict
from webui.service_messages import localize

RELATION_LABELS: dict[str, Any] = {
    "parent": _l("parent company"),
    "subsidiary": _l("subsidiary"),
    "partner": _l("partner"),
    "competitor": _l("competitor"),
    "counterparty": _l("counterparty"),
}

# Field names of the change history as people read them.
HISTORY_FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"), "legal_name": _l("Legal name"), "inn": _l("INN"), "kpp": _l("KPP"),
    "legal_address": _l("Legal address"), "actual_address": _l("Actual address"), "website": _l("Website"),
    "description": _l("Description"), "region_id": _l("Business region"), "segment_id": _l("Segment"),
    "kind": _l("Kind"), "is_active": _l("Works with us"), "phones": _l("Phones"), "emails": _l("E-mails"),
    "responsible_id": _l("Responsible"), "relation": _l("Relationship"), "merged": _l("Merged in"),
    "merged_into_id": _l("Merged into"), "lead_id": _l("Converted from potential client"),
    "full_name": _l("Full name"), "position": _l("Position"), "is_key_person": _l("Key person"),
    "birthday": _l("Birthday"), "comment": _l("Comment"), "company_name": _l("Company"),
    "phone": _l("Phone"), "email": _l("E-mail"), "source": _l("Source"), "status": _l("Status"),
}  # fmt: skip

HISTORY_ACTION_LABELS: dict[str, Any] = {
    "create": _l("created"), "update": _l("changed"), "merge": _l("merged"), "convert": _l("converted"),
    "hand_over": _l("handed over"), "delete": _l("removed"),
}  # fmt: skip


class ClientEditForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[("company", _l("Company")), ("person", _l("Person"))])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=300)])
    legal_name = StringField(_l("Legal name"), validators=[Optional(), Length(max=500)])
    inn = StringField(_l("INN"), validators=[Optional(), Length(max=14)])
    kpp = StringField(_l("KPP"), validators=[Optional(), Length(max=9)])
    legal_address = StringField(_l("Legal address"), validators=[Optional(), Length(max=1000)])
    actual_address = StringField(_l("Actual address"), validators=[Optional(), Length(max=1000)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    region_id = SelectField(_l("Business region"), coerce=int, validators=[Optional()])
    segment_id = SelectField(_l("Segment"), coerce=int, validators=[Optional()])
    responsible_id = SelectField(_l("Responsible"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])
    allow_duplicate = BooleanField(_l("Save anyway"))
    # Where the card's change history stood when the form was opened (crm.edit_conflicts).
    seen_mark = HiddenField()


class FlagsForm(FlaskForm):
    liquidated = BooleanField(_l("Liquidated"))
    foreign = BooleanField(_l("Another company's client"))
    non_target = BooleanField(_l("Non-target"))


class ContactForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=300)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    birthday = StringField(_l("Birthday"), validators=[Optional(), Length(max=10)])
    is_key_person = BooleanField(_l("Key person"))
    is_active = BooleanField(_l("Works with us"), default=True)
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=10_000)])
    allow_duplicate = BooleanField(_l("Create anyway"))
    seen_mark = HiddenField()  # as in ClientEditForm (editing only)


class RelationForm(FlaskForm):
    relation_type = SelectField(
        _l("The other client is"), choices=[(t, RELATION_LABELS[t]) for t in RELATION_TYPES]
    )
    to_client_id = IntegerField(_l("Client"), validators=[DataRequired(_l("Pick a client"))])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=1000)])


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class LeadForm(FlaskForm):
    name = StringField(_l("Contact name"), validators=[Optional(), Length(max=300)])
    company_name = StringField(_l("Company"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=64)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=100)])
    region_id = SelectField(_l("Business region"), coerce=int, validators=[Optional()])
    responsible_id = SelectField(_l("Responsible"), coerce=int, validators=[Optional()])
    status = SelectField(_l("Status"), choices=[("open", _l("open")), ("rejected", _l("rejected"))])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=10_000)])
    seen_mark = HiddenField()  # as in ClientEditForm


class ConvertForm(FlaskForm):
    mode = SelectField(
        _l("Convert into"), choices=[("new", _l("a new client")), ("into", _l("an existing client"))]
    )
    into_client_id = HiddenField()
    name = StringField(_l("Client name"), validators=[Optional(), Length(max=300)])
    # Only used for a new client (the service checks it then); converting into a client ignores it.
    kind = SelectField(
        _l("Kind"), choices=[("company", _l("Company")), ("person", _l("Person"))], validate_choice=False
    )
    allow_duplicate = BooleanField(_l("Create anyway"))


def repeated_values(name: str) -> list[str]:
    """The non-empty values of a repeatable row field (``<input name="phones">`` many times)."""
    return [v.strip() for v in request.form.getlist(name) if v.strip()]


def portrait_values(attributes: list[Any]) -> dict[str, Any]:
    """Portrait inputs (``portrait.<code>``) of the defined attributes; an empty input clears the value."""
    values: dict[str, Any] = {}
    for attribute in attributes:
        raw = request.form.get(f"portrait.{attribute.code}", "").strip()
        values[attribute.code] = raw or None
    return values


def show_field_errors(form: FlaskForm, errors: Mapping[str, str], extra: dict[str, list[str]]) -> None:
    """Put service errors next to their WTForms fields; the rest (phones, portrait.<code>, ...) go to
    ``extra`` keyed by field name, for the template's hand-rendered inputs."""
    for name, message in errors.items():
        _place(form, name, localize(message), extra)


def _place(form: FlaskForm, name: str, text: str, extra: dict[str, list[str]]) -> None:
    target = getattr(form, name, None)
    if target is not None and hasattr(target, "errors") and name != "seen_mark":
        target.errors = [*list(target.errors), text]
    else:
        extra.setdefault(name, []).append(text)


def seen_mark(form: FlaskForm) -> int | None:
    """The card's history mark the form was opened at (None when the form did not carry one)."""
    value = str(form.seen_mark.data or "").strip()  # type: ignore[attr-defined]
    return int(value) if value.isdigit() else None


def show_edit_conflict(
    form: FlaskForm, conflict: EditConflict, rows: list[HistoryRow], extra: dict[str, list[str]]
) -> None:
    """Say next to each field what was changed after the form was opened, and take the history mark the
    conflict gives: the values typed stay in the form, and saving it again replaces those changes."""
    form.seen_mark.data = str(conflict.mark)  # type: ignore[attr-defined]
    for row in rows:
        who = row.user_name or _("route map (system)")
        value = row.new_value if row.new_value not in (None, "") else "—"
        text = _("Changed to “%(value)s” by %(who)s after you opened the form.", value=value, who=who)
        _place(form, row.field, text, extra)


def select_choices(
    options: list[tuple[int, str]], current: tuple[int, str] | None = None, *, empty: bool = True
) -> list[tuple[int, str]]:
    """Options for a coerce=int select: "—" (0 = none) first, the current value kept even when not offered."""
    result = [(0, "—")] if empty else []
    if current is not None and current[0] not in {i for i, _label in options}:
        result.append(current)
    return [*result, *options]
