"""Per-user switches for the CRM's own notification kinds, kept as one preference (``crm.preferences``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select

from crm.notifications.models import KIND_TASK_NEW, KIND_TASK_OVERDUE
from crm.preferences import UserPreference, get_preference, save_preference
from engine.db import db

PREFERENCE_KEY = "notifications"
SETTING_OF_KIND = {KIND_TASK_NEW: "new_task", KIND_TASK_OVERDUE: "overdue_task"}


@dataclass(frozen=True)
class NotificationSettings:
    """Which notifications the user wants; everything is on until the user switches it off."""

    new_task: bool = True
    overdue_task: bool = True


def _from_stored(value: object) -> NotificationSettings:
    stored = value if isinstance(value, dict) else {}
    return NotificationSettings(**{name: bool(stored.get(name, True)) for name in SETTING_OF_KIND.values()})


def get_settings(user_id: int) -> NotificationSettings:
    """The user's notification switches (defaults for anything never saved)."""
    return _from_stored(get_preference(user_id, PREFERENCE_KEY))


def save_settings(user_id: int, *, new_task: bool, overdue_task: bool) -> NotificationSettings:
    """Store the user's switches; commits; returns what is now in force."""
    settings = NotificationSettings(new_task=bool(new_task), overdue_task=bool(overdue_task))
    save_preference(user_id, PREFERENCE_KEY, asdict(settings))
    return settings


def users_opted_out(kind: str, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who switched ``kind`` off (one query for the whole set)."""
    setting = SETTING_OF_KIND[kind]
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    rows = db.session.execute(
        select(UserPreference.user_id, UserPreference.value).where(
            UserPreference.key == PREFERENCE_KEY, UserPreference.user_id.in_(ids)
        )
    )
    return {user_id for user_id, value in rows if not getattr(_from_stored(value), setting)}
