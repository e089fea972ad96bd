"""Commercial proposals of an interest: numbered, with amount and status; the Feed shows them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from crm.access import ensure_can_edit_record, ensure_can_view_record
from crm.accounts.models import User
from crm.deals.models import (
    PROPOSAL_ACCEPTED,
    PROPOSAL_DRAFT,
    PROPOSAL_REJECTED,
    PROPOSAL_SENT,
    PROPOSAL_STATUSES,
    CommercialProposal,
    Interest,
)
from crm.errors import NotFound, ValidationFailed
from crm.feed.posting import post_feed_entry, update_feed_entry
from crm.messages import N_, Message
from engine.db import db, utcnow

# Allowed status moves; a rejected proposal may be revised back to draft.
NEXT_STATUSES = {
    PROPOSAL_DRAFT: {PROPOSAL_SENT},
    PROPOSAL_SENT: {PROPOSAL_ACCEPTED, PROPOSAL_REJECTED, PROPOSAL_DRAFT},
    PROPOSAL_REJECTED: {PROPOSAL_DRAFT},
    PROPOSAL_ACCEPTED: set(),
}


def create_proposal(actor: User, interest_id: int, data: Mapping[str, Any]) -> CommercialProposal:
    """Add a draft proposal to an interest and commit. Keys: ``amount`` (default the interest's),
    ``currency``, ``comment``, ``number`` (default ``<interest id>-<n>``)."""
    interest = db.session.get(Interest, interest_id)
    if interest is None:
        raise NotFound(f"interest {interest_id} not found")
    ensure_can_edit_record(actor, interest)
    try:
        amount = Decimal(str(data.get("amount", interest.amount) or "0").replace(",", "."))
        if amount < 0:
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationFailed({"amount": N_("a non-negative amount is expected")}) from None
    count = db.session.scalar(
        select(func.count())
        .select_from(CommercialProposal)
        .where(CommercialProposal.interest_id == interest.id)
    )
    proposal = CommercialProposal(
        interest_id=interest.id,
        number=str(data.get("number") or f"{interest.id}-{(count or 0) + 1}"),
        amount=amount,
        currency=str(data.get("currency") or interest.currency).upper(),
        comment=str(data.get("comment") or ""),
        status=PROPOSAL_DRAFT,
        created_by_id=actor.id,
    )
    db.session.add(proposal)
    db.session.flush()
    post_feed_entry(
        kind="proposal", ref_id=proposal.id, title=f"Proposal {proposal.number}", summary=proposal.comment,
        author_id=actor.id, client_id=interest.client_id, lead_id=interest.lead_id,
        contact_id=interest.contact_id, interest_id=interest.id, details=_details(proposal),
    )  # fmt: skip
    db.session.commit()
    return proposal


def set_proposal_status(actor: User, proposal_id: int, status: str) -> CommercialProposal:
    """Move a proposal to ``sent``, ``accepted``, ``rejected`` or back to ``draft``; commit."""
    proposal = db.session.get(CommercialProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    ensure_can_edit_record(actor, proposal.interest)
    if status not in PROPOSAL_STATUSES or status not in NEXT_STATUSES[proposal.status]:
        raise ValidationFailed(
            {
                "status": Message(
                    N_("a %(status)s proposal cannot become %(new_status)s"),
                    status=proposal.status,
                    new_status=status,
                )
            }
        )
    proposal.status = status
    if status == PROPOSAL_SENT:
        proposal.sent_at = utcnow()
    update_feed_entry("proposal", proposal.id, details=_details(proposal))
    db.session.commit()
    return proposal


def list_proposals(actor: User, interest_id: int) -> list[CommercialProposal]:
    """The proposals of one interest, oldest first."""
    interest = db.session.get(Interest, interest_id)
    if interest is None:
        raise NotFound(f"interest {interest_id} not found")
    ensure_can_view_record(actor, interest)
    return list(interest.proposals)


def _details(proposal: CommercialProposal) -> dict[str, Any]:
    return {"amount": format(proposal.amount, "f"), "currency": proposal.currency, "status": proposal.status}
