"""Signatures: shared ones (administrators keep them; an account can name one as its default) and personal
ones (each user's own). A signature may hold autotext (SPEC #39), filled in for whoever writes the letter.

Which signature a new letter gets: the user's own choice for that account if they made one (possibly "none"),
else the account's default signature.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update

from crm.accounts.models import ADMINISTRATOR, User
from crm.activities.sanitize import sanitize_note_html
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.autotext import AutotextContext, render_autotext, unknown_placeholders
from crm.mail.models import MailAccount, MailSignature
from crm.messages import N_, Message
from crm.preferences import get_preference, save_preference
from engine.db import db

CHOICE_KEY = "mail.signatures"  # {account_id (str): signature_id, 0 = no signature}
NAME_MAX = 200
BODY_MAX = 20_000


def list_signatures(user: User) -> list[MailSignature]:
    """The active signatures ``user`` may use: the shared ones and their own, shared first, by name."""
    stmt = (
        select(MailSignature)
        .where(
            MailSignature.is_active, or_(MailSignature.owner_id.is_(None), MailSignature.owner_id == user.id)
        )
        .order_by(MailSignature.owner_id.is_not(None), MailSignature.name, MailSignature.id)
    )
    return list(db.session.scalars(stmt))


def get_signature(user: User, signature_id: int) -> MailSignature:
    """A shared signature or one of the user's own (someone else's personal one is NotFound)."""
    signature = db.session.get(MailSignature, signature_id)
    if signature is None or (signature.owner_id is not None and signature.owner_id != user.id):
        raise NotFound(f"no signature {signature_id}")
    return signature


def _ensure_may_edit(actor: User, signature: MailSignature) -> None:
    if signature.owner_id is None and not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may change a shared signature"))
    if signature.owner_id is not None and signature.owner_id != actor.id:
        raise AccessDenied(N_("this is another user's signature"))


def _clean(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if not partial or "name" in data:
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            errors["name"] = N_("give the signature a name")
        elif len(name) > NAME_MAX:
            errors["name"] = Message(N_("at most %(limit)s characters"), limit=NAME_MAX)
        cleaned["name"] = name
    if not partial or "body_html" in data:
        body = str(data.get("body_html") or "")
        if len(body) > BODY_MAX:
            errors["body_html"] = Message(
                N_("the signature is too long (at most %(limit)s characters)"), limit=BODY_MAX
            )
        unknown = unknown_placeholders(body)
        if unknown:
            errors["body_html"] = "unknown autotext: " + ", ".join("{{" + u + "}}" for u in unknown)
        cleaned["body_html"] = sanitize_note_html(body)
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def create_signature(actor: User, data: dict[str, Any]) -> MailSignature:
    """A new signature: ``data`` has ``name``, ``body_html`` and ``shared`` (shared ones: administrators only).
    Commits."""
    shared = bool(data.get("shared"))
    if shared and not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only an administrator may create a shared signature"))
    signature = MailSignature(**_clean(data, partial=False), owner_id=None if shared else actor.id)
    db.session.add(signature)
    db.session.commit()
    return signature


def update_signature(actor: User, signature_id: int, data: dict[str, Any]) -> MailSignature:
    """Change the name, text or active flag of a signature the actor may edit; commits."""
    signature = get_signature(actor, signature_id)
    _ensure_may_edit(actor, signature)
    for key, value in _clean(data, partial=True).items():
        setattr(signature, key, value)
    db.session.commit()
    return signature


def delete_signature(actor: User, signature_id: int) -> None:
    """Delete a signature; accounts that had it as their default are left without one. Commits."""
    signature = get_signature(actor, signature_id)
    _ensure_may_edit(actor, signature)
    db.session.execute(
        update(MailAccount)
        .where(MailAccount.default_signature_id == signature.id)
        .values(default_signature_id=None),
        execution_options={"synchronize_session": "fetch"},
    )
    db.session.delete(signature)
    db.session.commit()


def choose_signature(user: User, account_id: int, signature_id: int | None) -> None:
    """The user's own choice for new letters from an account: a signature, or None for none. Commits."""
    if db.session.get(MailAccount, account_id) is None:
        raise NotFound(f"no mail account {account_id}")
    if signature_id is not None:
        signature = get_signature(user, signature_id)
        if not signature.is_active:
            raise ValidationFailed({"signature_id": N_("this signature is switched off")})
    choices = dict(get_preference(user.id, CHOICE_KEY, {}) or {})
    choices[str(account_id)] = signature_id or 0
    save_preference(user.id, CHOICE_KEY, choices)


def signature_for(user: User, account: MailAccount) -> MailSignature | None:
    """The signature a new letter of ``user`` from ``account`` gets (their choice, else the account's)."""
    choices = get_preference(user.id, CHOICE_KEY, {}) or {}
    chosen = choices.get(str(account.id)) if isinstance(choices, dict) else None
    if chosen == 0:
        return None
    for signature_id in (chosen, account.default_signature_id):
        if not signature_id:
            continue
        signature = db.session.get(MailSignature, signature_id)
        usable = signature is not None and signature.is_active
        if usable and signature is not None and signature.owner_id in (None, user.id):
            return signature
    return None


def render_signature(
    signature: MailSignature | None,
    *,
    user: User | None,
    letter: Any = None,
    interest: Any = None,
    ticket: Any = None,
    client_id: int | None = None,
    lead_id: int | None = None,
) -> str:
    """The signature's HTML with autotext filled in for ``user`` writing ``letter`` (the one being answered,
    for ``{{appeal_number_reply}}``) from ``interest`` / ``ticket``."""
    if signature is None:
        return ""
    context = AutotextContext(
        user=user,
        interest_id=getattr(interest, "id", None),
        ticket_id=getattr(ticket, "id", None),
        reply_to=letter,
        client_id=client_id or getattr(interest, "client_id", None) or getattr(ticket, "client_id", None),
        lead_id=lead_id or getattr(interest, "lead_id", None) or getattr(ticket, "lead_id", None),
    )
    return render_autotext(signature.body_html, context, as_html=True)
