"""Sanitizing rich-text notes: keep formatting, links, images and tables; drop everything executable."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "del", "div", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol", "p", "pre", "s",
    "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "target"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
}
# No javascript:, data: or vbscript: URLs; cid: keeps inline images of letters pasted into a note.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_BLOCK_TAG_RE = re.compile(r"</?(p|div|br|li|tr|td|th|table|h[1-6]|blockquote|pre|hr|ul|ol)\b", re.IGNORECASE)


def sanitize_note_html(raw: str) -> str:
    """The safe HTML of a note: script/style removed with their content, event handlers and unsafe URLs gone."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(raw: str) -> str:
    """Plain text of an HTML fragment (for Feed excerpts and search)."""
    spaced = _BLOCK_TAG_RE.sub(r" \g<0>", raw)  # block boundaries separate words; inline tags do not
    text = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    return " ".join(html.unescape(text).split())
