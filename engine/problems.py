"""What validation reports: one ``Problem`` per defect, tied to the BPMN element (or file line) it is about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One defect in a route map.

    ``code`` is stable and machine-readable (``unknown-operation``, ``unreachable``...); ``element_id`` is the
    BPMN element the editor should highlight ("" when the problem is about the file as a whole); ``file`` is
    the file the problem was found in (the BPMN file, a DMN or form name) when known; ``line``/``column``
    locate XML syntax and schema errors.
    """

    code: str
    message: str
    element_id: str = ""
    element_name: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None

    def summary(self) -> str:
        """``element id (name): message`` — the part of a report line after the file."""
        where = self.element_id or (f"line {self.line}" if self.line else "")
        if self.element_id and self.line:
            where += f" (line {self.line})"
        if self.element_name:
            where += f" ({self.element_name})"
        return f"{where}: {self.message}" if where else self.message

    def with_file(self, file: str) -> Problem:
        """The same problem, attributed to ``file`` unless it already names one (a DMN or form file)."""
        return self if self.file else replace(self, file=file)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the editor's validation panel and the API."""
        return asdict(self)


def format_problems(problems: Iterable[Problem]) -> str:
    """One line per problem for the CLI: ``file: element id (name): message [code]``."""
    lines = [f"{p.file or '-'}: {p.summary()} [{p.code}]" for p in problems]
    return "\n".join(lines)
