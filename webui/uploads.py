"""Files attached in task forms: stored on disk under the instance folder, referenced from process data.

Process data keeps only the reference ``upload:<uuid>/<file name>`` (large payloads never go into task data).
The uuid is random, so the download link works as a capability for logged-in users.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

PREFIX = "upload:"
_REF = re.compile(r"^upload:([0-9a-f]{32})/([^/\\]+)$")


def upload_root() -> Path:
    return Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")


def store_upload(file: FileStorage) -> str:
    """Save an uploaded file and return its reference for the process data."""
    token = uuid.uuid4().hex
    name = secure_filename(file.filename or "") or "file"
    folder = upload_root() / token
    folder.mkdir(parents=True, exist_ok=True)
    file.save(folder / name)
    return f"{PREFIX}{token}/{name}"


def upload_path(reference: str) -> Path | None:
    """The stored file of a reference, or None when the reference is malformed or the file is gone."""
    found = _REF.match(reference or "")
    if not found:
        return None
    path = upload_root() / found.group(1) / found.group(2)
    return path if path.is_file() else None


def is_upload(value: object) -> bool:
    return isinstance(value, str) and bool(_REF.match(value))
