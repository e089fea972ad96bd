"""The Feed's quick action "Letter" (SPEC #3): a short letter to the card's e-mail, sent for real through the
outbox from the writer's mail account, with his signature; it shows in the Feed at once.
"""

from __future__ import annotations

from crm.accounts.models import User
from crm.errors import ValidationFailed
from crm.links import link_ids, resolve_links
from crm.mail.accounts import accounts_for_user
from crm.mail.addresses import format_recipients
from crm.mail.autotext import appeal_number_of, with_appeal_number
from crm.mail.compose import LetterDraft, new_letter_defaults, send_letter
from crm.mail.models import ACCOUNT_PERSONAL, MailAccount, MailMessage
from crm.mail.outgoing import client_address, text_to_html
from crm.messages import N_, Message

OWNER_KEYS = ("client", "contact", "lead", "interest", "ticket")


def writing_account(user: User) -> MailAccount | None:
    """The account a quick letter goes from: the user's own personal one, else the first shared he uses."""
    accounts = accounts_for_user(user)
    own = [a for a in accounts if a.kind == ACCOUNT_PERSONAL and a.owner_id == user.id]
    return (own or accounts or [None])[0]


def send_quick_letter(
    user: User, owner: str, owner_id: int, *, subject: str, text: str, to: str = ""
) -> MailMessage | None:
    """Send ``text`` to ``to`` (default: the card's e-mail) linked to the card; commits. None when the user
    has no mail account (the caller then records the letter as an interaction). ``ValidationFailed`` with
    field errors (``to``: no address on the card, or a bad one)."""
    if owner not in OWNER_KEYS:
        raise ValidationFailed(
            {"owner": Message(N_("letters are written from %(cards)s cards"), cards=", ".join(OWNER_KEYS))}
        )
    account = writing_account(user)
    if account is None:
        return None
    links = link_ids(resolve_links({f"{owner}_id": owner_id}, keys=OWNER_KEYS))
    recipients = to.strip() or format_recipients(
        client_address(links.get("client_id"), links.get("contact_id"), links.get("lead_id"))
    )
    if not recipients:
        raise ValidationFailed({"to": N_("the card has no e-mail address; enter one")})
    defaults = new_letter_defaults(
        user,
        account.id,
        client_id=links.get("client_id"),
        interest_id=links.get("interest_id"),
        ticket_id=links.get("ticket_id"),
    )
    tag = appeal_number_of(interest_id=links.get("interest_id"), ticket_id=links.get("ticket_id"))
    subject = with_appeal_number(subject.strip(), tag)
    draft = LetterDraft(
        account_id=account.id,
        to=recipients,
        subject=subject,
        html=text_to_html(text) + defaults["html"],
        font_family=defaults["font_family"],
        font_size=defaults["font_size"],
        **{key: links.get(key) for key in ("client_id", "contact_id", "lead_id", "interest_id", "ticket_id")},
    )
    return send_letter(user, draft)
