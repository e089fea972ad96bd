"""The desktop's widget framework: a registry of widgets (name, title, template, data function, roles).

A widget is a small card on the desktop. Its ``data`` function takes the current user and returns what its
template renders (as ``data``); ``roles`` limits who may add it (administrators pass every check). Other
features add widgets with ``register_widget(Widget(...))`` at import time of their view module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from crm.workplaces_desktop import open_interests_by_stage, unprocessed_appeals
from engine.db import utcnow
from engine.task_queries import TaskFilters, count_open_tasks_for


@dataclass(frozen=True)
class Widget:
    name: str
    title: Any  # a lazy translated string
    template: str
    data: Callable[[Any], Any]
    roles: tuple[str, ...] = ("employee", "manager")
    description: Any = ""
    icon: str = "bi-grid"


@dataclass
class WidgetRegistry:
    widgets: dict[str, Widget] = field(default_factory=dict)

    def register(self, widget: Widget) -> Widget:
        if widget.name in self.widgets and self.widgets[widget.name] != widget:
            raise ValueError(f"a different widget named {widget.name!r} is already registered")
        self.widgets[widget.name] = widget
        return widget

    def available_to(self, user: Any) -> list[Widget]:
        """Widgets the user may put on the desktop, in registration order."""
        return [w for w in self.widgets.values() if user.has_role(*w.roles)]

    def chosen(self, user: Any, names: Iterable[str]) -> list[Widget]:
        """The user's chosen widgets in their order, skipping unknown ones and ones the user may not use."""
        allowed = {w.name: w for w in self.available_to(user)}
        return [allowed[n] for n in dict.fromkeys(names) if n in allowed]


REGISTRY = WidgetRegistry()


def register_widget(widget: Widget) -> Widget:
    """Add a widget to the desktop's catalogue (idempotent for the same definition)."""
    return REGISTRY.register(widget)


def _my_open_tasks(user: Any) -> dict[str, int]:
    lanes = user.lane_keys
    return {
        "total": count_open_tasks_for(user.id, lanes),
        "assigned": count_open_tasks_for(user.id, lanes, TaskFilters(assigned_to_me_only=True)),
        "overdue": count_open_tasks_for(user.id, lanes, TaskFilters(overdue_at=utcnow())),
    }


register_widget(
    Widget(
        "my_open_tasks", _l("My open tasks"), "desktop/widgets/my_open_tasks.html", _my_open_tasks,
        description=_l("Route-map tasks on you or open to your roles, and how many are overdue."),
        icon="bi-check2-square",
    )
)  # fmt: skip
register_widget(
    Widget(
        "my_interests_by_stage", _l("My open interests by stage"), "desktop/widgets/interests_by_stage.html",
        open_interests_by_stage, description=_l("Your open interests in funnel order, with their amounts."),
        icon="bi-funnel",
    )
)  # fmt: skip
register_widget(
    Widget(
        "unprocessed_appeals", _l("Unprocessed appeals"), "desktop/widgets/unprocessed_appeals.html",
        unprocessed_appeals, description=_l("Open appeals nobody has answered yet, oldest first."),
        icon="bi-inbox",
    )
)  # fmt: skip

DEFAULT_WIDGETS = ("my_open_tasks", "my_interests_by_stage", "unprocessed_appeals")
