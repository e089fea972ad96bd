"""What happens after an incoming letter is committed (the ``crm.mail.after_receive`` job): a lead letter
opens its interest or appeal, then the route maps hear of the letter.

Messages delivered (each in its own engine transaction, so a failing trigger never loses the letter):

- ``mail.received`` for every incoming letter (the shipped triggers ``mail_on_interest`` and
  ``website_request`` start on it); correlation key ``interest:<id>`` / ``ticket:<id>`` of the linked
  document, else none. Payload: ``sender``, ``sender_name``, ``subject``, ``reply_to``, ``client_name``,
  ``body_excerpt``, ``letter_id``, ``account_id``, ``client_id``, ``contact_id``, ``lead_id``,
  ``interest_id``, ``ticket_id``, ``lead_scenario``, ``responsible_id``;
- ``request.received`` for a lead letter that opened an interest or appeal (the ``answer_eta`` trigger):
  ``subject``, ``email``, ``lead_id``, ``client_id``, ``interest_id``, ``ticket_id``, ``letter_id``;
- ``client.replied`` (key ``ticket:<id>``) when the letter answers an appeal whose route map waits for the
  client.

A website request letter links, once the trigger has registered its potential client, to that card.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from crm.clients.models import Client
from crm.mail.leads import needs_registration, register_lead_letter
from crm.mail.linking import AddressBook, has_owner, link_letter_documents, post_letter_to_feed
from crm.mail.models import DIRECTION_IN, MailMessage
from engine.db import db
from engine.messages import deliver_message
from engine.wait_models import MESSAGE, EventSubscription

log = logging.getLogger(__name__)

EXCERPT_MAX = 1000
MAIL_RECEIVED = "mail.received"
REQUEST_RECEIVED = "request.received"
CLIENT_REPLIED = "client.replied"


def mail_received_payload(letter: MailMessage) -> dict[str, Any]:
    """What the route maps get about a letter (names the shipped trigger maps read)."""
    reply_to = next((p.get("address") for p in letter.reply_to or [] if p.get("address")), None)
    reply_name = next((p.get("name") for p in letter.reply_to or [] if p.get("name")), None)
    client = db.session.get(Client, letter.client_id) if letter.client_id else None
    return {
        "letter_id": letter.id,
        "account_id": letter.account_id,
        "sender": letter.from_address or "",
        "sender_name": letter.from_name or "",
        "subject": letter.subject or "",
        "reply_to": reply_to or letter.from_address or "",
        "client_name": client.name if client else (reply_name or letter.from_name or ""),
        "body_excerpt": " ".join((letter.text_body or letter.snippet or "").split())[:EXCERPT_MAX],
        "client_id": letter.client_id,
        "contact_id": letter.contact_id,
        "lead_id": letter.lead_id,
        "interest_id": letter.interest_id,
        "ticket_id": letter.ticket_id,
        "lead_scenario": letter.lead_scenario,
        "responsible_id": letter.responsible_id,
    }


def correlation_key_of(letter: MailMessage) -> str | None:
    if letter.interest_id:
        return f"interest:{letter.interest_id}"
    if letter.ticket_id:
        return f"ticket:{letter.ticket_id}"
    return None


def after_receive(letter_id: int) -> dict[str, Any]:
    """Open the lead's interest/appeal (a lead letter), then deliver the letter's messages; returns what was
    done (for the job's result). A letter that is gone or outgoing is left alone."""
    letter = db.session.get(MailMessage, letter_id)
    if letter is None or letter.direction != DIRECTION_IN:
        db.session.rollback()
        return {"letter_id": letter_id, "skipped": True}
    done: dict[str, Any] = {"letter_id": letter_id}
    if needs_registration(letter):
        try:
            registered = register_lead_letter(letter_id)
        except Exception as exc:  # the route map could not start: the letter stays a lead for a person
            db.session.rollback()
            log.exception("lead letter %s could not open its interest/appeal", letter_id)
            done["lead_error"] = f"{type(exc).__name__}: {exc}"
            registered = None
        letter = db.session.get(MailMessage, letter_id)
        if letter is None:
            return done
        if registered is not None:
            done.update(interest_id=registered.interest_id, ticket_id=registered.ticket_id,
                        lead_id=registered.lead_id, process_instance_id=registered.process_instance_id)  # fmt: skip
            _deliver(REQUEST_RECEIVED, None, {
                "letter_id": letter.id, "subject": letter.subject or "", "email": _answer_address(letter),
                "lead_id": letter.lead_id, "client_id": letter.client_id, "interest_id": letter.interest_id,
                "ticket_id": letter.ticket_id,
            })  # fmt: skip
            letter = db.session.get(MailMessage, letter_id)
            if letter is None:
                return done
    payload, key, ticket_id = mail_received_payload(letter), correlation_key_of(letter), letter.ticket_id
    done["mail_received"] = _deliver(MAIL_RECEIVED, key, payload)
    if ticket_id and _waits_for_client(ticket_id):
        done["client_replied"] = _deliver(CLIENT_REPLIED, f"ticket:{ticket_id}", {
            "letter_id": letter_id, "reply_subject": payload["subject"], "reply_excerpt": payload["body_excerpt"],
        })  # fmt: skip
    done["linked_after_triggers"] = _link_after_triggers(letter_id)
    return done


def _answer_address(letter: MailMessage) -> str:
    return next(
        (p.get("address") or "" for p in letter.reply_to or [] if p.get("address")), letter.from_address
    )


def _waits_for_client(ticket_id: int) -> bool:
    found = db.session.scalar(
        select(EventSubscription.id).where(
            EventSubscription.kind == MESSAGE,
            EventSubscription.name == CLIENT_REPLIED,
            EventSubscription.correlation_key == f"ticket:{ticket_id}",
        )
    )
    return found is not None


def _deliver(name: str, key: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    db.session.commit()  # deliver_message starts from a clean session (it rolls back what is pending)
    try:
        delivery = deliver_message(name, key, payload)
    except Exception as exc:  # a broken route map must not undo the letter or the lead
        db.session.rollback()
        log.exception("delivering %s (%s) failed", name, key)
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"delivered_to": delivery.delivered_to, "started": delivery.started, "failed": delivery.failed,
            "unmatched_id": delivery.unmatched_id}  # fmt: skip


def _link_after_triggers(letter_id: int) -> bool:
    """A letter that had no owner may have one now (the website_request trigger registered the visitor as a
    potential client by his Reply-To address): link it and give it its Feed row."""
    letter = db.session.get(MailMessage, letter_id)
    if letter is None or has_owner(letter):
        return False
    link_letter_documents(letter, AddressBook())
    if not has_owner(letter):
        db.session.rollback()
        return False
    post_letter_to_feed(letter)
    db.session.commit()
    return True
