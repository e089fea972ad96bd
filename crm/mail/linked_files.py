"""Files of the interests and appeals a letter is linked to — "Add files from interests/appeals" (SPEC #32).

Two sources: the attachments of the other letters linked to the same interest or appeal, and the files
uploaded in the route-map task forms of that interest or appeal. Task-form files live in the web layer's
upload store (process data holds only ``upload:<token>/<name>`` references); the CRM may not import the web
layer, so the application installs a resolver with :func:`set_upload_resolver` (``webui.uploads.upload_path``);
without one those files are left out.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from crm.access import can_view_record
from crm.accounts.models import User
from crm.deals.models import Interest
from crm.mail.models import STATUS_DRAFT, MailAttachment, MailMessage
from crm.support.models import Ticket
from engine.db import db

log = logging.getLogger(__name__)

UPLOAD_PREFIX = "upload:"
UploadResolver = Callable[[str], Path | None]
_resolver: dict[str, UploadResolver] = {}


def set_upload_resolver(resolver: UploadResolver | None) -> None:
    """Install (or remove) the function that turns a task-form file reference into its stored file."""
    if resolver is None:
        _resolver.pop("upload", None)
    else:
        _resolver["upload"] = resolver


@dataclass(frozen=True)
class LinkedFile:
    """A file the letter may take from its interest/appeal; ``key`` picks it in ``LetterDraft``."""

    key: str  # "attachment:<id>" or the task-form reference "upload:<token>/<name>"
    filename: str
    content_type: str
    size: int
    source: str  # "letter" or "task_form"
    source_title: str  # the letter's subject, or the route map's task

    def load(self) -> bytes:
        """The file's bytes."""
        if self.key.startswith("attachment:"):
            row = db.session.get(MailAttachment, int(self.key.partition(":")[2]))
            return bytes(row.content) if row is not None else b""
        path = _resolve(self.key)
        return path.read_bytes() if path is not None else b""


def _resolve(reference: str) -> Path | None:
    resolver = _resolver.get("upload")
    return resolver(reference) if resolver is not None else None


def _records(user: User, interest_id: int | None, ticket_id: int | None) -> tuple[Any, Any]:
    interest = db.session.get(Interest, interest_id) if interest_id else None
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is not None and interest is None and ticket.interest_id:
        interest = db.session.get(Interest, ticket.interest_id)
    interest = interest if interest is not None and can_view_record(user, interest) else None
    ticket = ticket if ticket is not None and can_view_record(user, ticket) else None
    return interest, ticket


def _letter_files(interest: Any, ticket: Any, exclude_letter_id: int | None) -> list[LinkedFile]:
    owners = []
    if interest is not None:
        owners.append(MailMessage.interest_id == interest.id)
    if ticket is not None:
        owners.append(MailMessage.ticket_id == ticket.id)
    if not owners:
        return []
    stmt = (
        select(
            MailAttachment.id,
            MailAttachment.filename,
            MailAttachment.content_type,
            MailAttachment.size,
            MailMessage.subject,
        )
        .join(MailMessage, MailMessage.id == MailAttachment.message_id)
        .where(or_(*owners), MailAttachment.is_inline.is_(False), MailMessage.status != STATUS_DRAFT)
        .order_by(MailMessage.occurred_at, MailAttachment.id)
    )
    if exclude_letter_id is not None:
        stmt = stmt.where(MailMessage.id != exclude_letter_id)
    return [
        LinkedFile(f"attachment:{ident}", name or "attachment", ctype, size, "letter", subject or "")
        for ident, name, ctype, size, subject in db.session.execute(stmt)
    ]


def _references_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith(UPLOAD_PREFIX):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _references_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _references_in(item)


def _form_files(records: list[Any]) -> list[LinkedFile]:
    """Files uploaded in the task forms of the records' route-map instances (needs the resolver)."""
    if "upload" not in _resolver:
        return []
    from engine.instances import instance_data, instances_for_business_key

    found: list[LinkedFile] = []
    for record in records:
        for instance in instances_for_business_key(record.business_key):
            try:
                data = instance_data(instance.id)  # reads the stored state; rolls the session back
            except Exception:  # a broken or undeployable instance must not stop the letter
                log.warning(
                    "could not read the data of instance %s for its files", instance.id, exc_info=True
                )
                continue
            for reference in dict.fromkeys(_references_in(data)):
                path = _resolve(reference)
                if path is None:
                    continue
                ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                found.append(LinkedFile(reference, path.name, ctype, path.stat().st_size, "task_form",
                                        instance.business_key or ""))  # fmt: skip
    return found


def linked_files_for(
    user: User, *, interest_id: int | None, ticket_id: int | None, exclude_letter_id: int | None = None
) -> list[LinkedFile]:
    """Files of the interest/appeal (visible to ``user``): task-form files first, then letters' files.

    Reading route-map data rolls the session back: call this before changing anything in the session."""
    interest, ticket = _records(user, interest_id, ticket_id)
    records = [r for r in (interest, ticket) if r is not None]
    files = _form_files(records) + _letter_files(interest, ticket, exclude_letter_id)
    unique: dict[tuple[str, int], LinkedFile] = {}
    for item in files:
        unique.setdefault((item.filename, item.size), item)
    return list(unique.values())
