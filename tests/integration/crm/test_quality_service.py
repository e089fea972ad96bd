"""The quality indicator on SQLite and PostgreSQL: template loading, per-client and per-contact values,
drill-down, rule editing and the "cannot compute" message."""

from __future__ import annotations

import pytest
from flask import Flask

from crm.accounts.services import create_user, ensure_builtin_roles
from crm.clients.models import Client, ContactDetail, ContactPerson, PortraitAttribute
from crm.errors import AccessDenied, ValidationFailed
from crm.quality.rules import (
    delete_quality_rule,
    list_quality_rules,
    load_quality_template,
    save_quality_rule,
)
from crm.quality.services import explain_contact_quality, explain_quality, quality_for_clients
from crm.quality.templates import QUALITY_TEMPLATES
from crm.statuses.rules import install_default_status_rules
from crm.statuses.services import set_client_flags
from engine.db import db


@pytest.fixture
def world(any_app: Flask) -> dict:
    ensure_builtin_roles()
    admin = create_user("admin", "Admin", "admin", roles=["administrator"], allow_short_password=True)
    manager = create_user("manager", "Maria Manager", "manager", roles=["manager"], allow_short_password=True)
    other = create_user("manager2", "Oleg Other", "manager2", roles=["manager"], allow_short_password=True)
    full = Client(name="ООО «Ромашка»", responsible_id=manager.id, inn="7707083893", legal_name="ООО Ромашка")
    bare = Client(name="ИП Иванов", responsible_id=manager.id)
    db.session.add_all([full, bare])
    db.session.flush()
    contact = ContactPerson(client_id=full.id, full_name="Ivan Petrov", position="Buyer")
    db.session.add(contact)
    db.session.flush()
    db.session.add_all(
        [
            ContactDetail(
                client_id=full.id, kind="phone", value="+7 916 123-45-67", normalized="79161234567"
            ),
            ContactDetail(
                client_id=full.id,
                contact_id=contact.id,
                kind="email",
                value="ivan@romashka.ru",
                normalized="ivan@romashka.ru",
            ),
        ]
    )
    db.session.commit()
    return {
        "admin": admin,
        "manager": manager,
        "other": other,
        "full": full,
        "bare": bare,
        "contact": contact,
    }


def test_without_rules_the_card_lists_the_setup_needed(world: dict) -> None:
    result = explain_quality(world["full"].id)
    assert not result.computable and result.percent is None
    assert '"New"' in result.message and "recommended template" in result.message


def test_recommended_template_gives_weighted_percentages(world: dict) -> None:
    added = load_quality_template(world["admin"], "recommended")
    assert added == sum(len(rules) for rules in QUALITY_TEMPLATES["recommended"].values())
    assert load_quality_template(world["admin"], "recommended", replace=False) == 0  # idempotent top-up
    # New-status client rules: phone 3, email 2, contacts 2, responsible 1.
    full = explain_quality(world["full"].id, actor=world["manager"])
    assert {i.field: i.filled for i in full.items} == {
        "phone": True,
        "email": False,
        "contacts": True,
        "responsible": True,
    }
    assert (full.percent, full.colour) == (75, "amber")
    bare = quality_for_clients([world["bare"].id])[world["bare"].id]
    assert (bare.percent, bare.colour) == (12, "red")  # only the responsible manager: 1 of 8
    contact = explain_contact_quality(world["contact"].id)
    assert {i.field: i.filled for i in contact.items} == {"phone": False, "email": True, "position": True}
    assert contact.percent == 60


def test_rules_follow_the_work_status(world: dict) -> None:
    load_quality_template(None, "recommended")
    install_default_status_rules()
    set_client_flags(world["manager"], world["full"].id, liquidated=True)
    result = explain_quality(world["full"].id)
    assert result.work_status == "liquidated"
    assert {i.field for i in result.items} == {"responsible", "description"}
    assert result.percent == 50


def test_editing_rules_with_portrait_attributes(world: dict) -> None:
    with pytest.raises(AccessDenied):
        save_quality_rule(world["manager"], work_status="new", target="client", field="inn")
    with pytest.raises(ValidationFailed):
        save_quality_rule(world["admin"], work_status="new", target="client", field="shoe_size")
    with pytest.raises(ValidationFailed):
        save_quality_rule(world["admin"], work_status="gold", target="client", field="inn")
    db.session.add(PortraitAttribute(code="industry", label="Industry", applies_to="client"))
    db.session.commit()
    save_quality_rule(world["admin"], work_status="new", target="client", field="portrait:industry", weight=3)
    inn = save_quality_rule(world["admin"], work_status="new", target="client", field="inn", weight=1)
    world["full"].portrait = {"industry": "Retail"}
    db.session.commit()
    assert explain_quality(world["full"].id).percent == 100
    assert explain_quality(world["bare"].id).percent == 0
    delete_quality_rule(world["admin"], inn.id)
    assert [r.field for r in list_quality_rules("new")] == ["portrait:industry"]
    # The attribute is switched off: the rule can no longer be evaluated, and the card says what to do.
    db.session.query(PortraitAttribute).update({"is_active": False})
    db.session.commit()
    result = explain_quality(world["full"].id)
    assert not result.computable and any('"industry"' in a for a in result.setup_actions)


def test_access(world: dict) -> None:
    with pytest.raises(AccessDenied):
        explain_quality(world["full"].id, actor=world["other"])
    with pytest.raises(AccessDenied):
        explain_contact_quality(world["contact"].id, actor=world["other"])
