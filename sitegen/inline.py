"""Python-Markdown's inline pass, minus the patterns a text cannot match.

Python-Markdown tries every inline pattern (code, links, emphasis, entities...) on every text
of the document, one regular-expression search each, even when the text has no backtick, no
bracket and no asterisk. That costs about a third of the time it takes to render a guide. Every
pattern it registers needs some character to match at all (`[` for a link, `&` for an entity),
and inline processing only ever removes characters from a text (matches become placeholders
made of letters and digits), so a pattern whose characters are absent from a text can be skipped
without changing the output. tests/test_build_markdown.py checks the output is identical.

A pattern is skipped only when its name and its regular expression are the ones listed here;
a pattern added by another extension, or changed by a new Python-Markdown, always runs.
"""

from __future__ import annotations

from markdown import treeprocessors, util

# name -> (the pattern's regular expression, substrings of which any match needs at least one)
TRIGGERS: dict[str, tuple[str, frozenset[str]]] = {
    "backtick": (r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", frozenset("`")),
    "escape": (r"\\(.)", frozenset("\\")),
    "footnote": (r"\[\^([^\]]*)\]", frozenset("[")),
    "reference": (r"(?<!\!)\[", frozenset("[")),
    "link": (r"(?<!\!)\[", frozenset("[")),
    "image_link": (r"\!\[", frozenset("[")),
    "image_reference": (r"\!\[", frozenset("[")),
    "short_reference": (r"(?<!\!)\[", frozenset("[")),
    "short_image_ref": (r"\!\[", frozenset("[")),
    "autolink": (r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", frozenset("<")),
    "automail": (r"<([^<> !]+@[^@<> ]+)>", frozenset("<")),
    "linebreak": (r"  \n", frozenset({"  \n"})),
    "entity": (r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)", frozenset("&")),
    "em_strong": (r"\*|_", frozenset("*_")),
}
# The html pattern's expression is long and has changed between releases; any form of it
# matches a tag, a comment, a processing instruction or CDATA, all of which start with '<'.
HTML_PATTERN_NAME, HTML_TRIGGERS = "html", frozenset("<")
TRIGGER_CHARACTERS = "`\\[<&*_"
LINE_BREAK = "  \n"


def guard_for(name: str, pattern) -> frozenset[str] | None:
    """The triggers of a registered pattern, or None when it must always run."""
    regex = getattr(getattr(pattern, "compiled_re", None), "pattern", None)
    if name == HTML_PATTERN_NAME and type(pattern).__name__ == "HtmlInlineProcessor" and isinstance(regex, str) and regex.startswith("(<"):
        return HTML_TRIGGERS
    known = TRIGGERS.get(name)
    return known[1] if known is not None and known[0] == regex else None


class GuardedInlineProcessor(treeprocessors.InlineProcessor):
    """The stock inline treeprocessor with one change: before trying the patterns on a text, it
    notes which trigger characters the text holds and skips patterns needing others."""

    def run(self, tree, ancestors=None):
        registry = self.md.inlinePatterns
        self.patterns = list(registry)  # the registry in priority order, as a plain list
        self.guards = [guard_for(item.name, registry[item.name]) for item in registry._priority]
        return super().run(tree, ancestors)

    # Replaces InlineProcessor's private __handleInline, which the base class calls by its
    # mangled name; the loop is the same, the skipped patterns aside.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        present = {c for c in TRIGGER_CHARACTERS if c in data}
        if LINE_BREAK in data:
            present.add(LINE_BREAK)
        apply = self._InlineProcessor__applyPattern
        for index in range(patternIndex, len(self.patterns)):
            guard = self.guards[index]
            if guard is not None and guard.isdisjoint(present):
                continue
            matched, start = True, 0
            while matched:
                data, matched, start = apply(self.patterns[index], data, index, start)
        return data


def install(md) -> None:
    """Put the guarded inline pass in place of the stock one, if this Python-Markdown has the
    private methods it builds on; otherwise leave the stock pass."""
    stock = md.treeprocessors["inline"] if "inline" in md.treeprocessors else None
    has_internals = all(hasattr(treeprocessors.InlineProcessor, name) for name in ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"))
    if type(stock) is treeprocessors.InlineProcessor and has_internals:
        priority = next(item.priority for item in md.treeprocessors._priority if item.name == "inline")
        md.treeprocessors.register(GuardedInlineProcessor(md), "inline", priority)
