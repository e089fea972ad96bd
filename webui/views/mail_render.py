"""How a letter's body is shown: never raw. The HTML is cleaned with nh3 (no scripts, handlers, forms, frames
or unsafe URLs; only harmless CSS properties), inline ``cid:`` images point at the letter's own files, and the
result goes into a sandboxed iframe ``srcdoc`` whose Content-Security-Policy blocks remote images (and
anything else remote) until the reader asks for them. A plain-text letter is escaped and its links made
clickable.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import nh3

LETTER_TAGS = {
    "a", "abbr", "address", "b", "big", "blockquote", "br", "caption", "center", "cite", "code", "col",
    "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
}  # fmt: skip
_COMMON = {"style", "align", "dir", "title", "lang"}
LETTER_ATTRIBUTES = {
    "*": _COMMON,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "font": {"color", "face", "size"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "td": {"colspan", "rowspan", "width", "height", "valign", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "width", "height", "valign", "bgcolor", "scope"},
    "tr": {"valign", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "blockquote": {"cite"},
}
# No url() can appear in these: remote content can only come through ``src``/``href``, which the CSP rules.
STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "text-indent", "text-transform", "line-height", "letter-spacing",
    "white-space", "vertical-align", "width", "max-width", "min-width", "height", "max-height",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding", "padding-top",
    "padding-right", "padding-bottom", "padding-left", "border", "border-top", "border-right",
    "border-bottom", "border-left", "border-color", "border-style", "border-width", "border-collapse",
    "border-spacing", "border-radius", "list-style-type", "display",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_URL_RE = re.compile(r"(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])")
_REMOTE_RE = re.compile(r"^(https?:)?//", re.IGNORECASE)


@dataclass(frozen=True)
class RenderedBody:
    """The cleaned HTML fragment and how many remote images it references (blocked unless allowed)."""

    html: str
    remote_images: int


def clean_letter_html(raw: str, *, inline_url: Callable[[str], str | None] | None = None) -> RenderedBody:
    """The safe HTML of a letter body. ``inline_url(content_id)`` gives the download path of an inline image
    (``cid:`` references without one are dropped)."""
    remote = 0

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        nonlocal remote
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return inline_url(value[4:].strip("<>")) if inline_url else None
            if _REMOTE_RE.match(value):
                remote += 1
        return value

    cleaned = nh3.clean(
        raw or "",
        tags=LETTER_TAGS,
        clean_content_tags={"script", "style", "title", "head", "template", "noscript", "textarea", "select"},
        attributes=LETTER_ATTRIBUTES,
        attribute_filter=attribute_filter,
        filter_style_properties=STYLE_PROPERTIES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )
    return RenderedBody(cleaned, remote)


def text_as_html(text: str) -> str:
    """A plain-text body as HTML: escaped, line breaks kept, web addresses clickable."""
    escaped = html.escape(text or "")
    linked = _URL_RE.sub(r'<a href="\1" target="_blank" rel="noopener noreferrer nofollow">\1</a>', escaped)
    return f'<div style="white-space: pre-wrap; font-family: inherit">{linked}</div>'


def letter_document(
    fragment: str, *, allow_remote_images: bool, font_family: str = "", font_size: str = ""
) -> str:
    """A whole HTML document for the reading pane's ``<iframe sandbox srcdoc>``: the CSP lets in only this
    site's images (inline attachments) and ``data:`` ones — remote images too when the reader allowed them —
    and nothing executable at all."""
    images = "'self' data: http: https:" if allow_remote_images else "'self' data:"
    policy = f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; font-src data:"
    font = ""
    if font_family or font_size:
        font = f"body{{font-family:{html.escape(font_family)};font-size:{html.escape(font_size)}}}"
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="referrer" content="no-referrer">'
        "<style>body{margin:.75rem;font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;"
        "font-size:14px;color:#212529;overflow-wrap:anywhere}img{max-width:100%;height:auto}"
        "blockquote{margin:0 0 0 .5rem;padding-left:.75rem;border-left:3px solid #ced4da;color:#495057}"
        f"table{{max-width:100%}}{font}</style></head><body>{fragment}</body></html>"
    )
