"""Reading CSV and XLSX files into a header row and data rows of strings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from crm.errors import ValidationFailed
from crm.messages import N_, Message

XLSX_MAGIC = b"PK\x03\x04"
CSV_DELIMITERS = ",;\t|"
FileInput = str | Path | bytes | IO[bytes]


def read_table(file: FileInput, file_format: str | None = None) -> tuple[list[str], list[list[str]]]:
    """``(headers, rows)`` of the first sheet of an XLSX or of a CSV (UTF-8 with or without BOM, or
    Windows-1251; the delimiter is sniffed). Empty rows are dropped; every cell becomes a trimmed string."""
    data = _bytes(file)
    fmt = file_format or ("xlsx" if data.startswith(XLSX_MAGIC) else "csv")
    rows = list(_xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data))
    rows = [r for r in rows if any(cell for cell in r)]
    if not rows:
        raise ValidationFailed({"file": N_("the file has no rows")})
    headers = [h or f"column {i + 1}" for i, h in enumerate(rows[0])]
    width = len(headers)
    return headers, [(r + [""] * width)[:width] for r in rows[1:]]


def _bytes(file: FileInput) -> bytes:
    if isinstance(file, bytes):
        return file
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    return file.read()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    for row in csv.reader(io.StringIO(text), dialect):
        yield [cell.strip() for cell in row]


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ValidationFailed(
            {"file": Message(N_("not a readable XLSX file (%(error)s)"), error=type(exc).__name__)}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # INNs and phones typed as numbers
    return str(value).strip()
