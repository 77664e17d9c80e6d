"""Markdown to HTML with Python-Markdown: one reused converter per process, results cached by hash.

The rendered HTML still holds the writer's link targets (other.md#anchor); links.py rewrites
them afterwards, so a cached rendering stays valid when other pages move.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import markdown

from . import inline

EXTENSIONS = ["tables", "fenced_code", "footnotes", "attr_list", "def_list", "abbr", "md_in_html", "sane_lists", "toc"]
EXTENSION_CONFIGS = {"toc": {"toc_depth": "2-3"}, "footnotes": {"BACKLINK_TITLE": "Back to reference %d"}}
# Cached renderings are reused only by the same Python-Markdown and this same module.
RENDER_VERSION = markdown.__version__ + ":" + hashlib.sha256(Path(__file__).read_bytes() + Path(inline.__file__).read_bytes()).hexdigest()
WORDS_PER_MINUTE = 220
ID_ATTRIBUTE = re.compile(r'\sid="([^"]*)"')
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"\w+")
# Inline scripts, style attributes and event handlers: the site's CSP would block them.
# Only real tags are looked at: code samples are escaped (&lt;) and never match.
RAW_UNSAFE = re.compile(r"<script\b|<[a-z][^<>]*?\s(?:style|on[a-z]+)\s*=|<a\s[^<>]*?href=\"\s*javascript:", re.IGNORECASE)
ALIGN_STYLE = re.compile(r'style="text-align: (left|right|center);"')

_converter: markdown.Markdown | None = None


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple  # ((id, title, ((id, title), ...)), ...) for h2 with their h3
    ids: frozenset  # every id in the HTML: heading ids, attr_list ids, footnotes
    words: int
    unsafe: str  # the first raw HTML the CSP would block ('<script', ' style='...), or ''

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / WORDS_PER_MINUTE))


def cache_key(markdown_text: str) -> str:
    return hashlib.sha256((RENDER_VERSION + "\0" + markdown_text).encode()).hexdigest()


def converter() -> markdown.Markdown:
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html")
        inline.install(_converter)
    return _converter


def render_markdown(markdown_text: str) -> Rendered:
    md = converter()
    md.reset()
    # Table alignment comes out as style attributes, which the CSP forbids: use classes instead.
    html = ALIGN_STYLE.sub(r'class="align-\1"', md.convert(markdown_text))
    toc = tuple(
        (h2["id"], plain(h2["name"]), tuple((h3["id"], plain(h3["name"])) for h3 in h2.get("children", []) if h3["level"] == 3))
        for h2 in md.toc_tokens
        if h2["level"] == 2
    )
    text = TAG.sub(" ", html)
    unsafe = RAW_UNSAFE.search(html)
    return Rendered(html=html, toc=toc, ids=frozenset(ID_ATTRIBUTE.findall(html)), words=len(WORD.findall(text)),
                    unsafe=unsafe_part(unsafe.group(0)) if unsafe else "")


def unsafe_part(tag: str) -> str:
    """The offending bit of a tag, as the writer would search for it: '<script', 'style=', 'onclick='."""
    if tag.lower().startswith("<script"):
        return "<script"
    found = re.search(r"(style|on[a-z]+)\s*=|javascript:", tag, re.IGNORECASE)
    return found.group(0).replace(" ", "") if found else tag


def plain(name: str) -> str:
    """TOC names may carry escaped entities from the heading; keep them as plain text."""
    import html

    return html.unescape(TAG.sub("", name))


class MarkdownCache:
    """Renderings on disk, one file per content hash, so a build loads only what it needs and
    worker processes can store their own results."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Rendered | None:
        import pickle

        try:
            with open(self.path(key), "rb") as fh:
                value = pickle.load(fh)
            return value if isinstance(value, Rendered) else None
        except Exception:
            return None

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, rendered: Rendered) -> None:
        import pickle

        from .output import atomic_write

        atomic_write(self.path(key), pickle.dumps(rendered, protocol=pickle.HIGHEST_PROTOCOL))

    def prune(self, used: set[str]) -> None:
        """Drop renderings this build did not use, so the cache never outgrows the site."""
        if not self.folder.is_dir():
            return
        for shard in self.folder.iterdir():
            for entry in shard.iterdir() if shard.is_dir() else ():
                if entry.name.endswith(".pickle") and entry.name[: -len(".pickle")] not in used:
                    entry.unlink(missing_ok=True)
