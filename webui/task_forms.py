"""Task forms generated from a step's JSON Schema with WTForms (the mapping is documented in docs/employees.md).

``widget_for(prop)`` picks the widget from the property's ``x-widget`` hint, else its type/format/enum:

| JSON Schema                                   | widget        | WTForms field                 |
|-----------------------------------------------|---------------|-------------------------------|
| ``string``                                    | text          | StringField                   |
| ``string`` + ``x-widget: textarea`` or maxLength > 255 | textarea | TextAreaField              |
| ``string`` + ``format: email``                | email         | EmailField                    |
| ``string`` + ``format: date``                 | date          | DateField                     |
| ``string`` + ``format: date-time``            | datetime      | DateTimeLocalField            |
| ``string``/``integer``/``number`` + ``enum``  | select        | SelectField                   |
| ``array`` of ``enum`` items                   | multiselect   | SelectMultipleField           |
| ``integer``                                   | integer       | IntegerField                  |
| ``number``                                    | number        | DecimalField                  |
| ``number`` + ``x-widget: money``              | money         | DecimalField (2 places)       |
| ``boolean``                                   | checkbox      | BooleanField                  |
| ``string`` + ``x-widget: file``               | file          | FileField (stored reference)  |
| ``integer`` + ``x-widget: client``/``contact``| client/contact| picker (search, id checked)   |

WTForms checks what a browser can get wrong (required, numbers, dates, lengths, ranges, patterns, picker
access); the engine then checks the whole object against the schema with ``jsonschema`` in
``complete_task`` and its errors are put back next to the fields (``attach_errors``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

PICKERS = ("client", "contact")
HINTS = ("text", "textarea", "email", "date", "datetime", "select", "multiselect", "checkboxes", "integer",
         "number", "money", "checkbox", "file", "client", "contact")  # fmt: skip
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

# (kind, id) -> label when the user may pick it, else None
PickerCheck = Callable[[str, int], str | None]


def widget_for(prop: dict[str, Any]) -> str:
    """The widget of one schema property (see the module's table)."""
    hint = prop.get("x-widget")
    if hint in HINTS:
        return "multiselect" if hint == "checkboxes" else str(hint)
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "array":
        return "multiselect"
    if "enum" in prop:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    fmt = prop.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    if (prop.get("maxLength") or 0) > 255:
        return "textarea"
    return "text"


class PickerField(IntegerField):
    """An id chosen with the client/contact picker; ``labels`` shows the current choice's name."""

    def __init__(self, *args: Any, picker: str = "client", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.picker = picker
        self.selected_label = ""


class GeneratedForm(FlaskForm):
    """Base of every generated task form; ``widgets`` maps field name -> widget."""

    widgets: dict[str, str] = {}
    checkbox_lists: set[str] = set()


def build_form_class(
    schema: dict[str, Any], *, exclude: set[str] | frozenset[str] = frozenset(), pickers: PickerCheck
) -> type[GeneratedForm]:
    """A FlaskForm subclass with one field per schema property (in schema order), minus ``exclude``."""
    required = set(schema.get("required") or [])
    attrs: dict[str, Any] = {"widgets": {}, "checkbox_lists": set()}
    for name, prop in (schema.get("properties") or {}).items():
        if name in exclude or not isinstance(prop, dict) or prop.get("readOnly"):
            continue
        widget = widget_for(prop)
        attrs["widgets"][name] = widget
        if prop.get("x-widget") == "checkboxes":
            attrs["checkbox_lists"].add(name)
        attrs[name] = _field(name, prop, widget, name in required, pickers)
    return type("TaskForm", (GeneratedForm,), attrs)


def _russian() -> bool:
    from flask_babel import get_locale

    return str(get_locale() or "") == "ru"


def _label(name: str, prop: dict[str, Any]) -> str:
    """The field's title; forms may carry a Russian one as ``x-title-ru``."""
    if _russian() and prop.get("x-title-ru"):
        return str(prop["x-title-ru"])
    return str(prop.get("title") or name.replace("_", " ").capitalize())


def _enum_names(prop: dict[str, Any]) -> list[Any]:
    """Display names of the options: ``x-enum-titles`` (``-ru`` for Russian) or ``x-enumNames``/``enumNames``."""
    for source in (prop, prop.get("items") or {}):
        if _russian() and source.get("x-enum-titles-ru"):
            return list(source["x-enum-titles-ru"])
        for key in ("x-enum-titles", "x-enumNames", "enumNames"):
            if source.get(key):
                return list(source[key])
    return []


def _choices(prop: dict[str, Any]) -> list[SelectChoice]:
    values = prop.get("enum") or (prop.get("items") or {}).get("enum") or []
    names = _enum_names(prop)
    return [SelectChoice(str(v), str(names[i]) if i < len(names) else str(v)) for i, v in enumerate(values)]


def _field(name: str, prop: dict[str, Any], widget: str, required: bool, pickers: PickerCheck) -> Field:
    label, help_text = _label(name, prop), str(prop.get("description") or "")
    kwargs: dict[str, Any] = {"label": label, "description": help_text}
    presence: list[Any] = [DataRequired() if widget in ("text", "textarea", "email", "select", "multiselect",
                           "date", "datetime", "file") else InputRequired()] if required else [Optional()]  # fmt: skip
    if widget == "checkbox":
        return BooleanField(**kwargs)
    validators = presence + _limits(prop, widget)
    if widget == "textarea":
        return TextAreaField(validators=validators, **kwargs)
    if widget == "email":
        return EmailField(validators=[*validators, Email()], **kwargs)
    if widget == "date":
        return DateField(validators=validators, **kwargs)
    if widget == "datetime":
        return DateTimeLocalField(validators=validators, format=DATETIME_FORMATS, **kwargs)
    if widget == "select":
        return SelectField(choices=[SelectChoice("", "—"), *_choices(prop)], validators=validators, **kwargs)
    if widget == "multiselect":
        extra = {"widget": ListWidget(prefix_label=False), "option_widget": CheckboxInput()}
        checkboxes = prop.get("x-widget") == "checkboxes"
        return SelectMultipleField(choices=_choices(prop), validators=validators, **(extra if checkboxes else {}),
                                   **kwargs)  # fmt: skip
    if widget == "integer":
        return IntegerField(validators=validators, **kwargs)
    if widget in ("number", "money"):
        return DecimalField(places=2 if widget == "money" else None, validators=validators, **kwargs)
    if widget == "file":
        return FileField(validators=[] if not required else [_FileRequired()], **kwargs)
    if widget in PICKERS:
        return PickerField(validators=[*validators, _Pickable(widget, pickers)], picker=widget, **kwargs)
    return StringField(validators=validators, **kwargs)


def _limits(prop: dict[str, Any], widget: str) -> list[Any]:
    found: list[Any] = []
    if widget in ("text", "textarea", "email") and ("minLength" in prop or "maxLength" in prop):
        found.append(Length(min=prop.get("minLength", -1), max=prop.get("maxLength", -1)))
    if widget in ("text", "textarea") and prop.get("pattern"):
        found.append(Regexp(prop["pattern"], message=_l("Does not match the expected format.")))
    if widget in ("integer", "number", "money") and ("minimum" in prop or "maximum" in prop):
        found.append(NumberRange(min=prop.get("minimum"), max=prop.get("maximum")))
    return found


class _Pickable:
    def __init__(self, kind: str, check: PickerCheck) -> None:
        self.kind, self.check = kind, check

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None:
            return
        label = self.check(self.kind, int(field.data))
        if label is None:
            raise ValidationError(str(_l("Choose from the list: this record is not available to you.")))
        field.selected_label = label


class _FileRequired:
    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        if not getattr(field.data, "filename", None):
            raise ValidationError(str(_l("Attach a file.")))


def initial_values(form_class: type[GeneratedForm], values: dict[str, Any], tz: str) -> dict[str, Any]:
    """Process data as form field values (dates parsed, numbers as Decimal) to pre-fill the form."""
    initial: dict[str, Any] = {}
    for name, widget in form_class.widgets.items():
        if name not in values or values[name] is None or widget == "file":
            continue
        value = values[name]
        try:
            if widget == "date":
                value = date.fromisoformat(str(value)[:10])
            elif widget == "datetime":
                moment = datetime.fromisoformat(str(value))
                value = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if moment.tzinfo else moment
            elif widget in ("number", "money"):
                value = Decimal(str(value))
            elif widget == "select":
                value = str(value)
            elif widget == "multiselect":
                value = [str(v) for v in value]
        except (TypeError, ValueError, ArithmeticError):
            continue  # a value the widget cannot show starts empty; the user fills it in again
        initial[name] = value
    return initial


def form_data(
    form: GeneratedForm, schema: dict[str, Any], tz: str, store_file: Callable[[Any], str]
) -> dict[str, Any]:
    """The validated form as JSON-ready process data for ``complete_task`` (empty optional fields left out)."""
    props = schema.get("properties") or {}
    data: dict[str, Any] = {}
    for name, widget in form.widgets.items():
        field, prop = form[name], props.get(name) or {}
        value = field.data
        if widget == "checkbox":
            data[name] = bool(value)
            continue
        if value in (None, "", []) or (widget == "file" and not getattr(value, "filename", None)):
            continue
        if widget == "date":
            data[name] = value.isoformat()
        elif widget == "datetime":
            data[name] = value.replace(tzinfo=ZoneInfo(tz)).isoformat()
        elif widget in ("number", "money"):
            data[name] = (
                int(value) if value == value.to_integral_value() and widget == "number" else float(value)
            )
        elif widget == "select":
            data[name] = _enum_value(prop.get("enum") or [], value)
        elif widget == "multiselect":
            options = prop.get("enum") or (prop.get("items") or {}).get("enum") or []
            data[name] = [_enum_value(options, v) for v in value]
        elif widget == "file":
            data[name] = store_file(value)
        else:
            data[name] = value
    return data


def _enum_value(options: list[Any], text: str) -> Any:
    for option in options:
        if str(option) == text:
            return option
    return text


def attach_errors(form: GeneratedForm, errors: list[tuple[str, str]]) -> list[str]:
    """Put the engine's (path, message) errors next to their fields; returns the ones with no field."""
    general: list[str] = []
    for path, message in errors:
        name = path.split("/")[0] if path else _missing_property(message)
        if name and name in form.widgets:
            form[name].errors = [*list(form[name].errors), message]
        else:
            general.append(message)
    return general


def _missing_property(message: str) -> str | None:
    found = re.match(r"'([^']+)' is a required property", message)
    return found.group(1) if found else None
