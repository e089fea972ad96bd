"""The CRM services' messages: ``crm.messages.Message`` is its English text and keeps its template and values;
``webui.service_messages`` shows it in the UI language (values that are messages translated in turn)."""

import pickle
from pathlib import Path

import pytest
from flask import Flask

from crm.errors import AccessDenied, ValidationFailed
from crm.messages import N_, Message
from webui.i18n import init_app
from webui.service_messages import error_text, localize, localized_errors


def test_a_message_is_its_english_text():
    message = Message(N_("at most %(limit)s characters"), limit=255)
    assert message == "at most 255 characters" and isinstance(message, str)
    assert message.template == "at most %(limit)s characters" and message.params == {"limit": 255}
    assert f"name: {message}" == "name: at most 255 characters"
    assert str(ValidationFailed({"name": message})) == "name: at most 255 characters"


def test_a_message_without_values_is_its_template_even_with_a_percent_sign():
    assert Message("100% sure") == "100% sure"
    assert N_("a client needs a name") == "a client needs a name"


def test_a_message_survives_pickling_with_its_values():
    nested = Message(
        "%(label)s: %(why)s", label="Size", why=Message(N_("one of %(choices)s"), choices="S, M")
    )
    copy = pickle.loads(pickle.dumps(nested))
    assert copy == "Size: one of S, M" and copy.template == nested.template
    assert isinstance(copy.params["why"], Message) and copy.params["why"].params == {"choices": "S, M"}


@pytest.fixture
def ui():
    """A bare Flask app with the project's Babel set-up and catalogue (no database needed)."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parents[3] / "webui" / "translations")
    init_app(app)
    return app


def _in(app, lang):
    return app.test_request_context(headers={"Accept-Language": lang})


def test_localize_in_russian_and_english(ui):
    message = Message(N_("at most %(limit)s characters"), limit=255)
    with _in(ui, "ru"):
        assert localize(message) == "не более 255 символов"
        assert localize(N_("KPP has 9 characters")) == "КПП состоит из 9 символов"
        assert localize("nobody marked this text") == "nobody marked this text"
        assert localize("") == ""
    with _in(ui, "en"):
        assert localize(message) == "at most 255 characters"
        assert localize(N_("KPP has 9 characters")) == "KPP has 9 characters"


def test_values_that_are_messages_are_translated_too(ui):
    nested = Message(
        N_("%(label)s: choose one of %(choices)s"),
        label=Message(N_("INN of a company must have 10 digits")),
        choices="S, M",
    )
    with _in(ui, "ru"):
        assert localize(nested) == "ИНН организации состоит из 10 цифр: выберите одно из значений: S, M"
    with _in(ui, "en"):
        assert localize(nested) == "INN of a company must have 10 digits: choose one of S, M"


def test_errors_of_a_service_in_the_ui_language(ui):
    failed = ValidationFailed(
        {"kpp": N_("KPP has 9 characters"), "name": Message(N_("at most %(limit)s characters"), limit=5)}
    )
    with _in(ui, "ru"):
        assert localized_errors(failed.field_errors) == {
            "kpp": "КПП состоит из 9 символов",
            "name": "не более 5 символов",
        }
        assert error_text(failed) == "КПП состоит из 9 символов; не более 5 символов"
        assert (
            error_text(failed, with_fields=True)
            == "kpp: КПП состоит из 9 символов; name: не более 5 символов"
        )
        assert error_text(AccessDenied(Message(N_("you have no access to client %(id)s"), id=7))) == (
            "у вас нет доступа к клиенту 7"
        )
        assert error_text(AccessDenied("first", "second")) == str(AccessDenied("first", "second"))
    with _in(ui, "en"):
        assert error_text(failed) == "KPP has 9 characters; at most 5 characters"
