"""Step instructions: Markdown rendered to HTML, then sanitized (route maps are written by designers, shown to
everyone, so their text is never trusted as HTML)."""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3",
                "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"}  # fmt: skip


def markdown_html(text: str | None) -> Markup:
    """Safe HTML of Markdown ``text`` (scripts, handlers and unknown tags removed; links get rel=noopener)."""
    if not text:
        return Markup("")
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    cleaned = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer"
    )
    return Markup(cleaned)  # sanitized by nh3 just above
