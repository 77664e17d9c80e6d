"""The search index in the build: which pages it covers, rebuilt only when one of them changes,
byte-identical across runs, and a one-line problem when Pagefind cannot run."""

from __future__ import annotations

import gzip
import json

from conftest import run_cli, tree

from sitegen import search


def index_files(site) -> dict[str, bytes]:
    return {path: data for path, data in tree(site).items() if path.startswith("pagefind/")}


def test_the_index_covers_guides_hubs_and_pages_only(built):
    entry = json.loads((built / "pagefind/pagefind-entry.json").read_text())
    indexed = len(list(built.glob("guides/*/index.html"))) + len(list(built.glob("roles/*/index.html"))) + 1  # about/
    assert entry["languages"]["en"]["page_count"] == indexed
    # Each guide and hub carries its role for the filter; the filter chunk lists the roles sorted.
    assert 'data-pagefind-filter="role:backend developers"' in (built / "guides/alpha/index.html").read_text()
    [chunk] = (built / "pagefind/filter").iterdir()
    roles, values = search.cbor_decode(gzip.decompress(chunk.read_bytes()))
    names = [value[0][1] for value in values]
    assert roles == ("text", "role") and names == sorted(names) and "backend developers" in names


def test_an_unchanged_set_of_pages_is_not_indexed_again(content, built, capsys, monkeypatch):
    before = index_files(built)
    calls = []
    real_run = search.run_pagefind
    monkeypatch.setattr(search, "run_pagefind", lambda pages: calls.append(sorted(pages)) or real_run(pages))
    home = content / "index.md"
    home.write_text(home.read_text() + "\nA new sentence on the home page only.\n")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert calls == [] and index_files(built) == before  # the home page is not indexed

    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert len(calls) == 1 and "guides/beta/index.html" in calls[0]
    assert index_files(built) != before


def test_the_index_streamed_during_rendering_equals_one_made_from_the_written_pages(built):
    # A cold build hands Pagefind each page as it is rendered; an edit's build gives it every
    # page at once, read back from the output. Both must make the same index from the same pages.
    pages = {path: data for path, data in tree(built).items()  # the guides, the hubs, about/
             if path == "about/index.html" or (path.count("/") == 2 and path.endswith("/index.html") and path.split("/")[0] in ("guides", "roles"))}
    assert len(pages) == json.loads((built / "pagefind/pagefind-entry.json").read_text())["languages"]["en"]["page_count"]
    again = search.run_pagefind(pages)
    assert again == index_files(built)


def test_filter_chunks_are_re_encoded_exactly():
    values = [[("text", "zeta"), [3, 1]], [("text", "alpha"), [0, 2, 400]]]
    encoded = search.cbor_encode([("text", "role"), values])
    assert search.cbor_decode(search.DECODED + encoded) == [("text", "role"), values]
    assert search.cbor_encode(70000) == b"\x1a\x00\x01\x11\x70"


def test_pagefind_that_cannot_run_is_one_line_and_nothing_is_written(content, tmp_path, capsys, monkeypatch):
    import pagefind_bin

    monkeypatch.setattr(pagefind_bin, "get_executable", lambda: tmp_path / "no-such-pagefind")
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 1
    problems = [line for line in err.splitlines() if "pagefind" in line]
    assert len(problems) == 1 and problems[0].startswith("sitegen/search.py:1: cannot run pagefind"), err
    assert "Traceback" not in err and not out.exists()
