"""Reading content files: UTF-8 text, YAML frontmatter with line numbers, validated fields.

Each markdown file becomes a Source (its text, fields and where each field sits in the file);
every problem found is returned, never raised, so one run reports all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .contentpolicy import shown
from .problems import Problem, clip, quoted

if TYPE_CHECKING:
    import yaml

    from .contentpolicy import Known

# python-frontmatter's YAML boundary, a line of three or more hyphens (the tests hold the two
# equal). It is written here because importing python-frontmatter imports YAML, some 20 ms that
# a build whose files' frontmatter was all parsed before need not spend.
FM_BOUNDARY = re.compile(r"^-{3,}\s*$", re.MULTILINE)

REQUIRED = ("title", "description", "date")
OPTIONAL = ("updated", "slug", "role", "kind", "tags", "draft", "related")
ALLOWED = REQUIRED + OPTIONAL
DESCRIPTION_MAX = 160
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# C0 and C1 controls but the newline (reported as "must be one line"), lone surrogates, and the
# two non-characters XML 1.0 excludes.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# In a page's text the same, but for the white space HTML knows (tab, line feed, form feed and
# carriage return): anything else is a parse error in HTML and would reach the page unchanged.
TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
ASCII_TEXT = bytes(range(0x20, 0x7F)) + b"\t\n\x0c\r"  # the ASCII characters TEXT_CONTROL lets through
SLUG_HINT = "lowercase letters, digits and single hyphens, e.g. best-skills-for-data-analysts"


@dataclass
class Source:
    """One markdown file: where it is, its validated fields, and its markdown body."""

    rel: str  # path inside the content folder, with '/' separators
    display: str  # path as shown in messages
    meta: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)  # field name (or "related[2]") -> line in the file
    # What `body` gives; None for a file not read yet (known_source), whose body is read the
    # first time a page needs it: most builds need none of the unchanged files' bodies.
    body_text: str | None = ""
    body_line: int = 1  # file line of the body's first line
    digest: str = ""  # content hash of the raw bytes
    fields_digest: str = ""  # hash of its frontmatter and the line it starts on: what its fields are read from
    path: str = ""  # the file, for a body not read yet

    @property
    def body(self) -> str:
        if self.body_text is None:
            read_body(self)
        return self.body_text

    @body.setter
    def body(self, text: str) -> None:
        self.body_text = text

    def line_of(self, key: str) -> int:
        """The file line of a field, of a list item ("related[2]"), else of its list, else 1."""
        return self.lines.get(key) or self.lines.get(key.split("[")[0], 1)


class ContentChanged(Exception):
    """A file not read at first no longer holds the bytes the build took it to hold: the
    page being made from it is not made, nor its rendering cached under the old bytes' key."""

    def __init__(self, source: Source):
        super().__init__(source.display)
        self.problem = Problem(source.display, 1, "changed while the build was reading the content; build again")


def known_source(rel: str, known: Known, display_root: str, parsed: dict) -> Source | None:
    """The Source of a file not read again: its fields from the parse cache, its body read only
    if asked for. None when the parse cache lacks its fields: the file is then read."""
    record = known.record
    earlier = parsed.get(record.fields_digest)
    if not (isinstance(earlier, tuple) and len(earlier) == 2):
        return None
    meta, lines = earlier
    display = shown(rel, display_root)
    return Source(rel=rel, display=display, meta=dict(meta), lines=lines, body_text=None, body_line=record.body_line,
                  digest=record.digest, fields_digest=record.fields_digest, path=known.path)


def read_body(source: Source) -> None:
    """Read the body of a file not read yet (known_source). Its bytes were clean text with this
    digest when their signature was taken; ContentChanged when they are no longer those."""
    import hashlib

    try:
        with open(source.path, "rb") as fh:
            raw = fh.read()
    except OSError:
        raise ContentChanged(source) from None
    if hashlib.sha256(raw).hexdigest() != source.digest:
        raise ContentChanged(source)
    text, _ = decoded(source, raw)
    split_frontmatter(source, text)


def read_source(rel: str, raw: bytes, display_root: str, parsed: dict, digest: str = "") -> tuple[Source, list[Problem]]:
    """Decode and split one file; field types are checked by validate_fields.

    `parsed` maps the hash of a file's frontmatter (Source.fields_digest) to the fields read from
    it and their lines, so frontmatter seen before is not parsed again: a file whose body alone
    changed is read without YAML. Frontmatter with problems is never kept there, and the text is
    checked on every read. digest: the sha256 of raw, when already made."""
    import hashlib

    display = shown(rel, display_root)
    source = Source(rel=rel, display=display)
    source.digest = digest or hashlib.sha256(raw).hexdigest()
    text, problems = decoded(source, raw)
    if text is None:
        return source, problems
    frontmatter, problems = split_frontmatter(source, text)
    if frontmatter is None:
        return source, problems
    yaml_text, yaml_line = frontmatter
    source.fields_digest = hashlib.sha256(f"{reader_version()}\0{yaml_line}\0{yaml_text}".encode()).hexdigest()
    earlier = parsed.get(source.fields_digest)
    if isinstance(earlier, tuple) and len(earlier) == 2:  # an older release's entries are keyed otherwise
        meta, source.lines = earlier
        source.meta = dict(meta)
    else:
        problems = load_fields(source, yaml_text, yaml_line)
        if not problems:
            parsed[source.fields_digest] = (dict(source.meta), source.lines)
    return source, problems + text_problems(source)


@functools.cache
def reader_version() -> str:
    """What reads frontmatter: this module's source and the YAML library's release. Fields kept
    by another of either are read again, not taken from the parse cache."""
    import hashlib
    from pathlib import Path

    from .fingerprint import installed_version

    return hashlib.sha256(Path(__file__).read_bytes() + installed_version("PyYAML", "yaml").encode()).hexdigest()[:16]


def normalized(text: str) -> str:
    # Looked for first: replace() copies the whole text even when it has nothing to replace.
    return text.replace("\r\n", "\n") if "\r" in text else text


def decoded(source: Source, raw: bytes) -> tuple[str | None, list[Problem]]:
    """The file's text with its line ends normalized, or None and why it is not text."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        byte = raw[err.start : err.start + 1].hex()
        return None, [Problem(source.display, line, f"not UTF-8 text (byte 0x{byte} at offset {err.start}); save the file as UTF-8")]
    if not text.strip():
        return None, [Problem(source.display, 1, "empty file: a page needs frontmatter (--- title, description, date ---) and a body")]
    return normalized(text), []


def split_frontmatter(source: Source, text: str) -> tuple[tuple[str, int] | None, list[Problem]]:
    """Set the source's body; its frontmatter's YAML and the file line of that YAML's line 0,
    or None and why the file has no frontmatter."""
    boundaries = list(itertools.islice(FM_BOUNDARY.finditer(text), 2))
    if not boundaries or boundaries[0].start() != 0:
        return None, [Problem(source.display, 1, "no frontmatter: the file must start with a '---' line, then title, description and date, then '---'")]
    if len(boundaries) < 2:
        return None, [Problem(source.display, 1, "frontmatter is not closed: add a '---' line after the last field")]
    start, end = boundaries[0], boundaries[1]
    source.body = text[end.end() :]
    source.body_line = text.count("\n", 0, end.end()) + 1
    return (text[start.end() : end.start()], text.count("\n", 0, start.end()) + 1), []


def text_problems(source: Source) -> list[Problem]:
    """The first control character in the text below the frontmatter, with its file line."""
    body = source.body
    # ASCII text (most files) is checked by deleting every character it may hold: some seven
    # times quicker than the search, which then only places a character found.
    if body.isascii() and not body.encode("ascii").translate(None, ASCII_TEXT):
        return []
    found = TEXT_CONTROL.search(body)
    if not found:
        return []
    line = source.body_line + source.body.count("\n", 0, found.start())
    return [Problem(source.display, line, f"control character U+{ord(found.group(0)):04X} in the text is not allowed; remove it (tabs and line breaks are fine)")]


def load_fields(source: Source, yaml_text: str, yaml_line: int) -> list[Problem]:
    """Parse the YAML keeping each key's line, so messages point at the offending line."""
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(yaml_text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = yaml_line + (mark.line if mark else 0)
        reason = err.problem or err.context or "cannot be parsed"
        return [Problem(source.display, line, f"invalid YAML frontmatter: {reason}")]
    except yaml.YAMLError as err:
        return [Problem(source.display, yaml_line, f"invalid YAML frontmatter: {str(err).splitlines()[0]}")]
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode):
        return [Problem(source.display, yaml_line + node.start_mark.line, "frontmatter must be 'key: value' lines")]
    problems, data = [], {}
    # A loader's parser keeps its own bound methods, a cycle the collector has to find: 39
    # objects a file, whose collections took a quarter of reading 10,000 files' frontmatter.
    constructor = yaml.SafeLoader("")
    seen: set[int] = set()
    try:
        for key_node, value_node in node.value:
            key = clip(str(key_node.value), 40)
            line = yaml_line + key_node.start_mark.line
            if key in data:
                problems.append(Problem(source.display, line, f"duplicate key '{key}': give each field once"))
            source.lines[key] = line
            if isinstance(value_node, yaml.SequenceNode):
                for index, item in enumerate(value_node.value):
                    source.lines[f"{key}[{index}]"] = yaml_line + item.start_mark.line
            if repeats_a_node(key_node, seen) or repeats_a_node(value_node, seen):
                # An alias (*name) reuses a node: a few lines of them can stand for billions of values.
                problems.append(Problem(source.display, line, f"{key}: YAML aliases (*name) and merge keys are not allowed; write the value out"))
                data[key] = None
                continue
            try:
                data[key] = constructor.construct_object(value_node, deep=True)
            except yaml.constructor.ConstructorError as err:
                if err.problem and "constructor for the tag" in err.problem:
                    problems.append(Problem(source.display, line, f"{key}: YAML tag {quoted(value_node.tag, 60)} is not allowed; write plain text"))
                    data[key] = None
                    continue
                data[key] = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
            except (ValueError, TypeError, yaml.YAMLError):
                # e.g. 2026-13-45 looks like a date to YAML but is not one: keep the text, and let
                # validation say what the field allows
                data[key] = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
    finally:
        constructor.dispose()
    source.meta = data
    return problems


def repeats_a_node(node: yaml.Node, seen: set[int]) -> bool:
    """True when the node graph reaches a node a second time: the mark of an alias. Each node
    is visited once, so a billion-laughs document is rejected after a few dozen steps."""
    import yaml

    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            return True
        seen.add(id(current))
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            for pair in current.value:
                stack.extend(pair)
    return False


def control_character(value: object) -> str | None:
    """The first control character (or lone surrogate, or non-character) in a string or in a
    list's strings, as U+XXXX; None when there is none. They have no place in a title and would
    make the feed and sitemap invalid XML."""
    texts = value if isinstance(value, list) else [value]
    for text in texts:
        found = CONTROL.search(text) if isinstance(text, str) else None
        if found:
            return f"U+{ord(found.group(0)):04X}"
    return None


def validate_fields(source: Source, required: tuple[str, ...], role_slugs: set[str]) -> list[Problem]:
    """Check every field's presence, type and value; return one problem per fault."""
    meta, problems = source.meta, []

    def report(key: str, message: str) -> None:
        problems.append(Problem(source.display, source.line_of(key), message))

    for key in meta:
        if key not in ALLOWED:
            import difflib  # only for a suggestion, when a build fails

            close = difflib.get_close_matches(key, ALLOWED, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            report(key, f"unknown key '{clip(key, 40)}': {hint}allowed keys are {', '.join(ALLOWED)}")
    for key, value in meta.items():
        char = control_character(value)
        if char:
            report(key, f"{key}: control character {char} is not allowed; remove it")
    for key in required:
        if key not in meta or meta[key] is None or meta[key] == "":
            problems.append(Problem(source.display, 1, f"missing required field '{key}' (required: {', '.join(required)})"))
    for key in ("title", "description"):
        value = meta.get(key)
        if value is not None and value != "" and not isinstance(value, str):
            report(key, f"{key}: {quoted(value)} is not text; write it as a plain string")
        elif isinstance(value, str) and "\n" in value.strip():
            report(key, f"{key}: must be one line")
    description = meta.get("description")
    if isinstance(description, str) and len(description) > DESCRIPTION_MAX:
        report("description", f"description: {len(description)} characters, at most {DESCRIPTION_MAX} allowed (search engines cut the rest)")
    for key in ("date", "updated"):
        if key in meta and meta[key] is not None:
            value = as_date(meta[key])
            if value is None:
                report(key, f"{key}: {quoted(meta[key])} is not a date; use an ISO date such as 2026-04-27")
            else:
                meta[key] = value
    if isinstance(meta.get("date"), dt.date) and isinstance(meta.get("updated"), dt.date) and meta["updated"] < meta["date"]:
        report("updated", f"updated: {meta['updated']} is before date {meta['date']}; updated must be the same day or later")
    for key in ("slug", "kind"):
        value = meta.get(key)
        if key in meta and (not isinstance(value, str) or not SLUG.fullmatch(value)):
            report(key, f"{key}: {quoted(value)} is not a valid {key}; use {SLUG_HINT}")
    if "role" in meta:
        role = meta["role"]
        if not isinstance(role, str) or role not in role_slugs:
            report("role", f"role: unknown role {quoted(role)}; known roles: {', '.join(sorted(role_slugs))}")
    if "draft" in meta and not isinstance(meta["draft"], bool):
        report("draft", f"draft: {quoted(meta['draft'])} is not true or false")
    for key in ("tags", "related"):
        if key not in meta:
            continue
        value = meta[key]
        if not isinstance(value, list):
            report(key, f"{key}: must be a list, e.g. {key}: [cloud, system-design]")
            continue
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                report(f"{key}[{index}]", f"{key}: item {quoted(item)} is not a word; list {key} as text")
            elif key == "tags" and not tag_slug(item):
                report(f"{key}[{index}]", f"tags: {quoted(item)} has no letters or digits")
            elif key == "related" and not SLUG.fullmatch(item):
                report(f"{key}[{index}]", f"related: {quoted(item)} is not a guide slug; use {SLUG_HINT}")
    return problems


def as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def tag_slug(text: str) -> str:
    """The URL form of a tag or title: 'System Design' -> 'system-design', 'Café' -> 'cafe'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))
