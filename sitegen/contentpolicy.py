"""What may be read from the content folder and published from it.

Only files inside the content folder are read: a symbolic link that leads outside it (to
/etc/passwd, to /proc/self/environ, to another project's guide) is refused by name before a byte
of it is read. Besides markdown, only the media a page can show or link to are published, and an
SVG that could run script when opened on its own is refused.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .fingerprint import walk
from .problems import Problem, clip, display_path

# Suffix -> what it is, for messages and CONTRIBUTING.md's list.
MEDIA_TYPES = {
    ".png": "PNG image", ".jpg": "JPEG image", ".jpeg": "JPEG image", ".gif": "GIF image",
    ".webp": "WebP image", ".avif": "AVIF image", ".svg": "SVG image", ".pdf": "PDF document",
}
# Formats a browser runs as a page or a script on any host that ignores `_headers`.
ACTIVE_TYPES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".js", ".mjs", ".cjs", ".svgz", ".xml", ".xsl", ".swf"})
# A file changed this recently may change again within its file system's timestamp step (two
# seconds on FAT, one on HFS+, a clock tick on the rest) and keep its signature: it is read by
# every build until it has been left alone that long, as git treats "racily clean" files. On a
# network file system the times are the server's, which this machine's clock may not match.
SETTLED_NS = 2_000_000_000
GUIDE_MAX_BYTES = 1_000_000  # about 150,000 words: far beyond any guide, far below a stalled build
# SVG that can act: scripts, foreign HTML, event handlers, javascript: links, entity tricks.
SVG_ACTIVE = re.compile(
    rb"<\s*(?:[a-z0-9_-]+:)?(script|foreignObject|iframe|embed|object|handler|listener)\b"
    rb"|\son[a-z]+\s*="
    rb"|<!(?:DOCTYPE|ENTITY)"
    rb"|<\?xml-stylesheet",
    re.IGNORECASE,
)
SVG_URL = re.compile(rb"(?<![\w-])(?:href|src|values|to|from)\s*=\s*[\"']?\s*([^\"'\s>]*)", re.IGNORECASE)
SAFE_SVG_URL = re.compile(rb"(?:#|https?:|[^:]*$)", re.IGNORECASE)


class SourceRecord(NamedTuple):
    """What a build keeps of a markdown file it read, for the next build to take the file as
    it was while the file's signature() is the same."""

    signature: tuple
    digest: str  # sha256 of its bytes
    fields_digest: str
    body_line: int


@dataclass(frozen=True)
class Known:
    """A markdown file read_content did not read: the last build's record of it, and where its
    body is read from if a page needs it (content.known_source)."""

    record: SourceRecord
    path: str


def read_content(content_dir: Path, known: dict | None = None,
                 settled: dict | None = None) -> tuple[dict[str, bytes | Known], list[Problem]]:
    """Every content file that may be used (pages and the media they show), by its path inside
    content_dir ('/' separators), in a stable order, read once per build, and a problem for each
    one that may not. Hidden folders and hidden files other than markdown (.DS_Store, editor
    swap files) are not content; a hidden markdown file is, so its bad name is reported.

    known: the last build's SourceRecord of each markdown file by its rel path; a file whose
    signature is unchanged is not read but given as a Known.
    settled: filled with the signature of each markdown file, read or not, that was last
    changed long enough ago to be trusted (see SETTLED_NS), for the next build's `known`."""
    started = time.time_ns()
    files, links_out = content_files(content_dir)
    display_root = display_path(content_dir)
    contents: dict[str, bytes | Known] = {}
    problems = []
    for rel, reason in links_out:
        if not hidden(rel):
            problems.append(Problem(shown(rel, display_root), 1, reason))
    for rel, path in files:
        if hidden(rel):
            continue
        reason = type_refusal(rel)
        if reason is None:
            page = suffix(rel) == ".md"
            if page and known:
                try:
                    stat = os.stat(path)
                except OSError:
                    stat = None  # reported by the open below
                kept = known.get(rel)
                if stat is not None and kept is not None and kept.signature == signature(stat):
                    contents[rel] = Known(kept, path)
                    if settled is not None:
                        settled[rel] = kept.signature
                    continue
            with open(path, "rb") as fh:
                stat = os.fstat(fh.fileno())
                reason = size_refusal(rel, stat.st_size)
                data = fh.read() if reason is None else b""
            if reason is None and rel.lower().endswith(".svg"):
                reason = svg_refusal(data)
            if page and settled is not None and max(stat.st_mtime_ns, stat.st_ctime_ns) < started - SETTLED_NS:
                settled[rel] = signature(stat)
        if reason is not None:
            problems.append(Problem(shown(rel, display_root), 1, reason))
        else:
            contents[rel] = data
    return contents, problems


def shown(rel: str, display_root: str) -> str:
    """A content file's path as messages show it: rel under display_root (problems.display_path
    of the content folder)."""
    return rel if display_root == "." else f"{display_root}/{rel}"


def signature(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes whenever a file's bytes do: the file (its device and inode), its size, its
    modification time, and its change time, which a program cannot set as `touch -d` or `cp -p`
    set the other. Not a write through a shared memory map to a page already dirty, which
    changes neither time on some file systems (as it escapes git's check too)."""
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def hidden(rel: str) -> bool:
    *folders, name = rel.split("/")
    return any(part.startswith(".") for part in folders) or (name.startswith(".") and not name.endswith(".md"))


def content_files(content_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(rel path, path) of every file under content_dir in a stable order, and (rel path, reason)
    for every symbolic link that leads outside it. Folders are walked without following links;
    a link to a file inside the folder is read as that file."""
    root = content_dir.resolve()
    files: list[tuple[str, str]] = []
    refused: list[tuple[str, str]] = []
    for rel, entry in walk(content_dir):
        if entry.is_symlink():
            try:
                target = Path(entry.path).resolve()
            except (OSError, RuntimeError):  # a loop of links
                refused.append((rel, "a symbolic link that leads nowhere (a loop); replace it with the file itself"))
                continue
            if not target.is_relative_to(root):
                refused.append((rel, f"a symbolic link to {clip(str(target))}, outside the content folder; "
                                     "copy the file into the content folder instead"))
            elif target.is_file():
                files.append((rel, entry.path))
        elif entry.is_file():
            files.append((rel, entry.path))
    return sorted(files), sorted(refused)


def suffix(rel: str) -> str:
    """A content file's suffix as Path.suffix reads it ('' for a name like '.md'), without
    making a Path of each of a site's thousands of files."""
    name = rel.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def type_refusal(rel: str) -> str | None:
    """Why a content file may not be used, judged by its name, or None."""
    kind = suffix(rel).lower()
    if kind == ".md":
        return None
    if kind in ACTIVE_TYPES:
        return f"'{kind}' files run as pages or scripts in a browser and are never published from the content folder"
    if kind not in MEDIA_TYPES:
        shown = kind or "(no suffix)"
        return f"file type '{clip(shown, 20)}' is not published; the content folder holds markdown and {media_list()}"
    return None


def size_refusal(rel: str, size: int) -> str | None:
    if rel.endswith(".md") and size > GUIDE_MAX_BYTES:
        return f"{size:,} bytes; a page may be at most {GUIDE_MAX_BYTES:,} bytes (split it into several guides)"
    return None


def media_list() -> str:
    return ", ".join(sorted(MEDIA_TYPES))


def svg_refusal(data: bytes) -> str | None:
    """Why an SVG could act when opened on its own (script, event handlers, foreignObject,
    javascript: or data: links, entity declarations), or None for a plain drawing."""
    found = SVG_ACTIVE.search(data)
    if found:
        what = found.group(0).decode("utf-8", "replace").strip().lstrip("<").strip()
        return f"SVG with '{clip(what, 40)}' is refused: an SVG may hold no script, event handlers, foreignObject or entity declarations"
    for match in SVG_URL.finditer(decoded_references(data)):
        url = re.sub(rb"[\x00-\x20]", b"", match.group(1))
        if not SAFE_SVG_URL.match(url):
            return f"SVG link '{clip(url.decode('utf-8', 'replace'), 60)}' is refused: an SVG may link only to http(s) URLs, fragments or relative paths"
    return None


def decoded_references(data: bytes) -> bytes:
    """SVG text with character references decoded, so '&#106;avascript:' reads as what it is."""
    import html

    if b"&" not in data:
        return data
    return html.unescape(data.decode("utf-8", "replace")).encode()
