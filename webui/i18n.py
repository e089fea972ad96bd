"""English and Russian UI: the user's saved language, else the session's choice, else the browser's."""

from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user

from webui.extensions import babel

LANGUAGES = {"en": "English", "ru": "Русский"}


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
