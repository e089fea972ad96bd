"""User-facing texts of the CRM services: marked for the catalogue here, translated by the web layer.

crm knows no locale (it imports neither Flask nor Babel), so a service writes its messages in English and
marks them so that ``scripts/ru_fill.py`` extracts them (``N_`` is one of Babel's default keywords):

* a fixed text: ``N_("a client needs a name")``;
* a text with values: ``Message(N_("at most %(limit)s characters"), limit=limit)``.

A ``Message`` *is* its English text (a ``str``), so logs, API problem documents and comparisons with the
English text keep working; it also keeps ``template`` and ``params`` so that the web layer can translate the
template and fill in the same values (``webui.service_messages.localize``). A parameter may be a ``Message``
itself, translated in turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(text: str) -> str:
    """Marks ``text`` for the catalogue; returns it unchanged (the web layer translates it when shown)."""
    return text


class Message(str):
    """An English text made from a ``%(name)s`` template and its values, which keeps both for translation."""

    __slots__ = ("params", "template")

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, tuple[str, dict[str, Any]]]:
        return _rebuild, (self.template, dict(self.params))

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{dict(self.params)!r})"


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    """Unpickles a ``Message`` (a Celery task argument, a cached value) with its values."""
    return Message(template, **params)
