"""The client portrait settings page: a filtered, paged list of attribute definitions and one definition."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.clients.models import PortraitAttribute
from crm.errors import NotFound
from engine.db import db


def list_portrait_definitions(
    *, applies_to: str = "", state: str = "active", page: int = 1, per_page: int = 25
) -> tuple[list[PortraitAttribute], int]:
    """Attribute definitions (of one ``applies_to`` scope when given; ``state`` active/inactive/all), paged."""
    filters = []
    if applies_to:
        filters.append(PortraitAttribute.applies_to == applies_to)
    if state in ("active", "inactive"):
        filters.append(PortraitAttribute.is_active.is_(state == "active"))
    total = db.session.scalar(select(func.count()).select_from(PortraitAttribute).where(*filters)) or 0
    rows = db.session.scalars(
        select(PortraitAttribute)
        .where(*filters)
        .order_by(PortraitAttribute.applies_to, PortraitAttribute.sort_order, PortraitAttribute.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def get_portrait_definition(attribute_id: int) -> PortraitAttribute:
    """One attribute definition for its edit form; ``NotFound`` when it does not exist."""
    attribute = db.session.get(PortraitAttribute, attribute_id)
    if attribute is None:
        raise NotFound(f"Portrait attribute {attribute_id} does not exist.")
    return attribute


def find_portrait_definition(applies_to: str, code: str) -> PortraitAttribute | None:
    """The definition with this scope and code (active or not), if one exists."""
    return db.session.scalars(
        select(PortraitAttribute).where(
            PortraitAttribute.applies_to == applies_to, PortraitAttribute.code == code
        )
    ).first()
