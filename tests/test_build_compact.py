"""Scripts and stylesheets ship without comments and indentation, and do exactly what they did."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hypothesis import given, settings, strategies as st

from sitegen.compact import CompactError, compact, compact_html, compact_lines, compact_script, compact_stylesheet, keeps_lines_as_written
from sitegen.quiz import service_worker

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "templates" / "assets"
SCRIPTS = sorted(ASSETS.glob("*.js"))
STYLESHEETS = sorted(ASSETS.glob("*.css"))


def test_comments_blank_lines_and_indentation_go_and_line_breaks_stay():
    source = (
        "/* A block\n * comment */\n"
        "(function () {\n"
        "  // a note\n"
        "\n"
        "  const a = 1  // kept: code before it\n"
        "  const b = a\n"
        "  /* one line */\n"
        "  return b;\n"
        "})();\n"
    )
    assert compact_script(source) == "(function () {\nconst a = 1  // kept: code before it\nconst b = a\nreturn b;\n})();\n"


def test_a_template_literal_spanning_lines_is_copied_untouched():
    source = "const PY = `\nimport json\n\ndef f():\n    # a Python comment\n    return 1\n`;\n  // gone\nnext();\n"
    assert compact_script(source) == "const PY = `\nimport json\n\ndef f():\n    # a Python comment\n    return 1\n`;\nnext();\n"


@pytest.mark.parametrize("source", ["a(); /* opens here\n*/\n", "/* never closed\n", "const t = `\nopen\n"])
def test_a_source_it_cannot_read_safely_is_refused_and_then_shipped_as_written(source):
    with pytest.raises(CompactError):
        compact_script(source)
    assert compact("x.js", source.encode()) == source.encode()


def test_stylesheets_keep_every_rule():
    source = "/* theme */\n:root {\n  --bg: #fff; /* white */\n}\n\n.a::before { content: \"⚠ \"; }\n"
    assert compact_stylesheet(source) == ":root{\n--bg:#fff;\n}\n.a::before{content:\"⚠ \";}\n"
    # A space before a colon can be a descendant combinator, and a string is never touched.
    assert compact_stylesheet('.a :hover { content: "a ; b" }') == '.a :hover{content:"a ; b"}\n'


def without_comments_or_space(css: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"/\*.*?\*/", "", css, flags=re.S))


@pytest.mark.parametrize("path", STYLESHEETS, ids=[p.name for p in STYLESHEETS])
def test_every_theme_stylesheet_compacts_to_the_same_rules(path):
    source = path.read_text(encoding="utf-8")
    compacted = compact_stylesheet(source)
    assert len(compacted) < len(source)
    assert without_comments_or_space(compacted) == without_comments_or_space(source)


def node_check(text: str, tmp_path: Path, name: str) -> None:
    node = shutil.which("node")
    assert node, "node is needed to check the compacted scripts"
    script = tmp_path / name
    script.write_text(text, encoding="utf-8")
    done = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_every_theme_script_compacts_and_still_parses(path, tmp_path):
    source = path.read_text(encoding="utf-8")
    compacted = compact_script(source)  # raises if the pass cannot read it safely
    assert len(compacted) < len(source)
    node_check(compacted, tmp_path, path.name)


def test_the_service_worker_ships_compacted_and_parses(tmp_path):
    text = service_worker("/", "build1", ["quiz/"]).decode()
    assert "/*" not in text and "\n  " not in text
    node_check(text, tmp_path, "sw.js")


def test_pages_lose_layout_indentation_but_not_preformatted_text():
    page = ("<main>\n    <p>Text</p>\n\n    <pre><code>def f():\n    return 1\n\n  done\n</code></pre>\n"
            "  <script type=\"application/ld+json\">{\n  \"a\": 1\n}</script>\n  <textarea>\n  kept\n</textarea>\n</main>\n")
    assert compact_html(page) == ("<main>\n<p>Text</p>\n<pre><code>def f():\n    return 1\n\n  done\n</code></pre>\n"
                                  "<script type=\"application/ld+json\">{\n  \"a\": 1\n}</script>\n<textarea>\n  kept\n</textarea>\n</main>\n")


# Pieces of a page: layout, blank lines, and as-written elements opened and closed on one line,
# across lines, upper case, unclosed, or closed without being opened.
PAGE_PARTS = ["\n", "  ", "\t", "\u00a0", "<p>x</p>", "<pre>", "</pre>", "<PRE>", "<script src=\"a.js\"></script>",
              "<script>", "</script>", "<style>", "</style>", "<textarea>", "</textarea>", "<prefix>", "text", " \n "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PAGE_PARTS), max_size=40).map("".join))
def test_the_fast_path_gives_what_the_line_by_line_pass_gives(page):
    assert compact_html(page) == compact_lines(page)


def test_a_page_whose_scripts_are_loaded_takes_the_fast_path_and_one_with_code_does_not():
    assert not keeps_lines_as_written("<head>\n  <script src=\"a.js\" defer></script>\n</head>\n<p>x</p>\n")
    assert keeps_lines_as_written("<pre><code>a\n  b</code></pre>\n")
    assert keeps_lines_as_written("<p>x</p>\n<script>\nlet a = 1;\n")  # never closed


def test_built_pages_keep_code_blocks_as_written(built):
    html = (built / "guides" / "alpha" / "index.html").read_text()
    assert "\n  <" not in html.split("<pre", 1)[0]  # the template's indentation is gone
