"""Rendering markdown: the guarded inline pass (sitegen/inline.py) and the converters without the
extensions a text cannot use (markup.extensions_for) give exactly what stock Python-Markdown with
every extension gives, and headings get the ids and outline the templates use."""
import sys
from pathlib import Path

import frontmatter
import markdown
import pytest
from hypothesis import given, settings, strategies as st
from markdown.inlinepatterns import InlineProcessor

from sitegen import inline, markup
from sitegen.contentpolicy import read_content
from sitegen.options import BuildOptions
from sitegen.pipeline import Site

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


def as_site(text: str) -> tuple[str, list]:
    """What render_markdown converts: the converter for the text's extensions, HTML and outline."""
    md = markup.converter(markup.extensions_for(text))
    return convert(md, text), md.toc_tokens


def as_stock(text: str) -> tuple[str, list]:
    md = stock()
    return convert(md, text), md.toc_tokens


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
    assert as_site(text) == as_stock(text)


def test_same_html_for_every_expanded_page(tmp_path):
    # What the build converts: the pages' markdown once their directives are expanded.
    site = Site(BuildOptions(out_dir=tmp_path / "site", cache_dir=tmp_path / "cache"), write=False)
    site.gather(read_content(ROOT / "content")[0])
    site.plan()
    assert not site.problems
    texts = [page.markdown for page in site.pages if page.source is not None]
    assert len(texts) >= 12
    for text in texts:
        assert as_site(text) == as_stock(text)


def test_same_html_for_the_benchmark_corpus():
    guides = corpus.make_corpus(30)
    texts = [corpus.body_markdown(g, guides, corpus.relative_link) for g in guides]
    assert [as_site(t) for t in texts] == [as_stock(t) for t in texts]
    # The corpus, like most guides, needs none of the guarded extensions.
    assert {markup.extensions_for(t) for t in texts} == {("tables", "sane_lists", "toc")}


# A text that needs each guarded extension, and one that looks close but needs none of them.
NEEDS = [
    ("*[HTML]: HyperText Markup Language\n\nHTML pages", {"abbr"}),
    ("A claim.[^1]\n\n[^1]: The source.", {"footnotes", "def_list"}),
    ("Term\n: Its definition", {"def_list"}),
    ("> Term\n> : Its definition", {"def_list"}),
    ("- Term\n\n    : Its definition", {"def_list"}),
    ("```\ncode\n```", {"fenced_code", "attr_list"}),
    ("~~~ {.python}\ncode\n~~~", {"fenced_code", "attr_list"}),
    ("## A heading {#anchor}", {"attr_list"}),
    ('<div markdown="1">\n*inside*\n</div>', {"md_in_html", "def_list"}),
    # Python-Markdown deletes STX and ETX and ends a line at a lone carriage return first.
    ("Term\r: Its definition\r", {"def_list"}),
    ("Term\n\x02: Its definition\n", {"def_list"}),
    ("*\x02[HTML]: HyperText\n\nHTML pages\n", {"abbr"}),
    ("A claim.[\x03^1]\n\n[\x03^1]: The source.\n", {"footnotes", "def_list"}),
    ("~\x02~~\ncode\n~\x02~~\n", {"fenced_code", "attr_list"}),
]
NO_GUARDED = "## Pay: what it is\n\nTime: 5 hours, *a* [link](x.md) & more.\n\n| a | b |\n| --- | ---: |\n| 1 | 2 |\n"


@pytest.mark.parametrize("text, needed", NEEDS, ids=lambda v: repr(v)[:24])
def test_a_text_gets_the_extensions_it_needs(text, needed):
    guarded_names = set(markup.UNUSED_WITHOUT)
    assert set(markup.extensions_for(text)) & guarded_names == needed
    assert as_site(text) == as_stock(text)
    # Each trigger matters: without the extensions it keeps, the HTML would differ.
    without = [name for name in markup.EXTENSIONS if name not in needed]
    if needed - {"def_list", "attr_list"}:
        assert convert(markup.converter(tuple(without)), text) != as_stock(text)[0]


def test_a_text_without_triggers_gets_no_guarded_extension():
    assert markup.extensions_for(NO_GUARDED) == ("tables", "sane_lists", "toc")
    assert as_site(NO_GUARDED) == as_stock(NO_GUARDED)


# Every inline construct, including the ones a guide rarely has (escapes, entities, raw HTML,
# autolinks, footnotes, hard breaks), and the characters that trigger them on their own.
SNIPPETS = [
    "word", "two words", " ", "  \n", "\n", "*", "**", "_", "__", "`", "``", "\\", "\\*", "\\`", "[", "]", "(", ")",
    "!", "<", ">", "&", "&amp;", "&#169;", "&copy;", "@", ":", "#", "|", "-", "1.", "[^1]", "[^1]: note",
    "[a](b.md)", "[a](b.md#c)", "![alt](x.png)", "[ref][r]", "[r]: http://x.org", "<http://x.org>", "<me@x.org>",
    "<b>bold</b>", "<span class=\"x\">s</span>", "<!-- c -->", "*em*", "**strong**", "_em_", "__strong__",
    "***both***", "`code`", "`` a`b ``", "{#id}", "{.cls}", "*[HTML]: HyperText", "HTML", "term\n: definition",
    # block structure, where a guarded extension's syntax can hide behind other markup
    "\n\n", "> ", "- ", "1. ", "    ", "\t", ": ", "\n: ", "```", "~~~", "{", "}", "<div markdown=\"1\">", "</div>", "## ",
    "\r", "\r\n", "\x02", "\x03",  # what Python-Markdown normalizes before any extension runs
]

MARKDOWN_TEXT = st.lists(st.sampled_from(SNIPPETS), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWN_TEXT)
def test_same_html_for_generated_markdown(text):
    assert as_site(text) == as_stock(text)


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


def test_converters_are_built_without_scanning_installed_packages(monkeypatch):
    # An extension named by a string is looked up among every installed package's entry points.
    expected = as_stock(NEEDS[1][0])

    def scan():
        raise AssertionError("entry points scanned")

    monkeypatch.setattr(markdown.util, "get_installed_extensions", scan)
    markup.converter.cache_clear()
    try:
        assert as_site(NEEDS[1][0]) == expected
    finally:
        markup.converter.cache_clear()


# Text and tags as a page's rendering holds them, with the white space and word characters the
# two counts turn on: ASCII and not, underscores, apostrophes, digits, no-break and other spaces.
COUNTED_PARTS = ["word", "don't", "x_y", "42", "3.5", "é", "naïve", "–", "£90", "\u00a0", "\u2028", " ", "\n", "\t",
                 '<h2 id="a">', 'id="b"', '<p\nid="c">', '<p\tid="d">', '\u00a0id="e"', 'xid="f"', '<a href="#g">', "</h2>", '"', "="]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(COUNTED_PARTS), max_size=30).map("".join))
def test_words_and_ids_are_what_the_regular_expressions_find(text):
    import re

    assert markup.word_count(text) == len(re.findall(r"\w+", text))
    assert markup.element_ids(text) == frozenset(re.findall(r'\sid="([^"]*)"', text))


def test_the_converters_say_which_tags_are_block_level_as_python_markdown_does():
    for extensions in (tuple(markup.EXTENSIONS), markup.extensions_for("plain text")):
        md, reference = markup.converter(extensions), stock()
        for tag in reference.block_level_elements + ["P", "div/", "span", "a", "em", "", None, 3]:
            assert md.is_block_level(tag) == markdown.Markdown.is_block_level(reference, tag), tag
