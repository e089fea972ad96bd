"""Extract messages, update the Russian catalogue and fill untranslated entries.

The Russian texts live in ``webui/translations/ru_*.py`` (a ``RU`` dict per area of the UI). Run
``python scripts/ru_fill.py`` after adding UI strings; it prints what is still untranslated.
"""

import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "webui/translations/ru/LC_MESSAGES/messages.po"
POT = ROOT / "webui/translations/messages.pot"


def load_ru() -> dict[str, str]:
    """Every ``RU`` dict of webui/translations/ru_*.py, one per area of the UI."""
    merged: dict[str, str] = {}
    for path in sorted((ROOT / "webui/translations").glob("ru_*.py")):
        merged.update(runpy.run_path(str(path))["RU"])
    return merged


def main() -> int:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(POT),
            "webui",
            "crm",
        ],
        cwd=ROOT,
        check=True,
    )
    if PO.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "update",
                "-i",
                str(POT),
                "-d",
                str(ROOT / "webui/translations"),
                "-l",
                "ru",
                "--no-fuzzy-matching",
            ],
            check=True,
        )
    else:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "init",
                "-i",
                str(POT),
                "-d",
                str(ROOT / "webui/translations"),
                "-l",
                "ru",
            ],
            check=True,
        )
    with PO.open("rb") as f:
        catalog = read_po(f)
    ru = load_ru()
    missing = []
    for msg in catalog:
        if not msg.id:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if not msg.string and key in ru:
            msg.string = ru[key]
        if not msg.string:
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=120)
    for key in missing:
        print(f"untranslated: {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
