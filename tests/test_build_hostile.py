"""Hostile content: links out of the content folder, active files, raw HTML that breaks out of the
allowlist, resource bombs and characters that break XML. Each is refused with one line naming
the file and line, exit 1, and the previous output left byte for byte as it was."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, run_subprocess, tree

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<message>.+)$")
HEAD = "---\ntitle: A guide\ndescription: A fine description.\ndate: 2026-01-01\n---\n"


def refused(content: Path, out: Path, capsys, rel: str, line: int, *words: str) -> str:
    """Build over `out`; assert exit 1, one `path:line: message` line per problem, one naming
    content/rel at `line` with every word, and `out` exactly as it was. Returns stderr."""
    before = tree(out)
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert lines[-1].endswith("nothing was written"), err
    problems = [LINE.match(entry) for entry in lines[:-1]]
    assert all(problems) and "Traceback" not in err, err
    mine = [p for p in problems if p["path"] == str(content / rel) and int(p["line"]) == line]
    assert any(all(word in p["message"] for word in words) for p in mine), err
    assert tree(out) == before
    return err


# -- reading only from inside content/ --------------------------------------------------------


@pytest.mark.parametrize("rel, target", [
    ("guides/notes.txt", "/etc/passwd"),
    ("guides/chart2.png", "/proc/self/environ"),  # a media type the site does publish
    ("guides/outside.md", None),  # a guide outside the content folder
    ("guides/linked-folder", None),  # a folder outside it
])
def test_a_link_out_of_the_content_folder_is_refused(rel, target, content, built, tmp_path, capsys):
    if target is None:
        outside = tmp_path / "elsewhere"
        outside.mkdir()
        (outside / "outside.md").write_text(HEAD + "Someone else's words.\n")
        target = outside / "outside.md" if rel.endswith(".md") else outside
    (content / rel).symlink_to(target)
    err = refused(content, built, capsys, rel, 1, "symbolic link to", "outside the content folder")
    assert "root:" not in err and "PATH=" not in err
    assert not any("elsewhere" in str(p) or "Someone else" in p.read_text(errors="replace") for p in built.rglob("*.html"))


def test_a_loop_of_links_is_refused(content, built, capsys):
    (content / "guides/loop.png").symlink_to(content / "guides/loop-back.png")
    (content / "guides/loop-back.png").symlink_to(content / "guides/loop.png")
    refused(content, built, capsys, "guides/loop.png", 1, "symbolic link that leads nowhere")


def test_a_link_inside_the_content_folder_is_read_as_its_target(content, tmp_path, capsys):
    (content / "guides/chart-again.svg").symlink_to(content / "guides/chart.svg")
    (content / "guides/beta.md").write_text((content / "guides/beta.md").read_text() + "\n![again](chart-again.svg)\n")
    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", capsys=capsys)
    assert code == 0, err
    assert len(list((tmp_path / "site/assets/guides").glob("chart-again.*.svg"))) == 1


@pytest.mark.parametrize("rel, data, words", [
    ("guides/evil.html", b"<script>alert(1)</script>", ["'.html' files run as pages or scripts"]),
    ("guides/evil.js", b"alert(1)", ["'.js' files run as pages or scripts"]),
    ("guides/notes.txt", b"notes", ["file type '.txt' is not published", ".pdf", ".png", ".svg"]),
    ("guides/evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', ["SVG with 'script'"]),
    ("guides/onload.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', ["SVG with", "onload"]),
    ("guides/foreign.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
     ["SVG with 'foreignObject'"]),
    ("guides/link.svg", b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                        b'<a xlink:href="&#106;avascript:alert(1)"><rect width="5" height="5"/></a></svg>', ["SVG link 'javascript:alert(1)'"]),
    ("guides/entities.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     ["SVG with '!DOCTYPE'"]),
])
def test_active_files_are_never_published(rel, data, words, content, built, capsys):
    (content / rel).write_bytes(data)
    refused(content, built, capsys, rel, 1, *words)


# -- raw HTML ---------------------------------------------------------------------------------


HOSTILE_MARKDOWN = {
    "entity-encoded javascript: link": ("[x](&#106;avascript:alert(1))", ["link 'javascript:alert(1)'", "relative, http(s) or mailto"]),
    "javascript: link with a tab in the scheme": ("[x](java&#x09;script:alert(1))", ["not javascript:"]),
    "single-quoted href": ("<a href='javascript:alert(1)'>x</a>", ["link 'javascript:alert(1)'"]),
    "unquoted href": ("<a href=javascript:alert(1)>x</a>", ["link 'javascript:alert(1)'"]),
    "data: image": ('<img src="data:text/html,<script>alert(1)</script>" alt="x">', ["not data:"]),
    "meta refresh": ('<meta http-equiv="refresh" content="0; url=https://evil.example/">', ["raw HTML '<meta'"]),
    "iframe": ('<iframe src="https://evil.example/"></iframe>', ["raw HTML '<iframe'"]),
    "form": ('<form action="https://evil.example/"><input name="q"></form>', ["raw HTML '<form'"]),
    "base": ('<base href="https://evil.example/">', ["raw HTML '<base'"]),
    "object": ('<object data="x.swf"></object>', ["raw HTML '<object'"]),
    "style element": ("<style>body{display:none}</style>", ["raw HTML '<style'", "Content-Security-Policy"]),
    "svg inline": ('<svg onload="alert(1)"></svg>', ["raw HTML '<svg'"]),
    "event handler from attr_list": ("A [link](https://example.org/){: onclick=\"alert(1)\" } here.", ["raw HTML 'onclick='"]),
    "unknown attribute": ('<p hidden="until-found" accesskey="x">x</p>', ["raw HTML 'hidden='", "<p>"]),
    # One page marked as the search's body would drop every other page from the index.
    "search body marker": ('<div data-pagefind-body>x</div>', ["raw HTML 'data-pagefind-body='", "search index"]),
    "search sort order from attr_list": ('A [link](https://example.org/){: data-pagefind-sort="date:2024" } here.', ["raw HTML 'data-pagefind-sort='"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_MARKDOWN))
def test_hostile_markdown_is_refused(case, content, built, capsys):
    text, words = HOSTILE_MARKDOWN[case]
    (content / "guides/hostile.md").write_text(HEAD + "Intro.\n\n" + text + "\n")
    refused(content, built, capsys, "guides/hostile.md", 8, *words)


LEFT_TO_THE_PARSER = [  # HTML the fast path must not pass: refused, or outside its plain pattern
    '<p>x</p><script>alert(1)</script>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<img src="data:text/html,x" alt="x">',
    '<p onclick="alert(1)">x</p>',
    '<p style="display:none">x</p>',
    '<a target="_blank" href="/">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p>x</p></a href="javascript:alert(1)">',
    '<p>x</p><!-- <script>alert(1)</script> -->',
    '<p>x<SCRIPT>alert(1)</SCRIPT></p>',
    '<details open><summary>x</summary></details>',
    '<p data-pagefind-body="">x</p>',
]


@pytest.mark.parametrize("case", sorted(HOSTILE_MARKDOWN))
def test_the_fast_raw_html_check_passes_no_hostile_rendering(case):
    from sitegen import markup, rawhtml

    html = markup.render_markdown("Intro.\n\n" + HOSTILE_MARKDOWN[case][0] + "\n").html
    assert not rawhtml.plainly_allowed(html) and rawhtml.first_refusal(html) is not None


def test_the_fast_raw_html_check_passes_only_what_the_parser_passes():
    from sitegen import markup, rawhtml

    for html in LEFT_TO_THE_PARSER:
        assert not rawhtml.plainly_allowed(html), html
    # What Python-Markdown writes for ordinary guides passes without the parser, and the parser
    # agrees; the '<details open>' above is harmless but left to the parser.
    plain = markup.render_markdown("## A heading {#one .wide}\n\nA [link](/guides/x/ \"t\") and `code` and *em*.\n\n"
                                   "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n1. one\n2. two\n\n![alt](img.png)\n").html
    assert rawhtml.plainly_allowed(plain)
    checker = rawhtml.Checker()
    checker.feed(plain)
    checker.close()  # raises Refusal if the parser disagreed


def test_harmless_raw_html_and_every_markdown_feature_pass(content, tmp_path, capsys):
    (content / "guides/rich.md").write_text(HEAD + """
## Parts {#parts .wide}

Text with a footnote[^1], <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, x<sup>2</sup> and an HTML abbreviation.

<details open><summary>More</summary>
<p class="note" title="t">Hidden <mark>words</mark> and a <a href="https://example.org/" rel="nofollow">link</a>,
<a href="mailto:someone@example.org">mail</a>, <a href="../pages/about.md">a page</a>.</p>
</details>

| a | b |
|:--|--:|
| 1 | 2 |

Term
:   Definition

*[HTML]: HyperText Markup Language

![chart](chart.svg "A chart")

[^1]: A note.
""")
    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", capsys=capsys)
    assert code == 0, err
    page = (tmp_path / "site/guides/rich/index.html").read_text()
    assert "<details open><summary>More</summary>" in page and '<abbr title="HyperText Markup Language">' in page


# -- resource bombs and characters ----------------------------------------------------------

@pytest.mark.parametrize("field", ["title", "tags"])
def test_a_billion_laughs_is_refused_at_once(field, content, built, tmp_path):
    bomb = "---\n" + "a0: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{n}: &{'a' * (n + 1)} [{', '.join(['*' + 'a' * n] * 9)}]\n" for n in range(1, 9))
    bomb += f"{field}: *{'a' * 9}\ndescription: Fine.\ndate: 2026-01-01\n---\nBody\n"
    assert len(bomb) < 1500
    (content / "guides/laughs.md").write_text(bomb)
    before = tree(built)
    # The timeout is a bound, not a speed target: unguarded, this file runs for minutes.
    result = run_subprocess("build", "--content", content, "--out", built, env=dict(os.environ), timeout=30)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert all(len(line) < 400 for line in result.stderr.splitlines()), max(map(len, result.stderr.splitlines()))
    assert f"{content / 'guides/laughs.md'}:3: a1: YAML aliases (*name) and merge keys are not allowed" in result.stderr
    assert tree(built) == before


def test_a_guide_over_the_size_limit_is_refused_unread(content, built, capsys):
    (content / "guides/huge.md").write_text(HEAD + ("All work and no play. " * 2_400_000))  # about 50 MB
    refused(content, built, capsys, "guides/huge.md", 1, "bytes; a page may be at most 1,000,000 bytes")


def test_no_message_quotes_more_than_about_a_hundred_characters(content, built, capsys):
    long = "x" * 5000
    (content / "guides/long.md").write_text(HEAD.replace("date: 2026-01-01\n", f"date: 2026-01-01\nrole: {long}\ntags: [[{long}]]\n"))
    (content / "guides/links.md").write_text(HEAD + f"[a](missing-{long}.md) [b](/{long}/) [c](#{long})\n")
    err = refused(content, built, capsys, "guides/long.md", 5, "role: unknown role 'xxx")
    refused(content, built, capsys, "guides/links.md", 6, "link '#xxx", "no heading or anchor")
    assert len(err.strip().splitlines()) == 6, err
    # each line quotes at most two values (the link as written and where it leads), each cut short
    assert all(line.count("x") <= 200 for line in err.splitlines()), err


@pytest.mark.parametrize("value, shown", [('"A\\0title"', "U+0000"), ('"Bell\\a"', "U+0007"), ('"Esc\\e["', "U+001B"),
                                          ('"\\x7F delete"', "U+007F"), ('"\\x85 next line"', "U+0085")])
def test_control_characters_in_frontmatter_are_refused(value, shown, content, built, capsys):
    (content / "guides/ctl.md").write_text(f"---\ntitle: {value}\ndescription: Fine.\ndate: 2026-01-01\n---\nBody\n")
    refused(content, built, capsys, "guides/ctl.md", 2, f"title: control character {shown} is not allowed")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x0b", "\x7f", "\x85", "\uffff"])
def test_control_characters_in_a_page_text_are_refused_with_their_line(char, content, built, capsys):
    (content / "guides/ctl.md").write_text(f"---\ntitle: Fine\ndescription: Fine.\ndate: 2026-01-01\n---\nBody\n\nA line {char} here.\n")
    refused(content, built, capsys, "guides/ctl.md", 8, f"control character U+{ord(char):04X} in the text is not allowed")


def test_a_control_character_is_refused_even_when_the_files_frontmatter_was_parsed_before(content, built, capsys):
    import datetime as dt
    import hashlib
    import pickle

    from sitegen.cacheguard import write_sealed
    from sitegen.options import BuildOptions
    from sitegen.pipeline import PARSED_CACHE, load_pickle

    text = "---\ntitle: Fine\ndescription: Fine.\ndate: 2026-01-01\n---\nBody\n\nA line \x1b here.\n"
    (content / "guides/ctl.md").write_text(text)
    # The cache holds this frontmatter's fields, as it would after the same guide without the
    # control character was built: the text is still checked.
    cache = BuildOptions(out_dir=built).state_dir / PARSED_CACHE
    parsed = load_pickle(cache)
    parsed[hashlib.sha256("1\0title: Fine\ndescription: Fine.\ndate: 2026-01-01\n".encode()).hexdigest()] = (
        {"title": "Fine", "description": "Fine.", "date": dt.date(2026, 1, 1)}, {"title": 2, "description": 3, "date": 4})
    write_sealed(cache, pickle.dumps(parsed))
    refused(content, built, capsys, "guides/ctl.md", 8, "control character U+001B in the text is not allowed")


@pytest.mark.parametrize("raw", [b"---\ntitle: Plain\n---\nBody text.\n\nMore.\n",
                                 b"\xef\xbb\xbf---\r\ntitle: With a BOM and CRLF\r\n---\r\nBody \xc3\xa9t\xc3\xa9.\r\n\r\nMore.\r\n",
                                 b"---\ntitle: No body\n---\n"])
def test_a_file_read_from_the_parse_cache_is_the_file_parsed_afresh(tmp_path, raw):
    # The cache keeps each file's fields and the length of its body, which is cut again from the
    # file's own text.
    from sitegen.content import read_source

    parsed: dict = {}
    fresh, problems = read_source("guides/g.md", raw, ".", parsed)
    assert problems == [] and len(parsed) == 1
    again, problems = read_source("guides/g.md", raw, ".", parsed)
    assert problems == [] and again == fresh and again.body == fresh.body
    assert (fresh.body != "") == (b"Body" in raw)


def test_the_frontmatter_boundary_is_python_frontmatters():
    # The build splits files with its own copy of the boundary, so that reading a file whose
    # frontmatter was parsed before needs no YAML; it must split exactly as python-frontmatter does.
    from frontmatter.default_handlers import YAMLHandler

    from sitegen.content import FM_BOUNDARY

    assert (FM_BOUNDARY.pattern, FM_BOUNDARY.flags) == (YAMLHandler.FM_BOUNDARY.pattern, YAMLHandler.FM_BOUNDARY.flags)


def test_a_body_edited_below_frontmatter_seen_before_is_read_without_parsing_it_again():
    from sitegen import content

    calls = []
    real = content.load_fields
    content.load_fields = lambda source, *rest: calls.append(source.rel) or real(source, *rest)
    try:
        parsed: dict = {}
        first, _ = content.read_source("guides/g.md", b"---\ntitle: T\ntags: [a, b]\n---\nBody.\n", ".", parsed)
        edited, problems = content.read_source("guides/g.md", b"---\ntitle: T\ntags: [a, b]\n---\nBody, edited.\n", ".", parsed)
        assert problems == [] and calls == ["guides/g.md"]
        assert (edited.meta, edited.lines, edited.body) == (first.meta, first.lines, first.body.replace("Body.", "Body, edited."))
        assert edited.digest != first.digest and edited.fields_digest == first.fields_digest
        retitled, _ = content.read_source("guides/g.md", b"---\ntitle: New\ntags: [a, b]\n---\nBody.\n", ".", parsed)
        assert calls == ["guides/g.md"] * 2 and retitled.meta["title"] == "New"
    finally:
        content.load_fields = real


def test_tabs_form_feeds_and_carriage_returns_in_a_page_text_build(content, tmp_path, capsys):
    (content / "guides/spaced.md").write_text("---\ntitle: Spaced\ndescription: Fine.\ndate: 2026-01-01\n---\nTab\there.\n\fFeed.\rReturn.\n")
    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", capsys=capsys)
    assert code == 0, err


def test_a_python_tag_is_named_not_reported_missing(content, built, capsys):
    (content / "guides/tagged.md").write_text("---\ntitle: !!python/object/apply:os.system [echo hi]\ndescription: Fine.\ndate: 2026-01-01\n---\nBody\n")
    err = refused(content, built, capsys, "guides/tagged.md", 2, "title: YAML tag", "python/object/apply:os.system", "is not allowed")
    assert "missing required field" not in err


def test_feed_and_sitemap_parse_as_xml_whatever_the_titles(content, tmp_path, capsys):
    (content / "guides/odd.md").write_text("---\ntitle: \"]]> <b>&amp; \\u2028 \\U0001F4B0 'q' \\\"d\\\"\"\n"
                                           "description: \"&lt; & < > \\u00a0 nbsp\"\ndate: 2026-01-01\n---\nBody\n")
    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", capsys=capsys)
    assert code == 0, err
    feed = ET.parse(tmp_path / "site/feed.xml").getroot()
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "]]> <b>&amp; \u2028 \U0001F4B0 'q' \"d\"" in titles
    ET.parse(tmp_path / "site/sitemap.xml")


# -- what the host is told -------------------------------------------------------------------


def test_headers_forbid_framing_and_give_every_copy_its_originals_rule(built):
    from sitegen.hosting import SiteServer, headers_for, parse_headers
    from sitegen.quiz import RUNTIME_DIR

    rules = parse_headers((built / "_headers").read_text())
    page = dict(headers_for(rules, "/quiz/"))
    assert page["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    assert page["X-Frame-Options"] == "DENY"
    assert "camera=()" in page["Permissions-Policy"] and "geolocation=()" in page["Permissions-Policy"]
    copies = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.suffix in (".br", ".gz"))
    assert f"{RUNTIME_DIR}/pyodide.asm.wasm.br" in copies
    for copy in copies:
        original = copy.rsplit(".", 1)[0]
        assert [v for n, v in headers_for(rules, "/" + copy) if n == "Cache-Control"] == \
               [v for n, v in headers_for(rules, "/" + original) if n == "Cache-Control"], copy
        assert len([v for n, v in headers_for(rules, "/" + copy) if n == "Cache-Control"]) == 1, copy
    import urllib.request

    with SiteServer(built) as server:
        with urllib.request.urlopen(server.origin + "/feed.xml") as response:
            assert response.headers.get_all("Content-Type") == ["application/atom+xml; charset=utf-8"]
        with urllib.request.urlopen(server.origin + "/quiz/") as response:
            assert response.headers["X-Frame-Options"] == "DENY"
    # frame-ancestors is ignored (and warned about) in a meta tag, so the pages do not carry it
    assert "frame-ancestors" not in (built / "quiz/index.html").read_text()


def test_the_contributing_guide_names_every_published_media_type():
    from sitegen.contentpolicy import MEDIA_TYPES

    guide = (ROOT / "CONTRIBUTING.md").read_text()
    assert all(f"`{suffix}`" in guide for suffix in MEDIA_TYPES)


def test_reading_frontmatter_leaves_no_cycle_for_the_collector():
    # At 10,000 guides the cycles a YAML loader leaves (39 objects a file) cost a quarter of
    # reading the frontmatter in collections, and more memory.
    import gc

    from sitegen.content import read_source

    raw = b"---\ntitle: T\ndescription: D\ndate: 2026-01-01\ntags: [a, b]\nrelated: [x]\n---\nBody.\n"
    gc.collect()
    gc.disable()
    try:
        for n in range(50):
            source, problems = read_source(f"guides/g{n}.md", raw.replace(b"T\n", f"T{n}\n".encode()), ".", {})
            assert problems == [] and source.meta["title"] == f"T{n}"
        assert gc.collect() < 50
    finally:
        gc.enable()
