"""Mail settings of the company and of each user: the default font of new letters (SPEC #36, a global one
set by an administrator and a personal one that wins over it) and saved letter-list views (SPEC #41).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.models import MailListView, MailSettings
from crm.messages import N_, Message
from crm.preferences import forget_preference, get_preference, save_preference
from engine.db import db

PERSONAL_FONT_KEY = "mail.font"
DEFAULT_FONT = ("Arial", "10pt")
# A font family goes into a CSS ``style`` attribute: names, spaces, commas, hyphens and quotes only.
_FAMILY_RE = re.compile(r"^[A-Za-z0-9 ,\-'\"]{1,100}$")
_SIZE_RE = re.compile(r"^(\d{1,2}(?:\.\d)?)(pt|px)$")
FONT_SIZE_RANGE = {"pt": (6.0, 48.0), "px": (8.0, 64.0)}
VIEW_NAME_MAX = 100
VIEW_SETTINGS_MAX_BYTES = 16_000


def clean_font(family: str, size: str) -> tuple[str, str]:
    """A checked (family, size) pair, e.g. ("Arial", "10pt"); ValidationFailed names the bad field."""
    family = " ".join((family or "").split())
    size = (size or "").strip().lower().replace(" ", "")
    errors: dict[str, str] = {}
    if not family:
        errors["font_family"] = N_("choose a font")
    elif not _FAMILY_RE.match(family):
        errors["font_family"] = N_("a font name has letters, digits, spaces, commas and hyphens only")
    match = _SIZE_RE.match(size)
    if not match:
        errors["font_size"] = N_("a size like 10pt or 14px")
    else:
        low, high = FONT_SIZE_RANGE[match.group(2)]
        if not low <= float(match.group(1)) <= high:
            errors["font_size"] = Message(
                N_("from %(low)g to %(high)g %(unit)s"), low=low, high=high, unit=match.group(2)
            )
    if errors:
        raise ValidationFailed(errors)
    return family, size


def _settings_row() -> MailSettings | None:
    return db.session.scalars(select(MailSettings).order_by(MailSettings.id)).first()


def get_global_font() -> tuple[str, str]:
    """The company's default font of new letters (Arial 10pt until an administrator sets one)."""
    row = _settings_row()
    if row is None:
        return DEFAULT_FONT
    return row.default_font_family or DEFAULT_FONT[0], row.default_font_size or DEFAULT_FONT[1]


def set_global_font(actor: User, family: str, size: str) -> tuple[str, str]:
    """Set the company's default font (administrators); commits."""
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may set the company's letter font"))
    family, size = clean_font(family, size)
    row = _settings_row()
    if row is None:
        row = MailSettings()
        db.session.add(row)
    row.default_font_family, row.default_font_size = family, size
    db.session.commit()
    return family, size


def get_personal_font(user: User) -> tuple[str, str] | None:
    """The user's own default font, or None when they use the company's."""
    value = get_preference(user.id, PERSONAL_FONT_KEY)
    if not isinstance(value, dict) or not value.get("family") or not value.get("size"):
        return None
    return str(value["family"]), str(value["size"])


def set_personal_font(user: User, family: str, size: str) -> tuple[str, str] | None:
    """Set the user's own font; both empty goes back to the company's. Commits."""
    if not (family or "").strip() and not (size or "").strip():
        forget_preference(user.id, PERSONAL_FONT_KEY)
        return None
    family, size = clean_font(family, size)
    save_preference(user.id, PERSONAL_FONT_KEY, {"family": family, "size": size})
    return family, size


def effective_font(user: User | None) -> tuple[str, str]:
    """The font a new letter of ``user`` starts with: the personal one, else the company's."""
    personal = get_personal_font(user) if user is not None else None
    return personal or get_global_font()


def _clean_view(name: str, settings: Any) -> tuple[str, dict[str, Any]]:
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = N_("give the view a name")
    elif len(name) > VIEW_NAME_MAX:
        errors["name"] = Message(N_("at most %(limit)s characters"), limit=VIEW_NAME_MAX)
    if not isinstance(settings, dict):
        errors["settings"] = N_("the settings must be an object (columns, sort, filters)")
    else:
        try:
            size = len(json.dumps(settings))
        except (TypeError, ValueError):
            errors["settings"] = N_(
                "the settings must hold only text, numbers, true/false, lists and objects"
            )
        else:
            if size > VIEW_SETTINGS_MAX_BYTES:
                errors["settings"] = Message(
                    N_("the settings are too big (at most %(limit)s bytes)"), limit=VIEW_SETTINGS_MAX_BYTES
                )
    if errors:
        raise ValidationFailed(errors)
    return name, settings


def save_list_view(user: User, name: str, settings: dict[str, Any]) -> MailListView:
    """Save the letter-list settings under ``name`` (a view with that name is replaced); commits."""
    name, settings = _clean_view(name, settings)
    stmt = select(MailListView).where(MailListView.user_id == user.id, MailListView.name == name)
    view = db.session.scalars(stmt).first()
    if view is None:
        view = MailListView(user_id=user.id, name=name, settings=settings)
        db.session.add(view)
    else:
        view.settings = settings
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment from another tab: keep theirs, update it
        db.session.rollback()
        view = db.session.scalars(stmt).one()
        view.settings = settings
        db.session.commit()
    return view


def list_views(user: User) -> list[MailListView]:
    """The user's saved views, by name."""
    stmt = select(MailListView).where(MailListView.user_id == user.id).order_by(MailListView.name)
    return list(db.session.scalars(stmt))


def get_list_view(user: User, view_id: int) -> MailListView:
    """One of the user's saved views (another user's view is NotFound: its name is not theirs to see)."""
    view = db.session.get(MailListView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound(f"no saved view {view_id}")
    return view


def delete_list_view(user: User, view_id: int) -> None:
    """Delete one of the user's saved views; commits."""
    db.session.delete(get_list_view(user, view_id))
    db.session.commit()
