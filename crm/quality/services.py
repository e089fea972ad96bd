"""The "Client base quality" indicator (SPEC §1.3): fill percentage per client and per contact person, with
a colour, a drill-down, and — when it cannot be computed — the setup actions still needed.

A client's percentage uses the ``client`` rules of its work status; a contact's uses the ``contact`` rules of
its client's status. Percent = filled weight / total weight, rounded; red below 50, amber below 80, green.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from crm.access import ensure_can_view_client
from crm.accounts.models import User
from crm.clients.models import EMAIL, PHONE, Client, ContactDetail, ContactPerson, PortraitAttribute
from crm.errors import NotFound
from crm.quality.fields import (
    CLIENT_FIELDS,
    CONTACT_FIELDS,
    ClientSnapshot,
    ContactSnapshot,
    portrait_code,
    portrait_filled,
)
from crm.quality.models import TARGET_CLIENT, TARGET_CONTACT, QualityRule
from crm.statuses.models import WORK_STATUSES
from crm.statuses.services import statuses_for_clients
from engine.db import db

RED, AMBER, GREEN = "red", "amber", "green"


def colour_for(percent: int) -> str:
    """The traffic-light colour of a percentage: red < 50, amber < 80, green otherwise."""
    return RED if percent < 50 else AMBER if percent < 80 else GREEN


@dataclass(frozen=True)
class QualityItem:
    field: str
    label: str
    weight: int
    filled: bool


@dataclass
class QualityResult:
    """The indicator for one client or contact, with its drill-down."""

    target: str  # client | contact
    subject_id: int
    work_status: str
    items: list[QualityItem] = field(default_factory=list)
    setup_actions: list[str] = field(default_factory=list)

    @property
    def computable(self) -> bool:
        return sum(i.weight for i in self.items) > 0

    @property
    def percent(self) -> int | None:
        total = sum(i.weight for i in self.items)
        if not total:
            return None
        return round(100 * sum(i.weight for i in self.items if i.filled) / total)

    @property
    def colour(self) -> str | None:
        return None if self.percent is None else colour_for(self.percent)

    @property
    def message(self) -> str:
        if self.computable:
            return f"{self.percent}% of the expected information is filled in."
        return "The indicator cannot be calculated yet. " + " ".join(self.setup_actions)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "id": self.subject_id,
            "work_status": self.work_status,
            "percent": self.percent,
            "colour": self.colour,
            "message": self.message,
            "items": [i.__dict__ for i in self.items],
            "setup_actions": self.setup_actions,
        }


def quality_for_clients(client_ids: Iterable[int]) -> dict[int, QualityResult]:
    """The indicator of many clients at once (client lists, widgets): a fixed number of queries."""
    snapshots = _client_snapshots(list(client_ids))
    statuses = statuses_for_clients(snapshots)
    context = _RuleContext.load()
    return {
        cid: context.evaluate(TARGET_CLIENT, cid, statuses[cid].code, snap) for cid, snap in snapshots.items()
    }


def quality_for_contacts(contact_ids: Iterable[int]) -> dict[int, QualityResult]:
    """The indicator of many contact persons at once (rules of their client's status)."""
    snapshots = _contact_snapshots(list(contact_ids))
    statuses = statuses_for_clients({s.contact.client_id for s in snapshots.values()})
    context = _RuleContext.load()
    return {
        cid: context.evaluate(TARGET_CONTACT, cid, statuses[snap.contact.client_id].code, snap)
        for cid, snap in snapshots.items()
    }


def explain_quality(client_id: int, *, actor: User | None = None) -> QualityResult:
    """The client's indicator with each item, its weight and whether it is filled (or the setup needed)."""
    client = db.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Client {client_id} does not exist.")
    if actor is not None:
        ensure_can_view_client(actor, client)
    return quality_for_clients([client_id])[client_id]


def explain_contact_quality(contact_id: int, *, actor: User | None = None) -> QualityResult:
    """The contact person's indicator with its drill-down."""
    contact = db.session.get(ContactPerson, contact_id)
    if contact is None:
        raise NotFound(f"Contact person {contact_id} does not exist.")
    if actor is not None:
        ensure_can_view_client(actor, contact.client)
    return quality_for_contacts([contact_id])[contact_id]


@dataclass
class _RuleContext:
    rules: dict[tuple[str, str], list[QualityRule]]
    portrait_labels: dict[tuple[str, str], str]  # (client|contact, code) -> label of an active attribute

    @classmethod
    def load(cls) -> _RuleContext:
        rules: dict[tuple[str, str], list[QualityRule]] = defaultdict(list)
        q = (
            select(QualityRule)
            .where(QualityRule.enabled.is_(True))
            .order_by(QualityRule.weight.desc(), QualityRule.id)
        )
        for rule in db.session.scalars(q):
            rules[(rule.work_status, rule.target)].append(rule)
        labels = {}
        for attr in db.session.scalars(
            select(PortraitAttribute).where(PortraitAttribute.is_active.is_(True))
        ):
            target = TARGET_CONTACT if attr.applies_to == "contact" else TARGET_CLIENT
            labels[(target, attr.code)] = attr.label
        return cls(dict(rules), labels)

    def evaluate(
        self, target: str, subject_id: int, status: str, snap: ClientSnapshot | ContactSnapshot
    ) -> QualityResult:
        result = QualityResult(target, subject_id, status)
        status_name = WORK_STATUSES[status].name
        rules = self.rules.get((status, target), [])
        specs = CLIENT_FIELDS if target == TARGET_CLIENT else CONTACT_FIELDS
        for rule in rules:
            code = portrait_code(rule.field)
            if code is not None:
                label = self.portrait_labels.get((target, code))
                if label is None:
                    result.setup_actions.append(
                        f'A rule asks for the portrait attribute "{code}", which is not defined or not active: '
                        "define it under Client portrait, or remove the rule."
                    )
                    continue
                result.items.append(QualityItem(rule.field, label, rule.weight, portrait_filled(snap, code)))
            elif rule.field in specs:
                spec = specs[rule.field]
                result.items.append(QualityItem(rule.field, spec.label, rule.weight, spec.is_filled(snap)))
        if not result.items:
            whose = "clients" if target == TARGET_CLIENT else "contact persons of clients"
            result.setup_actions.insert(
                0,
                f'There are no quality rules for {whose} with the status "{status_name}": add them under '
                "Clients → Settings → Client base quality (or from this card), or load the recommended "
                "template.",
            )
        return result


def _client_snapshots(ids: Sequence[int]) -> dict[int, ClientSnapshot]:
    if not ids:
        return {}
    snaps = {c.id: ClientSnapshot(c) for c in db.session.scalars(select(Client).where(Client.id.in_(ids)))}
    details = db.session.execute(
        select(ContactDetail.client_id, ContactDetail.kind)
        .where(ContactDetail.client_id.in_(ids), ContactDetail.contact_id.is_(None))
        .group_by(ContactDetail.client_id, ContactDetail.kind)
    )
    for client_id, kind in details:
        if kind == PHONE:
            snaps[client_id].has_phone = True
        elif kind == EMAIL:
            snaps[client_id].has_email = True
    contacts = db.session.execute(
        select(
            ContactPerson.client_id,
            func.count(),
            func.sum(case((ContactPerson.is_key_person.is_(True), 1), else_=0)),
        )
        .where(ContactPerson.client_id.in_(ids), ContactPerson.is_active.is_(True))
        .group_by(ContactPerson.client_id)
    )
    for client_id, count, key_people in contacts:
        snaps[client_id].contact_count = count
        snaps[client_id].has_key_person = bool(key_people)
    return snaps


def _contact_snapshots(ids: Sequence[int]) -> dict[int, ContactSnapshot]:
    if not ids:
        return {}
    snaps = {
        c.id: ContactSnapshot(c)
        for c in db.session.scalars(select(ContactPerson).where(ContactPerson.id.in_(ids)))
    }
    details = db.session.execute(
        select(ContactDetail.contact_id, ContactDetail.kind)
        .where(ContactDetail.contact_id.in_(ids))
        .group_by(ContactDetail.contact_id, ContactDetail.kind)
    )
    for contact_id, kind in details:
        if kind == PHONE:
            snaps[contact_id].has_phone = True
        elif kind == EMAIL:
            snaps[contact_id].has_email = True
    return snaps
