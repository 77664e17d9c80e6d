"""Bad input: every problem is one `path:line: message` line, all in one run, exit 1, no
traceback, and the previous output is left exactly as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli, tree

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<message>.+)$")

GOOD_HEAD = "---\ntitle: A guide\ndescription: A fine description.\ndate: 2026-01-01\n"

CASES = {
    # name: (file under content/, file text, line, words the message must contain)
    "invalid yaml": ("guides/bad.md", "---\ntitle: A guide\ndescription: [unclosed\ndate: 2026-01-01\n---\nBody\n", 4,
                     ["invalid YAML frontmatter"]),
    "missing required field": ("guides/bad.md", "---\ntitle: A guide\ndate: 2026-01-01\n---\nBody\n", 1,
                               ["missing required field 'description'", "title, description, date"]),
    "unknown key": ("guides/bad.md", "---\ntitel: A guide\ntitle: A guide\ndescription: Fine.\ndate: 2026-01-01\n---\nBody\n", 2,
                    ["unknown key 'titel'", "did you mean 'title'", "allowed keys are"]),
    "date not a date": ("guides/bad.md", "---\ntitle: A guide\ndescription: Fine.\ndate: April 2026\n---\nBody\n", 4,
                        ["date: 'April 2026' is not a date", "ISO date"]),
    "impossible date": ("guides/bad.md", "---\ntitle: A guide\ndescription: Fine.\ndate: 2026-13-45\n---\nBody\n", 4,
                        ["date: '2026-13-45' is not a date"]),
    "tags not a list": ("guides/bad.md", GOOD_HEAD + "tags: cloud\n---\nBody\n", 5, ["tags: must be a list"]),
    "description too long": ("guides/bad.md", "---\ntitle: A guide\ndescription: " + "x" * 161 + "\ndate: 2026-01-01\n---\nBody\n", 3,
                             ["description: 161 characters", "at most 160"]),
    "duplicate slug": ("guides/other.md", GOOD_HEAD + "slug: beta\n---\nBody\n", 5,
                       ["slug 'beta' is already used by", "beta.md"]),
    "slug escapes the output folder": ("guides/bad.md", GOOD_HEAD + "slug: ../x\n---\nBody\n", 5,
                                       ["slug: '../x' is not a valid slug", "lowercase letters"]),
    "file name escapes the output folder": ("guides/...md", GOOD_HEAD + "---\nBody\n", 1,
                                            ["file name '...md' is not a valid slug"]),
    "file name that is not a slug": ("guides/My Guide.md", GOOD_HEAD + "---\nBody\n", 1,
                                     ["file name 'My Guide.md' is not a valid slug", "or set slug:"]),
    "broken link": ("guides/bad.md", GOOD_HEAD + "---\n\nIntro.\n\nSee [the missing guide](missing.md) here.\n", 9,
                    ["link 'missing.md'", "no such file"]),
    "broken anchor": ("guides/bad.md", GOOD_HEAD + "---\nSee [beta](beta.md#no-such-heading).\n", 6,
                      ["link 'beta.md#no-such-heading'", "no heading or anchor '#no-such-heading'"]),
    "broken same-page anchor": ("guides/bad.md", GOOD_HEAD + "---\n## Real\n\nUp to [top](#nowhere).\n", 8,
                                ["link '#nowhere'", "on this page"]),
    "broken site path": ("guides/bad.md", GOOD_HEAD + "---\nTake the [quiz](/quizz/).\n", 6, ["link '/quizz/'", "no page at /quizz"]),
    "unknown related slug": ("guides/bad.md", GOOD_HEAD + "related:\n  - beta\n  - no-such-guide\n---\nBody\n", 7,
                             ["related: 'no-such-guide'", "no guide has that slug"]),
    "unknown role": ("guides/bad.md", GOOD_HEAD + "role: astronaut\n---\nBody\n", 5,
                     ["role: unknown role 'astronaut'", "backend-developer"]),
    "not utf-8": ("guides/bad.md", (GOOD_HEAD + "---\nCaf\xe9\n").encode("latin-1"), 6, ["not UTF-8", "save the file as UTF-8"]),
    "empty file": ("guides/bad.md", "", 1, ["empty file"]),
    "unknown directive": ("guides/bad.md", GOOD_HEAD + "---\n\n{{< salary-table role=\"backend-developer\" >}}\n", 7,
                          ["unknown directive 'salary-table'", "salary-bands"]),
    "directive with an unknown market": ("guides/bad.md", GOOD_HEAD + "---\n{{< salary-bands role=\"backend-developer\" market=\"mars\" >}}\n", 6,
                                         ["salary-bands", "mars"]),
    "unknown value key": ("guides/bad.md", GOOD_HEAD + "---\nIt pays {{< value key=\"no.such.key\" >}} more.\n", 6,
                          ["unknown key 'no.such.key'"]),
    "broken image": ("guides/bad.md", GOOD_HEAD + "---\n![a chart](charts/missing.png)\n", 6,
                     ["link 'charts/missing.png'", "no such file guides/charts/missing.png"]),
    "inline style attribute": ("guides/bad.md", GOOD_HEAD + "---\nText\n\n<p style=\"color: red\">red</p>\n", 8,
                               ["raw HTML 'style='"]),
    "inline event handler": ("guides/bad.md", GOOD_HEAD + "---\n<b onclick=\"x()\">bold</b>\n", 6, ["raw HTML 'onclick='"]),
    "heading id taken by the template": ("guides/bad.md", GOOD_HEAD + "---\n## Main points {#main}\n", 6,
                                         ["id '#main' is used by the page template"]),
    "inline script": ("guides/bad.md", GOOD_HEAD + "---\nText\n\n<script>alert(1)</script>\n", 8,
                      ["raw HTML '<script'", "Content-Security-Policy"]),
}


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_output_is_untouched(case, content, built, capsys):
    rel, text, line, words = CASES[case]
    before = tree(built)
    write(content / rel, text)

    code, out, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)

    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    problems = [LINE.match(entry) for entry in lines[:-1]]
    assert all(problems), lines
    assert lines[-1].endswith("nothing was written")
    expected_path = str(content / rel)
    matching = [p for p in problems if p["path"] == expected_path and int(p["line"]) == line]
    assert matching, f"no problem at {expected_path}:{line} in:\n{err}"
    assert any(all(word in p["message"] for word in words) for p in matching), err
    assert tree(built) == before


def test_every_problem_is_reported_in_one_run(content, built, capsys):
    before = tree(built)
    write(content / "guides/one.md", "---\ntitel: x\ndescription: Fine.\ndate: 2026-01-01\n---\n[a](nope.md)\n")
    write(content / "guides/two.md", GOOD_HEAD + "tags: cloud\n---\nBody\n")
    write(content / "guides/three.md", GOOD_HEAD + "---\n[b](beta.md#missing)\n")

    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)

    assert code == 1
    messages = err.strip().splitlines()[:-1]
    assert any("one.md:2: unknown key 'titel'" in m for m in messages)
    assert any("one.md:1: missing required field 'title'" in m for m in messages)
    assert any("two.md:5: tags: must be a list" in m for m in messages)
    assert any("three.md:6: link 'beta.md#missing'" in m for m in messages)
    assert err.strip().splitlines()[-1].startswith(f"{len(messages)} problems found")
    assert tree(built) == before


def test_check_reports_problems_and_writes_nothing(content, tmp_path, capsys):
    write(content / "guides/bad.md", GOOD_HEAD + "---\n[x](gone.md)\n")
    before = tree(content)

    code, _, err = run_cli("check", "--content", content, capsys=capsys)

    assert code == 1
    assert f"{content / 'guides/bad.md'}:6: link 'gone.md'" in err
    assert tree(content) == before
    assert not (tmp_path / "site").exists()


def test_html_in_title_and_description_is_shown_as_text(content, tmp_path, capsys):
    write(content / "guides/xss.md", "---\ntitle: <script>alert('t')</script> pay\n"
          "description: <img src=x onerror=alert(1)> described\ndate: 2026-01-01\n---\nBody\n")
    out = tmp_path / "site"

    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)

    assert code == 0, err
    page = (out / "guides/xss/index.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; pay" in page
    assert "&lt;img src=x onerror=alert(1)&gt; described" in page
    # the listings and the feed escape it too
    assert "<script>alert" not in (out / "guides/index.html").read_text()
    assert "<script>alert" not in (out / "feed.xml").read_text()


def test_a_published_page_cannot_link_to_a_draft(content, tmp_path, capsys):
    write(content / "guides/linker.md", GOOD_HEAD + "---\nSee [the draft](draft-note.md).\n")

    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", capsys=capsys)
    assert code == 1
    assert f"{content / 'guides/linker.md'}:6: link 'draft-note.md': guides/draft-note.md is a draft" in err

    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", "--drafts", capsys=capsys)
    assert code == 0, err
    assert 'class="draft-note"' in (tmp_path / "site/guides/draft-note/index.html").read_text()
    assert 'class="draft-note"' not in (tmp_path / "site/guides/linker/index.html").read_text()


def test_code_samples_may_show_script_tags(content, tmp_path, capsys):
    write(content / "guides/code.md", GOOD_HEAD + "---\n```html\n<script>alert(1)</script>\n<p style=\"x\">\n```\n\nInline `<b onclick=\"x\">` too.\n")
    code, _, err = run_cli("build", "--content", content, "--out", tmp_path / "site", capsys=capsys)
    assert code == 0, err
    page = (tmp_path / "site/guides/code/index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_no_build_leaves_the_garbage_collector_frozen(content, tmp_path):
    # The build freezes what it keeps to the end out of the collector's full passes; `serve` runs
    # build after build in one process, so every way out of a build must unfreeze it.
    import gc
    import shutil

    from sitegen.options import TEMPLATES, BuildOptions
    from sitegen.pipeline import build
    from sitegen.problems import ContentErrors

    broken = tmp_path / "templates"
    shutil.copytree(TEMPLATES, broken)
    (broken / "guide.html").write_text("{% if %}", encoding="utf-8")  # fails before any page renders
    with pytest.raises(ContentErrors):
        build(BuildOptions(content_dir=content, out_dir=tmp_path / "a", templates_dir=broken))
    assert gc.get_freeze_count() == 0
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text() + "\n[gone](/guides/no-such-guide/)\n", encoding="utf-8")  # fails after rendering
    with pytest.raises(ContentErrors):
        build(BuildOptions(content_dir=content, out_dir=tmp_path / "b"))
    assert gc.get_freeze_count() == 0
