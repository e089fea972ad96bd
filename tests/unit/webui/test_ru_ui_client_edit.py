"""Every UI string of the client-editing and potential clients pages has a Russian translation, and strings
shared with other pages keep the translation those pages already use (one catalogue, no conflicts)."""

import importlib
import re
from pathlib import Path

from webui.translations.ru_ui_client_edit import RU

ROOT = Path(__file__).resolve().parents[3] / "webui"
SOURCES = [
    *sorted((ROOT / "templates" / "client_edit").glob("*.html")),
    *sorted((ROOT / "templates" / "leads").glob("*.html")),
    ROOT / "views" / "client_edit.py",
    ROOT / "views" / "client_edit_forms.py",
    ROOT / "views" / "client_links.py",
    ROOT / "views" / "leads.py",
]


def _msgids(text: str) -> set[str]:
    return set(re.findall(r"_l?\('([^']+)'", text)) | set(re.findall(r'_l?\("([^"]+)"', text))


def test_every_string_of_the_pages_has_a_russian_translation():
    msgids = _msgids("\n".join(path.read_text(encoding="utf-8") for path in SOURCES))
    assert len(msgids) >= 150
    assert msgids <= set(RU), sorted(msgids - set(RU))


def test_shared_strings_keep_the_translation_of_the_other_pages():
    others: dict[str, str] = {}
    for path in (ROOT / "translations").glob("ru_ui_*.py"):
        if path.name != "ru_ui_client_edit.py":
            others.update(importlib.import_module(f"webui.translations.{path.stem}").RU)
    clashes = {k: (v, others[k]) for k, v in RU.items() if k in others and others[k] != v}
    assert clashes == {}
