"""Task forms speak the user's language when the route map's form carries Russian titles."""

from flask_babel import refresh

from webui.task_forms import _choices, _label

PROP = {
    "type": "string",
    "title": "Is it a target client?",
    "x-title-ru": "Целевой клиент?",
    "enum": ["qualified", "not_target"],
    "x-enum-titles": ["Qualified", "Not a target"],
    "x-enum-titles-ru": ["Квалифицирован", "Не целевой"],
}


def test_russian_titles_and_option_names(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert _label("verdict", PROP) == "Целевой клиент?"
        assert [c.label for c in _choices(PROP)] == ["Квалифицирован", "Не целевой"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the locale is cached on the app context the fixture keeps open
        assert _label("verdict", PROP) == "Is it a target client?"
        assert [c.label for c in _choices(PROP)] == ["Qualified", "Not a target"]


def test_without_translations_the_english_title_is_used(app):
    prop = {"type": "string", "enum": ["a", "b"], "x-enumNames": ["Alpha", "Beta"]}
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        refresh()
        assert _label("some_field", prop) == "Some field"
        assert [c.label for c in _choices(prop)] == ["Alpha", "Beta"]
