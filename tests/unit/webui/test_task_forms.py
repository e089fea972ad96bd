"""The JSON Schema -> widget mapping and the form -> process data conversion (no database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from webui import create_app
from webui.task_forms import attach_errors, build_form_class, form_data, initial_values, widget_for


@pytest.mark.parametrize(
    ("prop", "widget"),
    [
        ({"type": "string"}, "text"),
        ({"type": "string", "maxLength": 2000}, "textarea"),
        ({"type": "string", "x-widget": "textarea"}, "textarea"),
        ({"type": "string", "format": "email"}, "email"),
        ({"type": "string", "format": "date"}, "date"),
        ({"type": "string", "format": "date-time"}, "datetime"),
        ({"type": "string", "enum": ["a", "b"]}, "select"),
        ({"type": "integer", "enum": [1, 2]}, "select"),
        ({"type": "array", "items": {"enum": ["a"]}}, "multiselect"),
        ({"type": "array", "items": {"enum": ["a"]}, "x-widget": "checkboxes"}, "multiselect"),
        ({"type": "integer"}, "integer"),
        ({"type": ["number", "null"]}, "number"),
        ({"type": "number", "x-widget": "money"}, "money"),
        ({"type": "boolean"}, "checkbox"),
        ({"type": "string", "x-widget": "file"}, "file"),
        ({"type": "integer", "x-widget": "client"}, "client"),
        ({"type": "integer", "x-widget": "contact"}, "contact"),
        ({"type": "string", "x-widget": "unknown"}, "text"),
    ],
)
def test_widget_mapping(prop, widget):
    assert widget_for(prop) == widget


SCHEMA = {
    "type": "object",
    "required": ["amount", "when"],
    "properties": {
        "amount": {"type": "number", "x-widget": "money", "minimum": 1},
        "count": {"type": "number"},
        "when": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
        "ok": {"type": "boolean"},
        "note": {"type": "string"},
        "hidden": {"type": "string", "readOnly": True},
        "decision": {"type": "string", "enum": ["approve", "revise"]},
    },
}


@pytest.fixture
def request_context():
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    with app.test_request_context(method="POST"):
        yield


def _form(data: dict) -> object:
    cls = build_form_class(SCHEMA, exclude={"decision"}, pickers=lambda kind, ident: None)
    return cls(formdata=MultiDict(data))


def test_valid_form_becomes_json_ready_process_data(request_context):
    form = _form({"amount": "12.50", "count": "3", "when": "2030-01-02", "at": "2030-01-02T09:15",
                  "level": "2", "tags": ["x", "y"], "ok": "y", "note": ""})  # fmt: skip
    assert form.validate(), form.errors
    assert "decision" not in form.widgets and "hidden" not in form.widgets
    data = form_data(form, SCHEMA, "Europe/Moscow", store_file=lambda f: "never")
    assert data == {"amount": 12.5, "count": 3, "when": "2030-01-02", "at": "2030-01-02T09:15:00+03:00",
                    "level": 2, "tags": ["x", "y"], "ok": True}  # fmt: skip


def test_invalid_values_are_reported_per_field(request_context):
    form = _form({"amount": "0", "when": "not a date", "level": "9"})
    assert not form.validate()
    assert set(form.errors) == {"amount", "when", "level"}


def test_engine_errors_attach_to_fields_and_the_rest_is_general(request_context):
    form = _form({"amount": "5", "when": "2030-01-02"})
    form.validate()
    general = attach_errors(
        form, [("note", "too short"), ("", "'count' is a required property"), ("", "odd")]
    )
    assert form.note.errors == ["too short"] and form.count.errors == ["'count' is a required property"]
    assert general == ["odd"]


def test_initial_values_parse_process_data_for_the_widgets(request_context):
    cls = build_form_class(SCHEMA, pickers=lambda kind, ident: None)
    values = initial_values(cls, {"amount": 7.5, "when": "2030-01-02", "at": "2030-01-02T06:15:00+00:00",
                                  "level": 2, "tags": ["x"], "note": None, "when2": 1}, "Europe/Moscow")  # fmt: skip
    assert values == {"amount": Decimal("7.5"), "when": date(2030, 1, 2), "at": datetime(2030, 1, 2, 9, 15),
                      "level": "2", "tags": ["x"]}  # fmt: skip
