"""The benchmark's synthetic corpus: the same guides for every tool, shaped like real guides."""
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import corpus  # noqa: E402
import peers  # noqa: E402

N = 40
LINK = re.compile(r"\]\(([^)]+)\)")


@pytest.fixture(scope="module")
def guides():
    return corpus.make_corpus(N)


def test_corpus_has_n_distinct_guides(guides):
    assert len(guides) == N
    assert len({g.slug for g in guides}) == N


def test_guides_are_about_600_words_with_headings_lists_and_a_table(guides):
    for g in guides:
        text = corpus.body_markdown(g, guides, corpus.relative_link)
        assert 540 <= corpus.word_count(text) <= 680, g.slug
        assert len(re.findall(r"^## ", text, re.M)) >= 3
        assert re.search(r"^- ", text, re.M) and re.search(r"^1\. ", text, re.M)
        assert re.search(r"^\| --- \|", text, re.M)


def test_three_internal_links_that_resolve(guides):
    slugs = {g.slug for g in guides}
    for g in guides:
        targets = LINK.findall(corpus.body_markdown(g, guides, corpus.relative_link))
        assert len(targets) == 3
        names = [t.split("#")[0].removesuffix(".md") for t in targets]
        assert len(set(names)) == 3 and g.slug not in names
        assert set(names) <= slugs
        # Anchored links point at a heading every guide has.
        for t in targets:
            if "#" in t:
                assert t.split("#")[1] == corpus.ANCHOR
                assert f"## {corpus.ANCHOR.capitalize()}" in corpus.body_markdown(g, guides, corpus.relative_link)


def test_corpus_is_deterministic():
    assert corpus.make_corpus(10) == corpus.make_corpus(10)


def test_too_small_corpus_is_refused():
    with pytest.raises(ValueError, match="at least 4 guides"):
        corpus.make_corpus(3)


def test_each_tool_gets_the_same_words_in_its_own_link_syntax(guides):
    pelican = peers.pelican_files(guides)
    mkdocs = peers.mkdocs_files(guides)
    hugo = peers.hugo_files(guides)
    g = guides[5]
    p_text = pelican[f"content/guides/{g.slug}.md"]
    m_text = mkdocs[f"docs/guides/{g.slug}.md"]
    h_text = hugo[f"content/guides/{g.slug}.md"]
    assert "{filename}/guides/" in p_text and p_text.startswith("Title: ")
    assert '{{< relref "guides/' in h_text
    assert re.search(r"\]\(guide-\d{5}\.md", m_text)
    strip = lambda s: corpus.word_count(LINK.sub("", s.split("\n\n", 1)[1] if s.startswith("Title") else s.split("---\n\n", 1)[1]))  # noqa: E731
    assert strip(p_text) == strip(m_text) == strip(h_text)
    assert sum(1 for k in pelican if k.startswith("content/guides/")) == N


def test_the_minimal_hugo_site_has_one_single_and_one_list_layout_and_no_taxonomies(guides):
    full, minimal = peers.hugo_files(guides), peers.hugo_minimal_files(guides)
    assert sorted(p for p in minimal if p.startswith("layouts/")) == ["layouts/_default/list.html", "layouts/_default/single.html"]
    assert '"taxonomy", "term"' in minimal["hugo.toml"] and "tag = " not in minimal["hugo.toml"]
    assert {p: t for p, t in minimal.items() if p.startswith("content/")} == {p: t for p, t in full.items() if p.startswith("content/")}
