"""Internal links: rewrite the writer's `other.md#anchor` and `/quiz/` links to URLs under the
base path, and check that every target page and anchor exists.

A writer links to files, as their editor understands them; readers get pretty URLs.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from .problems import clip

HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class LinkRef:
    """One internal link as written, and what it points at."""

    raw: str  # the href as the writer wrote it
    target: str | None  # content file (rel path) whose anchors to check, or None
    anchor: str  # fragment to check in target ('' for none)
    problem: str | None = None  # set when the link cannot resolve at all


@dataclass(frozen=True)
class LinkTable:
    """What links can point at: content files by path, and every site path the build writes."""

    file_urls: dict  # content rel path -> site path ('guides/x/')
    drafts: frozenset  # content rel paths left out of this build
    broken: frozenset  # content rel paths whose own problems are reported already
    site_paths: frozenset  # every site path: 'guides/x/', 'quiz/', 'feed.xml'
    content_paths: dict  # site path -> content rel path (pages whose anchors can be checked)
    media: dict  # content rel path of an image or other file -> its output path
    base_path: str

    def fingerprint(self) -> str:
        """Equal for equal tables in any process (sets are sorted: their order is per process)."""
        import hashlib
        import json

        canonical = {name: sorted(value) if isinstance(value, frozenset) else value for name, value in vars(self).items()}
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def rewrite_links(body_html: str, rel: str, table: LinkTable) -> tuple[str, list[LinkRef]]:
    refs: list[LinkRef] = []

    def replace(match: re.Match) -> str:
        raw = html.unescape(match.group(2))
        url, ref = resolve(raw, rel, table)
        if ref is not None:
            refs.append(ref)
        return match.group(1) + html.escape(url, quote=True) + match.group(3)

    return HREF.sub(replace, body_html), refs


def resolve(raw: str, rel: str, table: LinkTable) -> tuple[str, LinkRef | None]:
    """The URL to publish for one href, and the reference to check (None for external links)."""
    if not raw or SCHEME.match(raw) or raw.startswith("//"):
        return raw, None
    path, _, anchor = raw.partition("#")
    if not path:
        return raw, LinkRef(raw, rel, anchor)
    path, _, query = path.partition("?")
    suffix = ("?" + query if query else "") + ("#" + anchor if anchor else "")
    if path.startswith("/"):
        site_path = unquote(path[1:])
        if site_path not in table.site_paths:
            hint = f"; did you mean /{site_path}/?" if site_path + "/" in table.site_paths else ""
            return raw, LinkRef(raw, None, "", f"link '{clip(raw)}': no page at /{clip(site_path)}{hint}")
        # The quiz's fragment holds its answers (role=...), not an anchor.
        target = table.content_paths.get(site_path)
        return table.base_path + path[1:] + suffix, LinkRef(raw, target, anchor if target else "")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(path)))
    if target.startswith("../") or target == "..":
        return raw, LinkRef(raw, None, "", f"link '{clip(raw)}': points outside the content folder")
    if not target.endswith(".md"):
        if target in table.media:
            return table.base_path + table.media[target] + suffix, None
        return raw, LinkRef(raw, None, "", f"link '{clip(raw)}': no such file {clip(target)} in the content folder; "
                                           "link to a guide's .md file, a file beside it, or a site path such as /quiz/")
    if target in table.drafts:
        return raw, LinkRef(raw, None, "", f"link '{clip(raw)}': {target} is a draft and is left out of this build (use --drafts to preview)")
    if target in table.broken:
        return raw, None  # reported at the file itself; a second line here would only repeat it
    if target not in table.file_urls:
        return raw, LinkRef(raw, None, "", f"link '{clip(raw)}': no such file {clip(target)} in the content folder")
    return table.base_path + table.file_urls[target] + suffix, LinkRef(raw, target, anchor)


def find_line(body: str, first_line: int, raw: str) -> int:
    """The file line where a link target is written (inline, reference or autolink form)."""
    lines = body.split("\n")
    for needle in (f"]({raw}", f"]: {raw}", f"<{raw}>", raw):
        for index, line in enumerate(lines):
            if needle in line:
                return first_line + index
    return first_line


def first_line(body: str, first_line: int, needles: tuple[str, ...]) -> int:
    """The file line of the first of several texts found in the body (find_line's order)."""
    return next((find_line(body, first_line, needle) for needle in needles if needle and needle in body), first_line)
