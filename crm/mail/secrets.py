"""Mail passwords are stored encrypted (Fernet); the key comes from the MAIL_SECRET_KEY setting, or is
derived from SECRET_KEY when that is empty. ``configure_secret`` is called by the app factory.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from crm.errors import ValidationFailed

_state: dict[str, Fernet] = {}


def configure_secret(secret: str) -> None:
    """Use ``secret`` (any string) as the key material for mail passwords."""
    if not secret:
        raise ValueError("a mail secret must not be empty")
    key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
    _state["fernet"] = Fernet(key)


def _fernet() -> Fernet:
    fernet = _state.get("fernet")
    if fernet is None:
        raise RuntimeError("mail secrets are not configured; the app factory configures them")
    return fernet


def encrypt_secret(plain: str) -> str:
    """The stored form of a password ('' stays '')."""
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt_secret(token: str) -> str:
    """The password back; a token made with another key is a clear error, not a crash."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValidationFailed(
            {"password": "the stored password was encrypted with another key; enter the password again"}
        ) from None
