"""The CRM services' messages in the UI language.

The services write English texts marked with ``crm.messages.N_`` or built as ``crm.messages.Message``
(a template and its values); the catalogue has the templates, so a message is translated here, when it is
shown: the template through ``gettext``, then filled with its values (a value that is a ``Message`` itself is
translated first). A text nobody marked comes out as it is (``gettext`` of an unknown msgid).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext

from crm.errors import CrmError, ValidationFailed
from crm.messages import Message


def localize(message: str) -> str:
    """One service message in the current language."""
    if not message:
        return message  # gettext("") is the catalogue's header
    if isinstance(message, Message):
        if not message.params:
            return gettext(message.template)
        values = {k: localize(v) if isinstance(v, Message) else v for k, v in message.params.items()}
        return gettext(message.template, **values)
    return gettext(message)


def localized_errors(field_errors: Mapping[str, str]) -> dict[str, str]:
    """A ``ValidationFailed``'s field errors in the current language, by field."""
    return {field: localize(message) for field, message in field_errors.items()}


def error_text(exc: CrmError, *, with_fields: bool = False) -> str:
    """What a CRM error says, in the current language, for a flash message or an error line of a page.

    ``ValidationFailed`` gives its field messages joined with "; " (each after its field's name, as
    ``str(exc)`` has them, when ``with_fields``); another error its message (``str(exc)`` when it was raised
    with something other than one text).
    """
    if isinstance(exc, ValidationFailed):
        errors = localized_errors(exc.field_errors)
        if with_fields:
            return "; ".join(f"{field}: {message}" for field, message in errors.items())
        return "; ".join(errors.values())
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return localize(exc.args[0])
    return str(exc)
