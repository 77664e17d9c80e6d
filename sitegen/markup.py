"""Markdown to HTML with Python-Markdown: one reused converter per process, results cached by hash.

The rendered HTML still holds the writer's link targets (other.md#anchor); links.py rewrites
them afterwards, so a cached rendering stays valid when other pages move.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import markdown

from . import inline, rawhtml
from .rawhtml import first_refusal

EXTENSIONS = ["tables", "fenced_code", "footnotes", "attr_list", "def_list", "abbr", "md_in_html", "sane_lists", "toc"]
# The templates draw the table of contents from toc_tokens, so toc does not look for a "[TOC]"
# marker (a walk over the whole document).
EXTENSION_CONFIGS = {"toc": {"toc_depth": "2-3", "marker": ""}, "footnotes": {"BACKLINK_TITLE": "Back to reference %d"}}
# Extensions that cannot change a text holding none of these: a text is converted without the
# ones it has no use for, since each costs a pass over every document (together about a fifth
# of a guide's conversion). Each trigger is a superset of what the extension's own expressions
# look for. A definition's colon starts a line once block markup is stripped, so a colon with
# only indentation, '>' and list markers before it counts, and so does any footnote or raw HTML,
# whose text the block parser reads again on its own. Fenced code keeps attr_list, whose
# presence changes how a fence reads its attributes. tests/test_build_markdown.py checks the
# output is the one every extension gives.
DEFINITION_LINE = re.compile(r"\n[ \t>*+\-0-9.)]*:")  # searched in the text after a newline
UNUSED_WITHOUT: dict[str, tuple] = {  # substrings (found with `in`, far cheaper than a search), or patterns
    "abbr": ("*[",),
    "footnotes": ("[^",),
    "def_list": ("[^", "<", DEFINITION_LINE),
    "fenced_code": ("```", "~~~"),
    "attr_list": ("{", "```", "~~~"),
    "md_in_html": ("<",),
}
# Cached renderings are reused only by the same Python-Markdown and these same modules.
RENDER_VERSION = markdown.__version__ + ":" + hashlib.sha256(Path(__file__).read_bytes() + Path(inline.__file__).read_bytes() + Path(rawhtml.__file__).read_bytes()).hexdigest()
WORDS_PER_MINUTE = 220
ID_ATTRIBUTE = re.compile(r'id="([^"]*)"')  # an attribute when white space comes before it (element_ids)
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"\w+")
# An ASCII text's words, as WORD finds them, are what is left between bytes outside [A-Za-z0-9_].
ASCII_WORD_BYTES = bytes(b if chr(b).isascii() and (chr(b).isalnum() or chr(b) == "_") else 32 for b in range(256))
TABLE = re.compile(r"<table(?=[\s>])")
ALIGN_STYLE = re.compile(r'style="text-align: (left|right|center);"')


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple  # ((id, title, ((id, title), ...)), ...) for h2 with their h3
    ids: frozenset  # every id in the HTML: heading ids, attr_list ids, footnotes
    words: int
    unsafe: tuple  # (reason, text to find its line by) for the first raw HTML refused (rawhtml.py), or ()

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.words / WORDS_PER_MINUTE))


def cache_key(markdown_text: str) -> str:
    return hashlib.sha256((RENDER_VERSION + "\0" + markdown_text).encode()).hexdigest()


def extensions_for(markdown_text: str) -> tuple[str, ...]:
    """The extensions that could change this text's HTML, in EXTENSIONS' order."""
    # Looked for in the text as Python-Markdown first normalizes it: STX and ETX deleted (either
    # can split a trigger: "*\x02[") and every line ending made "\n" (a lone "\r" ends a line).
    text = markdown_text.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n")

    def found(trigger) -> bool:
        return trigger in text if isinstance(trigger, str) else bool(trigger.search("\n" + text))

    return tuple(name for name in EXTENSIONS if name not in UNUSED_WITHOUT or any(map(found, UNUSED_WITHOUT[name])))


@functools.cache  # one converter per set of extensions, reused for every text that needs it
def converter(extensions: tuple[str, ...] = tuple(EXTENSIONS)) -> markdown.Markdown:
    # Built from each extension's module rather than by name: a name is first looked up among
    # the installed packages' entry points, a scan of their metadata (about 20 ms a process).
    made = [importlib.import_module(f"markdown.extensions.{name}").makeExtension(**EXTENSION_CONFIGS.get(name, {}))
            for name in extensions]
    md = markdown.Markdown(extensions=made, output_format="html")
    inline.install(md)
    # Python-Markdown asks whether a tag is block-level some 130 times a guide, each time by
    # searching its list of 59 names. Extensions add theirs while the converter is built, so the
    # list is final here, and a set gives the same answers (6% of a guide's conversion).
    blocks = frozenset(md.block_level_elements)
    md.is_block_level = lambda tag: isinstance(tag, str) and tag.lower().rstrip("/") in blocks
    return md


def render_markdown(markdown_text: str) -> Rendered:
    md = converter(extensions_for(markdown_text))
    md.reset()
    # Table alignment comes out as style attributes, which the CSP forbids: use classes instead.
    html = ALIGN_STYLE.sub(r'class="align-\1"', md.convert(markdown_text))
    # A wide table scrolls sideways on a phone: focusable, so the keyboard can scroll it too.
    html = TABLE.sub('<table tabindex="0"', html)
    toc = tuple(
        (h2["id"], plain(h2["name"]), tuple((h3["id"], plain(h3["name"])) for h3 in h2.get("children", []) if h3["level"] == 3))
        for h2 in md.toc_tokens
        if h2["level"] == 2
    )
    return Rendered(html=html, toc=toc, ids=element_ids(html), words=word_count(TAG.sub(" ", html)),
                    unsafe=first_refusal(html) or ())


def element_ids(html: str) -> frozenset:
    """Every id="..." attribute's value. Found by its literal text, which a regular expression
    finds far faster than one starting with a class of characters, then kept when white space
    comes before it, as inside a tag."""
    return frozenset(m.group(1) for m in ID_ATTRIBUTE.finditer(html) if m.start() and html[m.start() - 1].isspace())


def word_count(text: str) -> int:
    """How many runs of word characters (WORD) the text holds: for ASCII text, counted by
    translating every other byte to a space and splitting, four times faster than the search."""
    if text.isascii():
        return len(text.encode("ascii").translate(ASCII_WORD_BYTES).split())
    return len(WORD.findall(text))


def plain(name: str) -> str:
    """TOC names may carry escaped entities from the heading; keep them as plain text."""
    import html

    return html.unescape(TAG.sub("", name))


class MarkdownCache:
    """Renderings on disk by content hash, in SHARDS pack files named by the hash's first digit.

    A pack is a run of frames, each a pickled (key, Rendered) with its sha256 (see frame). The
    build appends each new rendering to its pack as the page comes back from its worker, so a first build creates 16 files rather
    than one per page (file creation is what a cold build spends most of its system time on),
    and a later build adds one frame per changed page. A pack is read only when a page needs
    one of its renderings. It is rewritten with just the renderings the site still uses once
    the others outweigh them, or when part of it cannot be read."""

    SHARDS = 16

    def __init__(self, folder: Path):
        self.folder = folder
        self.loaded: dict[str, dict[str, Rendered]] = {}  # shard -> key -> rendering
        self.damaged: set[str] = set()  # shards with a frame that could not be read
        self.appending: dict = {}  # shard -> open file
        self.added: set[str] = set()

    def pack(self, shard: str) -> Path:
        return self.folder / f"{shard}.pack"

    def shard(self, key: str) -> dict[str, Rendered]:
        shard = key[0]
        if shard not in self.loaded:
            self.loaded[shard], whole = read_pack(self.pack(shard))
            if not whole:
                self.damaged.add(shard)
        return self.loaded[shard]

    def get(self, key: str) -> Rendered | None:
        return self.shard(key).get(key)

    def has(self, key: str) -> bool:
        return key in self.shard(key)

    def put(self, key: str, rendered: Rendered) -> None:
        from .output import ensure_folder

        if key in self.added:  # two pages with the same markdown
            return
        self.added.add(key)
        shard = key[0]
        if shard in self.damaged:  # its pack is rewritten from memory: what is on disk cannot all be read
            self.loaded[shard][key] = rendered
        fh = self.appending.get(shard)
        if fh is None:
            ensure_folder(self.folder)
            # Unbuffered: each frame goes out in one write, so two builds appending to the same
            # pack (serve and a build) cannot interleave parts of their frames.
            fh = self.appending[shard] = open(self.pack(shard), "ab", buffering=0)
        fh.write(frame(key, rendered))

    def close(self, used: set[str]) -> None:
        """Finish this build's appends; rewrite the packs it read that are mostly stale or damaged."""
        from .output import atomic_write

        for fh in self.appending.values():
            fh.close()
        self.appending = {}
        for shard, entries in self.loaded.items():
            keys = set(entries).union(key for key in self.added if key[0] == shard)
            stale = len(keys) - len(used.intersection(keys))
            if shard in self.damaged or (stale and stale * 2 >= len(keys)):
                if shard not in self.damaged:  # this build's renderings were appended, not kept: read them back
                    entries, _ = read_pack(self.pack(shard))
                live = b"".join(frame(k, v) for k, v in entries.items() if k in used)
                atomic_write(self.pack(shard), live)


# A frame: the payload's length (4 bytes, big-endian), its sha256 (32 bytes), then the pickled
# (key, Rendered). The hash is recorded when the frame is written and checked before it is used.
FRAME_HEAD = 36


def frame(key: str, rendered: Rendered) -> bytes:
    import pickle

    payload = pickle.dumps((key, rendered), protocol=pickle.HIGHEST_PROTOCOL)
    return len(payload).to_bytes(4, "big") + hashlib.sha256(payload).digest() + payload


def read_pack(path: Path) -> tuple[dict[str, Rendered], bool]:
    """The renderings in one pack, and whether all of it could be read. A frame that fails its
    hash (a build stopped in the middle of a write, a damaged disk) ends what can be read."""
    import pickle

    entries: dict[str, Rendered] = {}
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return entries, True
    except OSError:
        return entries, False
    at = 0
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        payload = data[at + FRAME_HEAD : at + FRAME_HEAD + length]
        if len(payload) != length or hashlib.sha256(payload).digest() != data[at + 4 : at + FRAME_HEAD]:
            return entries, False
        try:
            key, value = pickle.loads(payload)
        except Exception:
            return entries, False
        if isinstance(key, str) and isinstance(value, Rendered):
            entries[key] = value
        at += FRAME_HEAD + length
    return entries, True
