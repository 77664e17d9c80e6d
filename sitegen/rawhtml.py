"""The raw HTML a guide may hold, checked on the parsed HTML of its rendering.

Markdown lets writers put HTML in a page, and attr_list lets them add attributes to what markdown
writes. Both are checked here after the HTML is parsed and its character references decoded
(so '&#106;avascript:' is seen as 'javascript:'), against an allowlist: the elements and
attributes Python-Markdown and its extensions write, and a few harmless ones for writers
(details, summary, kbd, abbr, sup...). Every URL must be relative, http(s) or mailto.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

from .problems import clip

ELEMENTS = frozenset({
    # what Python-Markdown and the extensions in markup.EXTENSIONS write
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "em", "strong", "code", "pre",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td",
    "div", "sup", "abbr",
    # harmless extras a writer may type
    "details", "summary", "kbd", "samp", "var", "sub", "mark", "small", "b", "i", "u", "s", "del",
    "ins", "q", "cite", "dfn", "time", "span", "figure", "figcaption", "caption", "tfoot", "wbr",
    "section",  # the data directives' plan examples
})
GLOBAL_ATTRIBUTES = frozenset({"id", "class", "title", "lang", "dir"})
ELEMENT_ATTRIBUTES = {
    "a": frozenset({"href", "rel", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height", "loading", "decoding"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "table": frozenset({"tabindex"}),  # added by the build so a wide table scrolls by keyboard
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "td": frozenset({"colspan", "rowspan"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "time": frozenset({"datetime"}),
    "details": frozenset({"open"}),
}
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# aria-* describe an element to assistive technology; data-* carry values for the site's own
# scripts (the data directives' markets and plans), which read them as text, never as code.
ARIA_OR_DATA = re.compile(r"(?:aria|data)-[a-z0-9-]+")
# Except the two search attributes whose effect is not the page's own: a body marker drops every
# unmarked page from the index, and sort orders are built over all pages (the index is built in
# shards and merged: sitegen/searchmerge.py).
SITE_WIDE_SEARCH = frozenset({"data-pagefind-body", "data-pagefind-sort"})
SITE_WIDE_REASON = "it would change how every other page is in the search index"
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
CSP_REASON = "the site's Content-Security-Policy blocks inline scripts and styles"
ALLOWLIST_HINT = "see 'Raw HTML' in CONTRIBUTING.md for what a page may hold"


class Refusal(Exception):
    """The first raw HTML a page may not hold: a one-line reason, and text to find its line by."""

    def __init__(self, reason: str, needles: tuple[str, ...]):
        super().__init__(reason)
        self.reason = reason
        self.needles = needles


def first_refusal(html: str) -> tuple[str, tuple[str, ...]] | None:
    """(reason, needles) for the first element, attribute or URL outside the allowlist, or None."""
    if plainly_allowed(html):
        return None
    checker = Checker()
    try:
        checker.feed(html)
        checker.close()
    except Refusal as refusal:
        return refusal.reason, refusal.needles
    return None


# A tag as Python-Markdown writes it: a lowercase name, lowercase attributes each with a
# double-quoted value holding no character reference and no angle bracket.
PLAIN_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="[^"&<>]*")*)\s*/?>')
PLAIN_ATTRIBUTE = re.compile(r'([a-z][a-z0-9-]*)="([^"]*)"')


def plainly_allowed(html: str) -> bool:
    """True when every '<' of html opens a plain tag (PLAIN_TAG) of the allowlist whose attributes
    and URLs are allowed too: then the parser would find nothing to refuse, and need not run.
    Anything else (comments, declarations, references or quotes of another kind in a tag, an
    element or attribute outside the allowlist) is left to the parser, which names the problem."""
    tags = PLAIN_TAG.findall(html)
    # A page repeats a few tags (<p>, </li>...) many times: each distinct one is judged once.
    return len(tags) == html.count("<") and all(map(plain_tag_allowed, set(tags)))


@functools.lru_cache(maxsize=4096)  # tags recur across pages too; links and ids mostly do not
def plain_tag_allowed(tag: tuple[str, str, str]) -> bool:
    closing, name, attributes = tag
    if name not in ELEMENTS:
        return False
    if attributes and closing:
        return False
    for attribute, value in PLAIN_ATTRIBUTE.findall(attributes):
        if attribute == "style" or attribute.startswith("on") or not allowed_attribute(name, attribute):
            return False
        if attribute in URL_ATTRIBUTES and value and url_refusal(value):
            return False
    return True


def url_refusal(value: str) -> str | None:
    """Why a URL attribute's (decoded) value may not be published, or None."""
    # Browsers drop tabs and newlines anywhere in a URL and spaces or control characters
    # around it before reading its scheme: 'java\tscript:' is javascript:.
    url = re.sub(r"[\t\n\r]", "", value).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
                                                "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    scheme = SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in URL_SCHEMES:
        return f"a link may be relative, http(s) or mailto, not {scheme.group(1).lower()}:"
    return None


def allowed_attribute(tag: str, name: str) -> bool:
    return (name in GLOBAL_ATTRIBUTES or name in ELEMENT_ATTRIBUTES.get(tag, ())
            or (bool(ARIA_OR_DATA.fullmatch(name)) and name not in SITE_WIDE_SEARCH))


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        raw_tag = self.get_starttag_text() or f"<{tag}"
        if tag not in ELEMENTS:
            why = CSP_REASON if tag in ("script", "style") else f"<{tag}> is not an element a page may hold; {ALLOWLIST_HINT}"
            raise Refusal(f"raw HTML '<{clip(tag, 30)}' is not allowed: {why}", (raw_tag, f"<{tag}"))
        for name, value in attrs:
            raw_value = raw_attribute(raw_tag, name)
            if name == "style" or name.startswith("on"):
                raise Refusal(f"raw HTML '{clip(name, 30)}=' is not allowed: {CSP_REASON}", (raw_tag, f"{name}="))
            if name in SITE_WIDE_SEARCH:
                raise Refusal(f"raw HTML '{name}=' is not allowed: {SITE_WIDE_REASON}", (raw_tag, f"{name}"))
            if not allowed_attribute(tag, name):
                raise Refusal(f"raw HTML '{clip(name, 30)}=' is not allowed on <{tag}>: {ALLOWLIST_HINT}", (raw_tag, f"{name}="))
            if name in URL_ATTRIBUTES and value:
                why = url_refusal(value)
                if why:
                    raise Refusal(f"link '{clip(value)}' is not allowed: {why}", tuple(filter(None, (raw_value, value, raw_tag))))

    handle_startendtag = handle_starttag

    def handle_decl(self, decl: str) -> None:
        raise Refusal(f"raw HTML '<!{clip(decl, 30)}>' is not allowed: a page holds no declarations", (f"<!{decl}",))


def raw_attribute(raw_tag: str, name: str) -> str:
    """An attribute's value as written in the tag, before its references are decoded."""
    found = re.search(rf"[\s/]{re.escape(name)}\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", raw_tag, re.IGNORECASE)
    return next((group for group in found.groups() if group is not None), "") if found else ""
