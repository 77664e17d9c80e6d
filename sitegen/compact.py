"""Scripts, stylesheets and pages as shipped: comments and indentation left in the repository.

Line by line and deliberately plain, so it cannot change what the code does: a line keeps its
code and its line break (JavaScript's automatic semicolons see the same lines), only lines that
are wholly comment or blank go, and a template literal that spans lines (the quiz worker's
Python) is copied untouched, indentation and all.
"""

from __future__ import annotations

import re

# Elements whose text is shown or run as written: their lines are never touched.
AS_WRITTEN = re.compile(r"<(/?)(pre|textarea|script|style)\b", re.IGNORECASE)

class CompactError(Exception):
    """A source the line-by-line pass cannot read safely (a comment or template left open)."""


def compact_script(text: str) -> str:
    """JavaScript without whole-line // comments, /* */ comment blocks, blank lines and indentation."""
    out: list[str] = []
    in_comment = in_template = False
    for line in text.split("\n"):
        if in_template:
            out.append(line)
            in_template = line.count("`") % 2 == 0
            continue
        code = line.strip()
        if in_comment:
            if "*/" in code:
                in_comment = False
                rest = code.split("*/", 1)[1].strip()
                if rest:
                    raise CompactError(f"code after a comment block on one line: {code[:60]!r}")
            continue
        if code.startswith("/*") and "*/" not in code:
            in_comment = True
            continue
        if (code.startswith("/*") and code.endswith("*/")) or code.startswith("//") or not code:
            continue
        if code.rfind("/*") > code.rfind("*/"):
            raise CompactError(f"a comment opens after code on one line: {code[:60]!r}")
        out.append(code)
        in_template = code.count("`") % 2 == 1
    if in_comment or in_template:
        raise CompactError("a comment block or template literal is never closed")
    return "\n".join(out) + "\n"


def compact_stylesheet(text: str) -> str:
    """CSS without comments, blank lines and indentation."""
    out: list[str] = []
    rest = text
    while "/*" in rest:
        before, _, after = rest.partition("/*")
        if "*/" not in after:
            raise CompactError("a comment is never closed")
        out.append(before)
        rest = after.split("*/", 1)[1]
    out.append(rest)
    lines = (tighten(line.strip()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")
# Space after these, and before a brace, is only layout. Space before ':' is not touched: it
# can mean a descendant (".a :hover").
AFTER = re.compile(r"([{};:,])\s+")
BEFORE_BRACE = re.compile(r"\s+([{}])")


def tighten(line: str) -> str:
    """A CSS line without layout spaces, strings left exactly as written."""
    parts = QUOTED.split(line)
    return "".join(part if i % 2 else BEFORE_BRACE.sub(r"\1", AFTER.sub(r"\1", part))
                   for i, part in enumerate(parts))


def compact(name: str, data: bytes) -> bytes:
    """An asset's bytes as shipped: scripts and stylesheets compacted, anything else as it is.

    A source this pass cannot read safely ships as written: heavier, never broken
    (tests/test_build_compact.py holds every theme file to compacting).
    """
    try:
        if name.endswith(".js"):
            return compact_script(data.decode("utf-8")).encode("utf-8")
        if name.endswith(".css"):
            return compact_stylesheet(data.decode("utf-8")).encode("utf-8")
    except (CompactError, UnicodeDecodeError):
        return data
    return data


def compact_html(text: str) -> str:
    """A page without the templates' indentation and blank lines. Lines inside pre, textarea,
    script and style stay exactly as written; elsewhere leading white space is only layout."""
    if keeps_lines_as_written(text):
        return compact_lines(text)
    # No such element spans a line break (a page's scripts are loaded, never inline): every line
    # goes through the one rule, at C speed.
    return "\n".join(filter(None, map(str.lstrip, text.split("\n")))) + ("\n" if text.endswith("\n") else "")


def keeps_lines_as_written(text: str) -> bool:
    """Whether some line starts inside pre, textarea, script or style, as compact_lines counts them."""
    depth, last = 0, 0
    for match in AS_WRITTEN.finditer(text):
        if depth and "\n" in text[last:match.start()]:
            return True
        depth = max(0, depth + (-1 if match.group(1) else 1))
        last = match.end()
    return depth > 0 and "\n" in text[last:]


def compact_lines(text: str) -> str:
    out: list[str] = []
    depth = 0
    for line in text.split("\n"):
        if depth:
            out.append(line)
        elif line.strip():
            out.append(line.lstrip())
        for match in AS_WRITTEN.finditer(line):
            depth = max(0, depth + (-1 if match.group(1) else 1))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
