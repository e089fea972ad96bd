"""The client portrait: extra attributes an administrator defines without code, validated per client kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from crm.accounts.models import ADMINISTRATOR, User
from crm.clients.models import CLIENT_KINDS, PortraitAttribute
from crm.errors import AccessDenied, ValidationFailed
from crm.messages import N_, Message
from engine.db import db

VALUE_TYPES = ("string", "number", "date", "bool", "choice")
APPLIES_TO = ("client", "company", "person", "contact")


def define_portrait_attribute(
    actor: User,
    *,
    code: str,
    label: str,
    value_type: str = "string",
    applies_to: str = "client",
    choices: Sequence[str] = (),
    required: bool = False,
    sort_order: int = 0,
) -> PortraitAttribute:
    """Create or redefine (same ``applies_to`` + ``code``) a portrait attribute. Administrators only."""
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may define the client portrait"))
    errors: dict[str, str] = {}
    if not code or not code.replace("_", "").isalnum():
        errors["code"] = N_("use letters, digits and underscores")
    if not label.strip():
        errors["label"] = N_("give a label")
    if value_type not in VALUE_TYPES:
        errors["value_type"] = Message(N_("one of %(choices)s"), choices=", ".join(VALUE_TYPES))
    if applies_to not in APPLIES_TO:
        errors["applies_to"] = Message(N_("one of %(choices)s"), choices=", ".join(APPLIES_TO))
    if value_type == "choice" and not [c for c in choices if c.strip()]:
        errors["choices"] = N_("a choice attribute needs choices")
    if errors:
        raise ValidationFailed(errors)
    stmt = select(PortraitAttribute).where(
        PortraitAttribute.applies_to == applies_to, PortraitAttribute.code == code
    )
    attribute = db.session.scalars(stmt).first() or PortraitAttribute(code=code, applies_to=applies_to)
    attribute.label = label.strip()
    attribute.value_type = value_type
    attribute.choices = [c.strip() for c in choices if c.strip()]
    attribute.required = required
    attribute.sort_order = sort_order
    attribute.is_active = True
    db.session.add(attribute)
    db.session.commit()
    return attribute


def deactivate_portrait_attribute(actor: User, attribute_id: int) -> None:
    """Hide an attribute from forms and validation; stored values stay in the cards."""
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may change the client portrait"))
    attribute = db.session.get(PortraitAttribute, attribute_id)
    if attribute is not None:
        attribute.is_active = False
        db.session.commit()


def portrait_attributes_for(target: str) -> list[PortraitAttribute]:
    """Active attributes of a client kind (``company``/``person``) or of contact persons (``contact``)."""
    scopes = ["contact"] if target == "contact" else ["client", target]
    stmt = (
        select(PortraitAttribute)
        .where(
            PortraitAttribute.is_active.is_(True), or_(*(PortraitAttribute.applies_to == s for s in scopes))
        )
        .order_by(PortraitAttribute.sort_order, PortraitAttribute.id)
    )
    return list(db.session.scalars(stmt))


def clean_portrait(target: str, values: Mapping[str, Any] | None, *, partial: bool = False) -> dict[str, Any]:
    """Validate portrait ``values`` for ``target`` (client kind or ``contact``) and return them as stored.

    Numbers become int/float, dates ISO strings, bools True/False; unknown codes are rejected. With
    ``partial`` (an update of some values) missing required attributes are not reported.
    Raises ``ValidationFailed`` with keys ``portrait.<code>``.
    """
    if target not in (*CLIENT_KINDS, "contact"):
        raise ValueError(f"unknown portrait target {target!r}")
    values = dict(values or {})
    definitions = {a.code: a for a in portrait_attributes_for(target)}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for code in values:
        if code not in definitions:
            errors[f"portrait.{code}"] = N_("no such attribute in the client portrait")
    for code, attribute in definitions.items():
        raw = values.get(code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if attribute.required and not partial:
                errors[f"portrait.{code}"] = Message(N_("%(label)s is required"), label=attribute.label)
            continue
        try:
            cleaned[code] = _coerce(attribute, raw)
        except ValueError as exc:
            errors[f"portrait.{code}"] = exc.args[0] if exc.args else str(exc)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _coerce(attribute: PortraitAttribute, raw: Any) -> Any:
    kind = attribute.value_type
    if kind == "string":
        return str(raw).strip()
    if kind == "number":
        if isinstance(raw, bool):
            raise ValueError(Message(N_("%(label)s: a number is expected"), label=attribute.label))
        try:
            number = float(str(raw).replace(",", ".").replace(" ", ""))
        except ValueError:
            raise ValueError(Message(N_("%(label)s: a number is expected"), label=attribute.label)) from None
        return int(number) if number.is_integer() else number
    if kind == "date":
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(
                Message(N_("%(label)s: a date YYYY-MM-DD is expected"), label=attribute.label)
            ) from None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "да", "on"):
            return True
        if text in ("0", "false", "no", "нет", "off"):
            return False
        raise ValueError(Message(N_("%(label)s: yes or no is expected"), label=attribute.label))
    if kind == "choice":
        if str(raw) not in attribute.choices:
            raise ValueError(
                Message(
                    N_("%(label)s: choose one of %(choices)s"),
                    label=attribute.label,
                    choices=", ".join(attribute.choices),
                )
            )
        return str(raw)
    raise ValueError(f"{attribute.label}: unknown attribute type {kind}")
