"""Rendering markdown: the guarded inline pass (sitegen/inline.py) gives exactly what stock
Python-Markdown gives, and headings get the ids and outline the templates use."""
import sys
from pathlib import Path

import frontmatter
import markdown
import pytest
from hypothesis import given, settings, strategies as st
from markdown.inlinepatterns import InlineProcessor

from sitegen import inline, markup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402


def stock() -> markdown.Markdown:
    return markdown.Markdown(extensions=markup.EXTENSIONS, extension_configs=markup.EXTENSION_CONFIGS, output_format="html")


def guarded() -> markdown.Markdown:
    md = stock()
    inline.install(md)
    return md


def convert(md: markdown.Markdown, text: str) -> str:
    md.reset()
    return md.convert(text)


def test_the_site_converter_uses_the_guarded_pass():
    assert isinstance(markup.converter().treeprocessors["inline"], inline.GuardedInlineProcessor)


def test_every_trigger_is_one_the_pass_looks_for():
    # A trigger the pass never looks for would make its pattern never run.
    looked_for = set(inline.TRIGGER_CHARACTERS) | {inline.LINE_BREAK}
    triggers = set(inline.HTML_TRIGGERS).union(*(found for _, found in inline.TRIGGERS.values()))
    assert triggers <= looked_for


def markdown_files() -> list[Path]:
    return sorted((ROOT / "content").rglob("*.md")) + sorted((ROOT / "tests" / "fixtures").rglob("*.md"))


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_same_html_for_every_content_file(path):
    text = frontmatter.loads(path.read_text()).content
    assert convert(guarded(), text) == convert(stock(), text)


def test_same_html_for_the_benchmark_corpus():
    guides = corpus.make_corpus(30)
    texts = [corpus.body_markdown(g, guides, corpus.relative_link) for g in guides]
    fast, slow = guarded(), stock()
    assert [convert(fast, t) for t in texts] == [convert(slow, t) for t in texts]


# Every inline construct, including the ones a guide rarely has (escapes, entities, raw HTML,
# autolinks, footnotes, hard breaks), and the characters that trigger them on their own.
SNIPPETS = [
    "word", "two words", " ", "  \n", "\n", "*", "**", "_", "__", "`", "``", "\\", "\\*", "\\`", "[", "]", "(", ")",
    "!", "<", ">", "&", "&amp;", "&#169;", "&copy;", "@", ":", "#", "|", "-", "1.", "[^1]", "[^1]: note",
    "[a](b.md)", "[a](b.md#c)", "![alt](x.png)", "[ref][r]", "[r]: http://x.org", "<http://x.org>", "<me@x.org>",
    "<b>bold</b>", "<span class=\"x\">s</span>", "<!-- c -->", "*em*", "**strong**", "_em_", "__strong__",
    "***both***", "`code`", "`` a`b ``", "{#id}", "{.cls}", "*[HTML]: HyperText", "HTML", "term\n: definition",
]

MARKDOWN_TEXT = st.lists(st.sampled_from(SNIPPETS), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWN_TEXT)
def test_same_html_for_generated_markdown(text):
    assert convert(guarded(), text) == convert(stock(), text)


class Shout(InlineProcessor):
    """A pattern from some other extension: 'hey' becomes <strong>HEY</strong>."""

    def handleMatch(self, m, data):
        from xml.etree.ElementTree import Element

        element = Element("strong")
        element.text = m.group(0).upper()
        return element, m.start(0), m.end(0)


def test_a_pattern_it_does_not_know_always_runs():
    md = guarded()
    md.inlinePatterns.register(Shout(r"hey"), "shout", 95)  # its text has no trigger character
    assert "<strong>HEY</strong>" in convert(md, "well hey there")


def test_a_known_name_with_another_expression_always_runs():
    md = guarded()
    md.inlinePatterns.register(Shout(r"hey"), "link", 160)  # takes the name of a pattern needing '['
    assert "<strong>HEY</strong>" in convert(md, "well hey there")


def test_left_alone_when_the_inline_pass_was_replaced():
    md = stock()

    class Other(markdown.treeprocessors.InlineProcessor):
        pass

    md.treeprocessors.register(Other(md), "inline", 20)
    inline.install(md)
    assert type(md.treeprocessors["inline"]) is Other


def test_headings_get_ids_and_an_outline_and_a_toc_marker_stays_text():
    rendered = markup.render_markdown("[TOC]\n\n## Pay *now*\n\n### In London\n\n## Pay *now*\n\n#### Deep\n")
    assert rendered.toc == (("pay-now", "Pay now", (("in-london", "In London"),)), ("pay-now_1", "Pay now", ()))
    assert {"pay-now", "in-london", "pay-now_1", "deep"} <= rendered.ids
    # the guide template draws the table of contents; the marker is not a second one
    assert "<p>[TOC]</p>" in rendered.html and 'class="toc"' not in rendered.html
