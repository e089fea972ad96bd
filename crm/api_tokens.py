"""Personal API tokens: how integrations authenticate to the JSON API (``/api/v1``) as a user.

A token is 32 random bytes shown to its owner once, at creation. Only its SHA-256 is stored, so a copy of the
database does not give anyone a working token; a token acts with its owner's rights (the same access rules as
the pages) until it is revoked or the owner is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, CrmError, NotFound, ValidationFailed
from crm.messages import N_, Message
from engine.db import Base, UTCDateTime, db, utcnow

TOKEN_PREFIX = "rmc_"
TOKEN_BYTES = 32
NAME_MAX_LENGTH = 100
# Writing "last used" on every request would turn each API read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenInvalid(CrmError):
    """The presented token is unknown, revoked, or belongs to a deactivated user."""


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the whole token
    # The first characters of the token, so its owner can tell tokens apart (not enough to guess it).
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def hash_token(plaintext: str) -> str:
    """The stored form of a token: hex SHA-256 (a token is random, so no salt or slow hash is needed)."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def issue_token(actor: User, name: str) -> tuple[str, ApiToken]:
    """Create a token for ``actor`` named ``name`` and commit; returns the plaintext (shown once) and the row."""
    clean = (name or "").strip()
    if not clean:
        raise ValidationFailed({"name": N_("give the token a name, e.g. the integration that will use it")})
    if len(clean) > NAME_MAX_LENGTH:
        raise ValidationFailed({"name": Message(N_("at most %(limit)s characters"), limit=NAME_MAX_LENGTH)})
    if not actor.is_active:
        raise AccessDenied(N_("a deactivated user cannot create API tokens"))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(
        user_id=actor.id,
        name=clean,
        token_hash=hash_token(plaintext),
        hint=plaintext[: len(TOKEN_PREFIX) + 4],
    )
    db.session.add(row)
    db.session.commit()
    return plaintext, row


def authenticate_token(plaintext: str, *, now: datetime | None = None) -> User:
    """The active user a token belongs to; raises ``ApiTokenInvalid``. Notes when the token was last used."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        raise ApiTokenInvalid("the API token is not valid")
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if row is None or row.revoked_at is not None:
        raise ApiTokenInvalid("the API token is not valid or was revoked")
    user = row.user
    if not user.is_active:
        raise ApiTokenInvalid("the API token's user is deactivated")
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    return user


def list_tokens(actor: User, *, include_revoked: bool = True) -> list[ApiToken]:
    """``actor``'s own tokens, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == actor.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Revoke one token (the owner's own; administrators may revoke anybody's) and commit; idempotent."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"API token {token_id} not found")
    if row.user_id != actor.id and not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("you may revoke only your own API tokens"))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
    return row
