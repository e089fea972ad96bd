"""Sorting rules for incoming letters (SPEC #38): in order, each rule whose conditions hold (all, or any)
applies its actions; ``stop_processing`` ends the pass.

Conditions: ``{"field", "op", "value"}`` with ``field`` one of ``from``, ``to``, ``cc``, ``subject``, ``body``
(text: ``contains``, ``not_contains``, ``equals``, ``not_equals``, ``starts_with``, ``ends_with``, compared
without regard to case; an address field matches on any of its addresses or names), ``has_attachments``
(``is`` true/false) and ``size`` (``greater_than``/``less_than`` in kilobytes).

Actions: ``{"type": ...}`` — ``move_to_folder`` (``folder_id``), ``mark_read``, ``flag``, ``set_responsible``
(``user_id``), ``link_to_client`` (``client_id``), ``delete`` (to the Trash, marked for deletion),
``forward_to`` (``address``: the outbox sends a copy) and ``stop_processing``.

Rules of an account apply to its letters, rules without an account to every account's. Administrators manage
every rule; the owner of a personal account manages that account's rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from crm.accounts.models import ADMINISTRATOR, User
from crm.clients.models import Client
from crm.clients.normalize import is_valid_email, normalize_email
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.models import ROLE_TRASH, MailAccount, MailFolder, MailMessage, MailSortingRule
from crm.messages import N_, Message
from engine.db import db

TEXT_FIELDS = ("from", "to", "cc", "subject", "body")
TEXT_OPS = ("contains", "not_contains", "equals", "not_equals", "starts_with", "ends_with")
SIZE_OPS = ("greater_than", "less_than")
CONDITION_FIELDS = (*TEXT_FIELDS, "has_attachments", "size")
ACTION_TYPES = (
    "move_to_folder",
    "mark_read",
    "flag",
    "set_responsible",
    "link_to_client",
    "delete",
    "forward_to",
    "stop_processing",
)
VALUE_MAX = 500


@dataclass
class ServerChange:
    """What a rule changed that the IMAP server must learn: a move, or flags (the caller applies them)."""

    folder_id: int  # where the letter is on the server
    uid: int
    target_folder_id: int | None = None  # move
    flags: tuple[str, ...] = ()  # add flags


@dataclass
class RulesOutcome:
    applied: list[int] = field(default_factory=list)
    server_changes: list[ServerChange] = field(default_factory=list)
    forwarded_to: list[str] = field(default_factory=list)
    deleted: bool = False


# --- managing rules ----------------------------------------------------------------------------------------


def list_rules(account_id: int | None = None) -> list[MailSortingRule]:
    """Rules in the order they apply: with ``account_id`` the account's own and the global ones, else all."""
    query = select(MailSortingRule)
    if account_id is not None:
        query = query.where(
            or_(MailSortingRule.account_id == account_id, MailSortingRule.account_id.is_(None))
        )
    return list(db.session.scalars(query.order_by(MailSortingRule.position, MailSortingRule.id)))


def _ensure_can_manage(actor: User, account_id: int | None) -> MailAccount | None:
    from crm.mail.accounts import can_manage_account

    if account_id is None:
        if ADMINISTRATOR not in actor.role_codes:
            raise AccessDenied(N_("only an administrator manages rules for every account"))
        return None
    account = db.session.get(MailAccount, account_id)
    if account is None:
        raise ValidationFailed({"account_id": N_("no such mail account")})
    if not can_manage_account(actor, account):
        raise AccessDenied(N_("you may not manage the rules of this mail account"))
    return account


def create_rule(actor: User, data: Mapping[str, Any]) -> MailSortingRule:
    """Add a rule (at the end unless ``position`` is given) and commit. Keys: ``account_id`` (None: every
    account), ``name``, ``conditions``, ``match_all``, ``actions``, ``stop_processing``, ``is_active``,
    ``position``. Raises ``ValidationFailed`` / ``AccessDenied``."""
    account_id = _optional_id(data.get("account_id"), "account_id")
    account = _ensure_can_manage(actor, account_id)
    fields = _clean_rule(data, account, partial=False)
    if "position" not in fields:
        last = db.session.scalar(select(func.max(MailSortingRule.position)))
        fields["position"] = (last or 0) + 1
    rule = MailSortingRule(account_id=account_id, **fields)
    db.session.add(rule)
    db.session.commit()
    return rule


def update_rule(actor: User, rule_id: int, data: Mapping[str, Any]) -> MailSortingRule:
    """Change a rule (keys as ``create_rule``; the account stays) and commit."""
    rule = _load(rule_id)
    account = _ensure_can_manage(actor, rule.account_id)
    for name, value in _clean_rule(data, account, partial=True).items():
        setattr(rule, name, value)
    db.session.commit()
    return rule


def delete_rule(actor: User, rule_id: int) -> None:
    """Remove a rule and commit."""
    rule = _load(rule_id)
    _ensure_can_manage(actor, rule.account_id)
    db.session.delete(rule)
    db.session.commit()


def _load(rule_id: int) -> MailSortingRule:
    rule = db.session.get(MailSortingRule, rule_id)
    if rule is None:
        raise NotFound(f"sorting rule {rule_id} not found")
    return rule


def _optional_id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValidationFailed({name: "not a valid choice"})
    return int(value)


def _clean_rule(data: Mapping[str, Any], account: MailAccount | None, *, partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    known = {"account_id", "name", "conditions", "match_all", "actions", "stop_processing", "is_active",
             "position"}  # fmt: skip
    for name in sorted(set(data) - known):
        errors[name] = N_("not a rule setting")
    if "name" in data or not partial:
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            errors["name"] = N_("give the rule a name")
        elif len(name) > 200:
            errors["name"] = N_("at most 200 characters")
        cleaned["name"] = name
    for flag in ("match_all", "stop_processing", "is_active"):
        if flag in data:
            cleaned[flag] = bool(data[flag])
    if "position" in data:
        position = _optional_id(data["position"], "position")
        cleaned["position"] = position or 0
    if "conditions" in data or not partial:
        try:
            cleaned["conditions"] = [_clean_condition(c) for c in data.get("conditions") or []]
        except ValueError as exc:
            errors["conditions"] = exc.args[0] if exc.args else str(exc)
        if "conditions" not in errors and not cleaned["conditions"]:
            errors["conditions"] = N_("add at least one condition")
    if "actions" in data or not partial:
        try:
            cleaned["actions"] = [_clean_action(a, account) for a in data.get("actions") or []]
        except ValueError as exc:
            errors["actions"] = exc.args[0] if exc.args else str(exc)
        if "actions" not in errors and not cleaned["actions"]:
            errors["actions"] = N_("add at least one action")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _clean_condition(condition: Any) -> dict[str, Any]:
    if not isinstance(condition, Mapping):
        raise ValueError(N_("each condition is a field, a comparison and a value"))
    field_name, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if field_name not in CONDITION_FIELDS:
        raise ValueError(
            Message(
                N_("unknown condition field %(name)r; use one of: %(choices)s"),
                name=field_name,
                choices=", ".join(CONDITION_FIELDS),
            )
        )
    if field_name == "has_attachments":
        if op not in (None, "is"):
            raise ValueError(N_("'has attachments' is compared with 'is'"))
        truth = value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
        return {"field": field_name, "op": "is", "value": truth}
    if field_name == "size":
        if op not in SIZE_OPS:
            raise ValueError(N_("size is compared with greater_than or less_than (kilobytes)"))
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ValueError(N_("a size is a whole number of kilobytes"))
        return {"field": field_name, "op": op, "value": int(str(value).strip())}
    if op not in TEXT_OPS:
        raise ValueError(
            Message(
                N_("unknown comparison %(op)r; use one of: %(choices)s"), op=op, choices=", ".join(TEXT_OPS)
            )
        )
    text = str(value or "").strip()
    if not text:
        raise ValueError(Message(N_("give the text to compare %(name)s with"), name=field_name))
    if len(text) > VALUE_MAX:
        raise ValueError(Message(N_("a condition's text has at most %(limit)s characters"), limit=VALUE_MAX))
    return {"field": field_name, "op": op, "value": text}


def _clean_action(action: Any, account: MailAccount | None) -> dict[str, Any]:
    if not isinstance(action, Mapping) or action.get("type") not in ACTION_TYPES:
        raise ValueError(
            Message(N_("unknown action; use one of: %(choices)s"), choices=", ".join(ACTION_TYPES))
        )
    kind = action["type"]
    if kind == "move_to_folder":
        folder_id = action.get("folder_id")
        folder = db.session.get(MailFolder, int(folder_id)) if str(folder_id or "").isdigit() else None
        if account is None:
            raise ValueError(
                N_("moving to a folder needs a rule of one account (folders belong to an account)")
            )
        if folder is None or folder.account_id != account.id:
            raise ValueError(N_("choose a folder of this account to move letters to"))
        return {"type": kind, "folder_id": folder.id}
    if kind == "set_responsible":
        user_id = action.get("user_id")
        user = db.session.get(User, int(user_id)) if str(user_id or "").isdigit() else None
        if user is None or not user.is_active:
            raise ValueError(N_("choose an active user to make responsible"))
        return {"type": kind, "user_id": user.id}
    if kind == "link_to_client":
        client_id = action.get("client_id")
        client = db.session.get(Client, int(client_id)) if str(client_id or "").isdigit() else None
        if client is None or client.merged_into_id is not None:
            raise ValueError(N_("choose the client to link letters to"))
        return {"type": kind, "client_id": client.id}
    if kind == "forward_to":
        address = normalize_email(str(action.get("address") or "").replace("\t", ""))
        if not is_valid_email(address):
            raise ValueError(N_("give the e-mail address to forward letters to"))
        own = {normalize_email(a) for a in db.session.scalars(select(MailAccount.email_address))}
        if address in own:
            raise ValueError(N_("forwarding to one of the CRM's own mail accounts would loop"))
        return {"type": kind, "address": address}
    return {"type": kind}


# --- applying rules ----------------------------------------------------------------------------------------


def _values(letter: MailMessage, field_name: str) -> list[str]:
    if field_name == "from":
        return [letter.from_address or "", letter.from_name or ""]
    if field_name in ("to", "cc"):
        people = letter.to_addresses if field_name == "to" else letter.cc_addresses
        return [v for p in people or [] for v in (p.get("address") or "", p.get("name") or "")]
    if field_name == "subject":
        return [letter.subject or ""]
    return [letter.text_body or letter.snippet or ""]


def condition_holds(condition: Mapping[str, Any], letter: MailMessage) -> bool:
    """Whether one (cleaned) condition holds for the letter."""
    field_name, op, value = condition["field"], condition["op"], condition["value"]
    if field_name == "has_attachments":
        return bool(letter.has_attachments) == bool(value)
    if field_name == "size":
        kilobytes = (letter.size or 0) / 1024
        return kilobytes > value if op == "greater_than" else kilobytes < value
    wanted = str(value).casefold()
    values = [v.casefold() for v in _values(letter, field_name)]
    if op == "contains":
        return any(wanted in v for v in values)
    if op == "not_contains":
        return not any(wanted in v for v in values)
    if op == "equals":
        return any(wanted == v for v in values)
    if op == "not_equals":
        return not any(wanted == v for v in values)
    if op == "starts_with":
        return any(v.startswith(wanted) for v in values if v)
    return any(v.endswith(wanted) for v in values if v)


def rule_matches(rule: MailSortingRule, letter: MailMessage) -> bool:
    """Whether a rule's conditions hold (all of them, or any with ``match_all`` off)."""
    results = (condition_holds(c, letter) for c in rule.conditions or [])
    return all(results) if rule.match_all else any(results)


def apply_rules(letter: MailMessage, *, rules: Sequence[MailSortingRule] | None = None) -> RulesOutcome:
    """Apply the account's active rules to a stored (flushed) letter, in order; the caller commits and then
    applies ``server_changes`` on the IMAP server. ``rules`` may be passed in (one query per sync)."""
    outcome = RulesOutcome()
    for rule in rules if rules is not None else list_rules(letter.account_id):
        if not rule.is_active or rule.account_id not in (None, letter.account_id):
            continue
        if not rule_matches(rule, letter):
            continue
        outcome.applied.append(rule.id)
        stop = rule.stop_processing
        for action in rule.actions or []:
            stop = _apply_action(action, letter, outcome) or stop
            if outcome.deleted:
                break
        if stop or outcome.deleted:
            break
    return outcome


def _apply_action(action: Mapping[str, Any], letter: MailMessage, outcome: RulesOutcome) -> bool:
    """Do one action; True when it says to stop processing."""
    kind = action.get("type")
    if kind == "stop_processing":
        return True
    if kind == "mark_read" and not letter.is_read:
        letter.is_read = True
        _flag_on_server(letter, outcome, "\\Seen")
    elif kind == "flag" and not letter.is_flagged:
        letter.is_flagged = True
        _flag_on_server(letter, outcome, "\\Flagged")
    elif kind == "set_responsible":
        letter.responsible_id = int(action["user_id"])
        letter.responsible_group_id = None
    elif kind == "link_to_client":
        client_id = int(action["client_id"])
        if letter.client_id != client_id:
            letter.client_id, letter.contact_id = client_id, None
    elif kind == "move_to_folder":
        target = db.session.get(MailFolder, int(action["folder_id"]))
        if target is not None and target.account_id == letter.account_id:
            move_letter_locally(letter, target, outcome)
    elif kind == "delete":
        trash = db.session.scalars(
            select(MailFolder)
            .where(MailFolder.account_id == letter.account_id, MailFolder.role == ROLE_TRASH)
            .order_by(MailFolder.id)
        ).first()
        if trash is not None:
            move_letter_locally(letter, trash, outcome)
        else:
            _flag_on_server(letter, outcome, "\\Deleted")
        letter.marked_for_deletion = True
        outcome.deleted = True
    elif kind == "forward_to":
        from crm.mail.outbox import forward_letter

        forward_letter(letter, str(action["address"]))
        outcome.forwarded_to.append(str(action["address"]))
    return False


def _flag_on_server(letter: MailMessage, outcome: RulesOutcome, flag: str) -> None:
    if letter.uid is not None and letter.folder_id is not None:
        outcome.server_changes.append(ServerChange(letter.folder_id, letter.uid, flags=(flag,)))


def move_letter_locally(letter: MailMessage, target: MailFolder, outcome: RulesOutcome | None = None) -> None:
    """Put the letter in ``target`` (the Trash marks it for deletion). It loses its UID — the server gives it
    a new one in the target folder, and the next sync of that folder finds it again by Message-ID; the
    server move itself goes into ``outcome.server_changes``."""
    if letter.folder_id == target.id:
        return
    if outcome is not None and letter.uid is not None and letter.folder_id is not None:
        outcome.server_changes.append(ServerChange(letter.folder_id, letter.uid, target_folder_id=target.id))
    letter.folder_id = target.id
    letter.uid = None
    if target.role == ROLE_TRASH:
        letter.marked_for_deletion = True
