"""Mail: accounts, their folders, letters (with the raw message always kept), attachments, the outbox,
signatures, sorting rules, the auto-responder's memory and saved letter-list views.

A letter (``MailMessage``) is one row for both directions. Incoming letters carry the IMAP folder and UID
they came from (unique per folder, so a reconnect never stores one twice); outgoing letters carry an outbox row
(``MailOutbox``) committed in the same transaction as the business change that causes them — a job sends what
the outbox holds, and the letter's ``message_id`` is fixed before sending so a retry is recognisable.
The bytes of every letter live in ``MailRawMessage``, apart from the list columns, so nothing is lost when
parsing fails and the letter list never reads big rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

# Account kinds.
ACCOUNT_PERSONAL = "personal"
ACCOUNT_SHARED = "shared"
ACCOUNT_KINDS = (ACCOUNT_PERSONAL, ACCOUNT_SHARED)

# Connection security for IMAP and SMTP.
SECURITY_SSL = "ssl"
SECURITY_STARTTLS = "starttls"
SECURITY_NONE = "none"
SECURITY_MODES = (SECURITY_SSL, SECURITY_STARTTLS, SECURITY_NONE)

# Which folders of an account produce leads (SPEC #35): none, all, or the folders marked ``is_lead_source``.
LEADS_OFF = "off"
LEADS_ALL = "all"
LEADS_SELECTED = "selected"
LEAD_MODES = (LEADS_OFF, LEADS_ALL, LEADS_SELECTED)

# Lead scenarios: the workplaces a lead letter is shown in.
SCENARIO_SALES = "sales"
SCENARIO_SUPPORT = "support"
LEAD_SCENARIOS = (SCENARIO_SALES, SCENARIO_SUPPORT)

# Folder roles (IMAP SPECIAL-USE, or guessed from the name).
ROLE_INBOX = "inbox"
ROLE_SENT = "sent"
ROLE_DRAFTS = "drafts"
ROLE_TRASH = "trash"
ROLE_JUNK = "junk"
ROLE_ARCHIVE = "archive"
FOLDER_ROLES = (ROLE_INBOX, ROLE_SENT, ROLE_DRAFTS, ROLE_TRASH, ROLE_JUNK, ROLE_ARCHIVE)

DIRECTION_IN = "in"
DIRECTION_OUT = "out"

# Letter states. Incoming letters are ``received``; outgoing ones go draft -> queued -> sent | failed.
STATUS_RECEIVED = "received"
STATUS_DRAFT = "draft"
STATUS_QUEUED = "queued"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"
LETTER_STATUSES = (STATUS_RECEIVED, STATUS_DRAFT, STATUS_QUEUED, STATUS_SENT, STATUS_FAILED)

# Outbox states.
OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_STATES = (OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT, OUTBOX_FAILED)


class MailAccount(Base):
    """An IMAP/SMTP mailbox: personal (one owner) or shared (its members write from it)."""

    __tablename__ = "mail_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # the From display name when a user has none of his own
    email_address: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=ACCOUNT_SHARED)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    imap_host: Mapped[str] = mapped_column(String(255), default="")
    imap_port: Mapped[int] = mapped_column(Integer, default=993)
    imap_security: Mapped[str] = mapped_column(String(16), default=SECURITY_SSL)
    imap_username: Mapped[str] = mapped_column(String(254), default="")
    # Fernet token (key from the MAIL_SECRET_KEY setting); never the plain password.
    imap_password_encrypted: Mapped[str] = mapped_column(Text, default="")
    smtp_host: Mapped[str] = mapped_column(String(255), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=465)
    smtp_security: Mapped[str] = mapped_column(String(16), default=SECURITY_SSL)
    smtp_username: Mapped[str] = mapped_column(String(254), default="")
    smtp_password_encrypted: Mapped[str] = mapped_column(Text, default="")

    # Limit on the total size of attachments of one outgoing letter, in megabytes (SPEC #41).
    max_attachments_mb: Mapped[int] = mapped_column(Integer, default=20)
    default_signature_id: Mapped[int | None] = mapped_column(ForeignKey("mail_signatures.id"))
    # Leads (SPEC #35): off / all folders / selected folders; per scenario, the folders whose leads it shows.
    lead_mode: Mapped[str] = mapped_column(String(16), default=LEADS_OFF)
    lead_scenario_folders: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # New leads' responsible department (the wizard's logic picks the rest).
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    # The auto-responder (SPEC #40): on between ``autoreply_from`` and ``autoreply_until``, once per sender
    # every ``autoreply_interval_days``.
    autoreply_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    autoreply_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    autoreply_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    autoreply_subject: Mapped[str] = mapped_column(String(300), default="")
    autoreply_body: Mapped[str] = mapped_column(Text, default="")
    autoreply_interval_days: Mapped[int] = mapped_column(Integer, default=3)

    poll_interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailAccountMember(Base):
    """A user who may read and write from an account, with the personal sender name (SPEC #33-34)."""

    __tablename__ = "mail_account_members"
    __table_args__ = (UniqueConstraint("account_id", "user_id", name="uq_mail_account_members_account_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sender_name: Mapped[str] = mapped_column(String(200), default="")


class MailFolder(Base):
    """An IMAP folder of an account, with the sync position: ``uidvalidity`` and the last UID stored."""

    __tablename__ = "mail_folders"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_mail_folders_account_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))  # the server's name (decoded)
    role: Mapped[str | None] = mapped_column(String(16))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    is_lead_source: Mapped[bool] = mapped_column(Boolean, default=False)
    is_synced: Mapped[bool] = mapped_column(Boolean, default=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailRawMessage(Base):
    """The exact bytes of a letter as received or sent (RFC 5322)."""

    __tablename__ = "mail_raw_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class MailMessage(Base):
    """A letter, incoming or outgoing, with what the list, the reading pane and the Feed need."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        UniqueConstraint("folder_id", "uid", name="uq_mail_messages_folder_uid"),
        # The letter list: one folder, newest first, id breaks ties (keyset paging).
        Index("ix_mail_messages_folder_at_id", "folder_id", "occurred_at", "id"),
        Index("ix_mail_messages_account_at_id", "account_id", "occurred_at", "id"),
        Index("ix_mail_messages_from_address", "from_address"),
        Index("ix_mail_messages_message_id", "message_id"),
        Index("ix_mail_messages_thread_key", "thread_key"),
        Index("ix_mail_messages_client_id", "client_id"),
        Index("ix_mail_messages_interest_id", "interest_id"),
        Index("ix_mail_messages_ticket_id", "ticket_id"),
        Index("ix_mail_messages_lead_id", "lead_id"),
        Index("ix_mail_messages_responsible_id", "responsible_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("mail_accounts.id"))
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("mail_folders.id"))
    uid: Mapped[int | None] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(8), default=DIRECTION_IN)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_RECEIVED)

    message_id: Mapped[str] = mapped_column(String(998), default="")  # without angle brackets
    in_reply_to: Mapped[str] = mapped_column(String(998), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    thread_key: Mapped[str] = mapped_column(String(998), default="")  # the first message id of the thread

    subject: Mapped[str] = mapped_column(String(998), default="")
    from_name: Mapped[str] = mapped_column(String(300), default="")
    from_address: Mapped[str] = mapped_column(String(254), default="")  # lower-cased
    # Lists of {"name": ..., "address": ...}.
    to_addresses: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    bcc_addresses: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    reply_to: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the Date header
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # received, or sent by us
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")  # sanitised before it is shown
    snippet: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)
    parse_error: Mapped[str] = mapped_column(Text, default="")
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("mail_raw_messages.id"))

    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    is_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    marked_for_deletion: Mapped[bool] = mapped_column(Boolean, default=False)
    font_family: Mapped[str] = mapped_column(String(100), default="")
    font_size: Mapped[str] = mapped_column(String(16), default="")

    # Links to CRM documents (by address, thread and the appeal number in the subject).
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interests.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # Responsibility: a user, or a group (role-based) until someone takes or rejects it.
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    # A lead letter (SPEC #35): the scenario whose workplace shows it; None when not a lead.
    lead_scenario: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailAttachment(Base):
    """A file of a letter (the content is also inside the raw message; this copy serves downloads)."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    content_id: Mapped[str] = mapped_column(String(500), default="")  # for inline images
    is_inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class MailOutbox(Base):
    """A letter waiting to be sent: committed with the change that causes it; a job sends it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender holds the row until this time; a worker killed mid-send leaves it to expire, then a retry
    # first asks the server (Sent folder, by Message-ID) whether the letter already went.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailSignature(Base):
    """A signature with autotext (``{{current_user}}``, ``{{appeal_number}}`` ...); shared or personal."""

    __tablename__ = "mail_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: shared
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailSortingRule(Base):
    """A rule applied to incoming letters in order: conditions (all/any) then actions (SPEC #38)."""

    __tablename__ = "mail_sorting_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    match_all: Mapped[bool] = mapped_column(Boolean, default=True)
    # [{"field": "from"|"to"|"subject"|"body"|"has_attachments", "op": "contains"|"equals"|..., "value": ...}]
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"type": "move_to_folder"|"mark_read"|"flag"|"set_responsible"|"forward_to"|"delete", ...}]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stop_processing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailAutoreplyLog(Base):
    """When the auto-responder last answered a sender from an account (at most once per interval)."""

    __tablename__ = "mail_autoreply_log"
    __table_args__ = (
        UniqueConstraint("account_id", "sender_address", name="uq_mail_autoreply_account_sender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"))
    sender_address: Mapped[str] = mapped_column(String(254))
    replied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailSettings(Base):
    """Company-wide mail settings (one row): the default font of new letters (SPEC #36)."""

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    default_font_family: Mapped[str] = mapped_column(String(100), default="Arial")
    default_font_size: Mapped[str] = mapped_column(String(16), default="10pt")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailListView(Base):
    """A saved letter-list setting of a user (columns, sort, filters) that can be loaded later (SPEC #41)."""

    __tablename__ = "mail_list_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_mail_list_views_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
