"""The search index in the build: which pages it covers, rebuilt only when one of them changes,
byte-identical across runs, and a one-line problem when Pagefind cannot run."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import run_cli, tree

from sitegen import cbor, search
from sitegen.searchmerge import DECODED, payload


def index_files(site) -> dict[str, bytes]:
    return {path: data for path, data in tree(site).items() if path.startswith("pagefind/")}


def test_the_index_covers_guides_hubs_and_pages_only(built):
    entry = json.loads((built / "pagefind/pagefind-entry.json").read_text())
    indexed = len(list(built.glob("guides/*/index.html"))) + len(list(built.glob("roles/*/index.html"))) + 1  # about/
    assert entry["languages"]["en"]["page_count"] == indexed
    # Each guide and hub carries its role for the filter; the filter chunk lists the roles sorted.
    assert 'data-pagefind-filter="role:backend developers"' in (built / "guides/alpha/index.html").read_text()
    [chunk] = (built / "pagefind/filter").iterdir()
    roles, values = cbor.decode(payload(chunk.read_bytes()))
    names = [value[0] for value in values]
    assert roles == "role" and names == sorted(names) and "backend developers" in names


def test_an_unchanged_set_of_pages_is_not_indexed_again(content, built, capsys, monkeypatch):
    before = index_files(built)
    calls = []
    real_start = search.start_pagefind  # every Pagefind run starts here
    monkeypatch.setattr(search, "start_pagefind", lambda pages: calls.append(sorted(pages)) or real_start(pages))
    home = content / "index.md"
    home.write_text(home.read_text() + "\nA new sentence on the home page only.\n")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert calls == [] and index_files(built) == before  # the home page is not indexed

    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert len(calls) == 1 and "guides/beta/index.html" in calls[0]
    assert index_files(built) != before


def indexed_pages(site) -> dict[str, bytes]:
    """The built pages the index covers: the guides, the hubs, about/."""
    return {path: data for path, data in tree(site).items()
            if path == "about/index.html" or (path.count("/") == 2 and path.endswith("/index.html") and path.split("/")[0] in ("guides", "roles"))}


def unpacked(files: dict[str, bytes]) -> dict[str, bytes]:
    """An index's files by name, chunks decompressed: the bytes the search script reads."""
    return {path: gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data for path, data in files.items()}


@pytest.mark.parametrize("shard_pages", [1, 2, search.SHARD_PAGES])
def test_the_index_merged_from_shards_equals_pagefinds_index_of_all_pages(content, tmp_path, capsys, monkeypatch, shard_pages):
    # A cold build hands each shard's Pagefind its pages as they are rendered and merges the
    # shards; an edit's build re-indexes the edited page's shard only. Both must give the files
    # Pagefind writes when it indexes every page at once, name for name and byte for byte.
    monkeypatch.setattr(search, "SHARD_PAGES", shard_pages)
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    pages = indexed_pages(out)
    assert len(pages) == json.loads((out / "pagefind/pagefind-entry.json").read_text())["languages"]["en"]["page_count"]
    assert len(search.shards_of(sorted(pages))) == (len(pages) if shard_pages == 1 else 1) or shard_pages == 2
    assert unpacked(index_files(out)) == unpacked(search.published(search.run_pagefind(pages)))

    calls = rebuild_after_an_edit(content, out, capsys, monkeypatch)
    assert calls == [["guides/beta/index.html"]]  # the edited page re-indexed alone, whatever its shard's size
    assert unpacked(index_files(out)) == unpacked(search.published(search.run_pagefind(indexed_pages(out))))


@pytest.mark.parametrize("shard_pages", [2, search.SHARD_PAGES])
def test_guides_added_and_removed_keep_the_index_pagefinds_own(content, tmp_path, capsys, monkeypatch, shard_pages):
    # New guides among the old ones and a guide gone: their shards are made of the runs of
    # unchanged pages cut from the last build's shards and of the new pages, indexed in one run.
    monkeypatch.setattr(search, "SHARD_PAGES", shard_pages)
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    beta = (content / "guides/beta.md").read_text()
    for slug in ("alpha-two", "gamma"):
        (content / f"guides/{slug}.md").write_text(beta.replace("title: Beta guide", f"title: {slug.title()} guide")
                                                   .replace("Beta has", f"{slug.title()} has a zeppelin and"))
    (content / "guides/beta.md").unlink()
    alpha = content / "guides/alpha.md"
    alpha.write_text(alpha.read_text().replace("(beta.md#second-section)", "(gamma.md)"))
    calls = []
    real_start = search.start_pagefind  # every Pagefind run starts here
    monkeypatch.setattr(search, "start_pagefind", lambda pages: calls.append(sorted(pages)) or real_start(pages))
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    monkeypatch.setattr(search, "start_pagefind", real_start)
    assert code == 0, err
    pages = indexed_pages(out)
    assert "guides/gamma/index.html" in pages and "guides/beta/index.html" not in pages
    if shard_pages == 2:  # in the one shard of 128, most pages changed (hubs list the guides): indexed whole
        assert sum(map(len, calls)) < len(pages)
    assert unpacked(index_files(out)) == unpacked(search.published(search.run_pagefind(pages)))


def test_an_index_made_by_another_pagefind_is_not_cut_into_pieces(content, tmp_path, capsys, monkeypatch):
    # After an upgrade of Pagefind, the last build's shards are another release's index: an edit
    # indexes every page again rather than join those pieces with the new release's.
    monkeypatch.setattr(search, "SHARD_PAGES", 128)
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    monkeypatch.setattr(search, "pagefind_version", lambda: "9.9.9")
    calls = rebuild_after_an_edit(content, out, capsys, monkeypatch)
    # (The edited page went to Pagefind once rendered, before the last index was read: that
    # run is left unused.)
    assert calls[-1] == sorted(indexed_pages(out)) and calls[:-1] in ([], [["guides/beta/index.html"]])
    assert unpacked(index_files(out)) == unpacked(search.published(search.run_pagefind(indexed_pages(out))))


@pytest.mark.parametrize("edit", ["a sentence", "only the updated date"])
def test_a_page_pagefind_leaves_out_does_not_shift_the_pages_cut_from_its_shard(content, tmp_path, capsys, monkeypatch, edit):
    # Pagefind leaves out a page with no word to index (here a title of punctuation and a body it
    # is told to ignore): the pages after it in its shard have other numbers than their places,
    # so that shard is not cut into pieces. An edit that leaves a page's words as they were
    # gives it the same fragment as before: the old one must not stay beside it.
    monkeypatch.setattr(search, "SHARD_PAGES", 128)
    (content / "pages/a-note.md").write_text('---\ntitle: "?"\ndescription: Nothing searchable.\n---\n\n'
                                             '<div data-pagefind-ignore="all">Nothing here is for search.</div>\n')
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    pages = indexed_pages(out)
    guide = content / "guides/beta.md"
    if edit == "a sentence":
        guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))
    else:
        guide.write_text(guide.read_text().replace("date: 2026-02-01", "date: 2026-02-01\nupdated: 2026-05-01"))
    for _ in range(2):  # and the build after it
        code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
        assert code == 0, err
        pages = {**indexed_pages(out), "a-note/index.html": (out / "a-note/index.html").read_bytes()}
        assert unpacked(index_files(out)) == unpacked(search.published(search.run_pagefind(pages)))


def test_an_edits_page_goes_to_pagefind_before_the_last_index_is_read(content, built, capsys, monkeypatch):
    # Pagefind indexes the edited page while the build checks links, writes the feeds and reads
    # the last index; that one run is the edit's only one.
    from sitegen import pipeline

    events = []
    real_start, real_load = search.start_pagefind, pipeline.load_pickle
    monkeypatch.setattr(search, "start_pagefind", lambda pages: events.append(("pagefind", sorted(pages))) or real_start(pages))
    monkeypatch.setattr(pipeline, "load_pickle", lambda path: events.append(("read", path.name)) or real_load(path))
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    pagefind = [event for event in events if event[0] == "pagefind"]
    assert pagefind == [("pagefind", ["guides/beta/index.html"])]
    assert events.index(pagefind[0]) < events.index(("read", search.CACHE))
    assert unpacked(index_files(built)) == unpacked(search.published(search.run_pagefind(indexed_pages(built))))


def test_an_edit_keeps_the_fragments_the_output_holds_and_the_cache_none(content, built, capsys):
    # The fragment files are a third of the index's bytes: the cache leaves them to the output
    # folder, where an edit's build keeps those it did not change.
    import pickle

    from sitegen.cacheguard import read_sealed
    from sitegen.options import BuildOptions

    before = {path: (built / path).stat().st_ino for path in index_files(built) if "/fragment/" in path}
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    after = {path: (built / path).stat().st_ino for path in index_files(built) if "/fragment/" in path}
    assert len(set(before) - set(after)) == len(set(after) - set(before)) == 1  # the edited page's alone
    assert all(after[path] == ino for path, ino in before.items() if path in after)  # the others linked, not written
    cache = pickle.loads(read_sealed(BuildOptions(out_dir=built).state_dir / search.CACHE))
    assert all(fragment is None for _, shard in cache["shards"].values() for _, _, fragment in shard.pages)
    assert set(cache["fragments"]) == set(after) and all(cache["files"][path] is None for path in after)
    assert unpacked(index_files(built)) == unpacked(search.published(search.run_pagefind(indexed_pages(built))))


def test_an_index_whose_fragments_the_output_lacks_is_made_again(content, built, capsys, monkeypatch):
    # A build that fails once its index is made (here, the disk fills as it writes) leaves the
    # cache with fragments the output never got; the next build indexes every page again.
    from sitegen import pipeline

    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(built / "guides"))

    write_changed = pipeline.write_changed
    monkeypatch.setattr(pipeline, "write_changed", full_disk)
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code != 0 and "No space left on device" in err
    monkeypatch.setattr(pipeline, "write_changed", write_changed)
    calls = []
    real_start = search.start_pagefind
    monkeypatch.setattr(search, "start_pagefind", lambda pages: calls.append(sorted(pages)) or real_start(pages))
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0, err
    assert calls[-1] == sorted(indexed_pages(built))  # after the early run on the edited page, every page
    assert unpacked(index_files(built)) == unpacked(search.published(search.run_pagefind(indexed_pages(built))))


def rebuild_after_an_edit(content, out, capsys, monkeypatch) -> list[list[str]]:
    """Edit a guide, build again; the pages of each Pagefind run that build made."""
    calls = []
    real_start = search.start_pagefind  # every Pagefind run starts here
    monkeypatch.setattr(search, "start_pagefind", lambda pages: calls.append(sorted(pages)) or real_start(pages))
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "A word about zeppelins."))
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    monkeypatch.setattr(search, "start_pagefind", real_start)
    return calls


def test_a_writers_search_attributes_survive_the_merge(content, tmp_path, capsys, monkeypatch):
    # Metadata, filters, weights and ignored blocks a writer adds to one page: shards without
    # them have other metadata fields, which the merge renumbers.
    monkeypatch.setattr(search, "SHARD_PAGES", 1)
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text() + (
        '\n<p data-pagefind-meta="author:Ada Lovelace" data-pagefind-filter="topic:pay">By Ada on pay.</p>\n'
        '\n<p data-pagefind-weight="5">Zeppelins weigh more here.</p>\n'
        '\n<div data-pagefind-ignore>Nothing of this is searchable: quokka.</div>\n'))
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    files = index_files(out)
    assert unpacked(files) == unpacked(search.published(search.run_pagefind(indexed_pages(out))))
    [meta] = [name for name in files if name.endswith(".pf_meta")]
    assert cbor.decode(payload(files[meta]))[5] == ["author", "image", "image_alt", "title"]
    assert not any(b"quokka" in data for data in unpacked(files).values())


@pytest.mark.parametrize("damage", ["cut short", "an older layout"])
def test_a_damaged_shard_cache_is_indexed_again(content, tmp_path, capsys, monkeypatch, damage):
    from sitegen.cacheguard import write_sealed_pickle
    from sitegen.options import BuildOptions
    from sitegen.pipeline import load_pickle

    monkeypatch.setattr(search, "SHARD_PAGES", 1)
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    state_dir = BuildOptions(out_dir=out).state_dir
    cache = state_dir / search.CACHE
    if damage == "cut short":
        cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    else:  # as an earlier release kept them: the index alone, and each shard's index without its pages in a file of their own
        known = load_pickle(cache)
        write_sealed_pickle(cache, {"key": known["key"], "files": known["files"]})
        write_sealed_pickle(state_dir / search.OLD_SHARDS_CACHE, {key: index for key, (_, index) in known["shards"].items()})
    calls = rebuild_after_an_edit(content, out, capsys, monkeypatch)
    assert len(calls) == len(indexed_pages(out))  # every shard indexed again, one page each
    assert not (state_dir / search.OLD_SHARDS_CACHE).exists()
    assert unpacked(index_files(out)) == unpacked(search.published(search.run_pagefind(indexed_pages(out))))


def test_the_published_index_does_not_depend_on_pagefinds_hash_map_order():
    # Pagefind lists a site's filters, and each filter's values, in hash-map order, which changes
    # from run to run: the published index must not. The same index with both orders reversed
    # is published byte for byte the same.
    pages = {f"p/{i}/index.html": (f'<html lang="en"><body><main><h1>Page {i}</h1>'
                                   f'<span data-pagefind-filter="role:{"abc"[i % 3]}"></span>'
                                   f'<span data-pagefind-filter="topic:{"xyz"[i % 2]}"></span><p>Words {i}.</p></main></body></html>').encode()
             for i in range(6)}
    files = search.run_pagefind(pages)
    [meta] = [name for name in files if name.endswith(".pf_meta")]
    reversed_files = dict(files)
    decoded = cbor.decode(payload(files[meta]))
    assert len(decoded[3]) == 2
    decoded[3].reverse()
    reversed_files[meta] = gzip.compress(DECODED + cbor.encode(decoded))
    for _, chunk in decoded[3]:
        name, values = cbor.decode(payload(files[f"filter/{chunk}.pf_filter"]))
        reversed_files[f"filter/{chunk}.pf_filter"] = gzip.compress(DECODED + cbor.encode([name, values[::-1]]))
    assert reversed_files != files
    assert search.published(reversed_files) == search.published(files)
    published_meta = cbor.decode(payload(next(data for name, data in search.published(files).items() if name.endswith(".pf_meta"))))
    assert [name for name, _ in published_meta[3]] == ["role", "topic"]


def synthetic_pages(count: int) -> dict[str, bytes]:
    """Pages with enough words for a word index of several chunks, some words on many pages, a
    filter, headings (weighted locations) and titles (meta locations)."""
    import random

    rng = random.Random(15)
    vocabulary = [f"{stem}{suffix}" for stem in ("guid", "group", "high", "level", "lead", "learn", "data", "databas", "x")
                  for suffix in ("", "e", "es", "ing", "ance", "ly", "ed")] + [str(n) for n in range(0, 3000, 7)]
    pages = {}
    for i in range(count):
        words = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(20, 400)))
        role = rng.choice(("data analysts", "DevOps engineers", "backend developers"))
        pages[f"p/{i:04d}/index.html"] = (
            f'<!DOCTYPE html><html lang="en"><head><title>Page {i}</title></head><body><main>'
            f'<h1>Page {i} {rng.choice(vocabulary)}</h1><span data-pagefind-filter="role:{role}"></span>'
            f"<p>{words}</p><h2>More {rng.choice(vocabulary)}</h2><p>{words[::-1]}</p></main></body></html>").encode()
    return pages


def chunk_edge_pages() -> dict[str, bytes]:
    """Pages whose word index has a chunk from "group" to "guid" between chunks ending with
    "goal" and starting with "high": cut to the shortest prefixes, its range would be "gr" to "g",
    so Pagefind keeps its last word whole."""
    words = "bonus " * 185 + "goal " * 10 + "group " * 5 + "guide " * 195 + "high " * 10
    return {f"p/{i:04d}/index.html": f'<html lang="en"><body><main><h1>Page {i}</h1><p>{words}</p></main></body></html>'.encode()
            for i in range(100)}


@pytest.mark.parametrize("make_pages", [lambda: synthetic_pages(240), chunk_edge_pages], ids=["mixed", "chunk-edge"])
def test_merging_shards_of_many_chunks_gives_pagefinds_own_index(make_pages):
    from sitegen.searchmerge import merge, parse_shard

    pages = make_pages()
    whole = search.run_pagefind(pages)
    [meta] = [name for name in whole if name.endswith(".pf_meta")]
    ranges = [(first, last) for first, last, _ in cbor.decode(payload(whole[meta]))[2]]
    assert len(ranges) >= 3  # several chunks: their names and ranges are merged too
    if make_pages is chunk_edge_pages:
        assert ("gr", "guid") in ranges
    order = sorted(pages)
    for cuts in ([0, 1, 2, 70, 99], [0, 60, 61]):
        shards = [order[a:b] for a, b in zip(cuts, cuts[1:] + [len(order)])]
        merged, _, _ = merge([parse_shard(search.run_pagefind({out: pages[out] for out in shard})) for shard in shards], {})
        assert unpacked(search.published(merged)) == unpacked(search.published(whole))
        assert search.in_search_dir(merged) == search.published(merged)  # served as merged: its filters are in order already


def fielded_pages() -> dict[str, bytes]:
    """synthetic_pages, some of them with metadata fields of their own (an image, an author)."""
    pages = synthetic_pages(40)
    for i in (3, 4, 17, 39):
        extra = '<img src="/a.png" alt="A chart">' if i % 2 else '<p data-pagefind-meta="author">Ada Lovelace</p>'
        pages[f"p/{i:04d}/index.html"] = pages[f"p/{i:04d}/index.html"].replace(b"</h1>", b"</h1>" + extra.encode())
    return pages


@pytest.mark.parametrize("make_pages", [lambda: synthetic_pages(240), fielded_pages], ids=["many-chunks", "fields"])
def test_a_shard_cut_into_runs_and_joined_again_is_pagefinds_index_of_those_pages(make_pages):
    # An edit cuts the unchanged runs of pages out of their shards' indexes and joins them with
    # the edited pages' index: each cut and each join must be what Pagefind writes for those
    # pages, including metadata fields only some of them have.
    from sitegen.searchmerge import ShardFormatError, joined, merge, parse_shard, sliced, sliced_runs

    pages = make_pages()
    order = sorted(pages)
    whole = parse_shard(search.run_pagefind(pages))

    def own_index(outs):
        return unpacked(search.published(search.run_pagefind({out: pages[out] for out in outs})))

    def published(shard):
        return unpacked(search.published(merge([shard], {})[0]))

    for start, stop in ((0, 1), (3, 5), (5, 18), (len(order) - 1, len(order))):
        assert published(sliced(whole, start, stop)) == own_index(order[start:stop])
    cuts = [0, 4, 5, 17, 18, len(order)]
    pieces = [sliced(whole, a, b) for a, b in zip(cuts, cuts[1:])]
    assert published(joined(pieces)) == own_index(order)
    assert published(joined(pieces[:2] + pieces[3:])) == own_index(order[:5] + order[17:])
    # Several runs cut in one reading of each word, the last ending the shard or not.
    for runs in ([(0, 4), (5, 17), (18, len(order))], [(3, 5), (6, 9)], [(1, len(order))]):
        for (start, stop), piece in zip(runs, sliced_runs(whole, runs)):
            assert published(piece) == own_index(order[start:stop])
    for runs in ([(0, 5), (4, 9)], [(5, 9), (0, 4)], [(3, 3)], [(0, len(order) + 1)]):
        with pytest.raises(ShardFormatError):
            sliced_runs(whole, runs)


def test_shards_are_runs_that_an_added_page_changes_locally(monkeypatch):
    monkeypatch.setattr(search, "SHARD_PAGES", 8)
    order = [f"guides/g{i:05d}/index.html" for i in range(2000)]
    shards = search.shards_of(order)
    assert [out for shard in shards for out in shard] == order
    assert max(map(len, shards)) <= 16 and 2000 / 16 <= len(shards) <= 2000 / 4
    grown = search.shards_of(sorted(order + ["guides/g01000x/index.html"]))
    changed = [shard for shard in grown if shard not in shards]
    assert len(changed) <= 3 and any("guides/g01000x/index.html" in shard for shard in changed)


def test_chunk_ranges_and_names_follow_pagefinds_rules():
    from sitegen.searchmerge import pagefind_hash, shortest_prefixes, taken_name

    assert shortest_prefixes("analyst", "api") == ("an", "ap")
    assert shortest_prefixes("data", "databas") == ("data", "datab")
    assert shortest_prefixes("guid", "high") == ("g", "h")
    assert pagefind_hash(b"") == "da39a3ee5e6b4bd3255bfef95601890afd879"  # 0x0d and 0x07 written as d and 7
    assert taken_name("en_abcdef0123", {}, "en") == "en_abcdef0"
    assert taken_name("en_abcdef0123", {"en_abcdef0": b""}, "en") == "en_abcdef012"


def test_cbor_round_trips_what_pagefinds_files_hold():
    value = ["role", [["zeta", [3, 1]], ["alpha", [0, 2, 400, 70000]]], [-25, 6, -169, 0, -1, 2**40], "ünïcode", []]
    assert cbor.decode(cbor.encode(value)) == value
    assert cbor.encode(70000) == b"\x1a\x00\x01\x11\x70" and cbor.encode(-25) == b"\x38\x18"
    for broken in (b"\x81\x00\x00", b"\x9f\x00\xff", b"\x41\x00"):  # a byte too many; indefinite length; a byte string
        with pytest.raises(ValueError):
            cbor.decode(broken)


def test_an_index_the_merge_does_not_know_is_refused_in_one_line(content, tmp_path, capsys, monkeypatch):
    from sitegen.searchmerge import ShardFormatError, parse_shard

    sorted_pages = {"p/index.html": b'<html lang="en"><body><main><p data-pagefind-sort="date:2024">x</p></main></body></html>'}
    with pytest.raises(ShardFormatError, match="sort orders"):
        parse_shard(search.run_pagefind(sorted_pages))

    def refuse(files):
        raise ShardFormatError("sort orders")

    monkeypatch.setattr(search, "parse_shard", refuse)
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 1 and "Traceback" not in err and not out.exists()
    assert [line for line in err.splitlines() if "pagefind" in line] == [
        "sitegen/search.py:1: cannot merge pagefind's indexes of the shards: sort orders"], err


def test_pagefind_that_cannot_run_is_one_line_and_nothing_is_written(content, tmp_path, capsys, monkeypatch):
    import pagefind_bin

    monkeypatch.setattr(pagefind_bin, "get_executable", lambda: tmp_path / "no-such-pagefind")
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 1
    problems = [line for line in err.splitlines() if "pagefind" in line]
    assert len(problems) == 1 and problems[0].startswith("sitegen/search.py:1: cannot run pagefind"), err
    assert "Traceback" not in err and not out.exists()


class BlockedService:
    """An Indexer whose service reads nothing until released: a Pagefind busy indexing."""
    release = None

    def __init__(self, order):
        self.order, self.next = list(order), 0

    def add(self, out, html):
        BlockedService.release.wait(10)
        self.next += 1

    def raw_files(self):
        return {}

    def close(self):
        pass


def test_pages_go_to_pagefind_without_holding_up_the_build(monkeypatch):
    # A service that stops reading its pipe must not stop the build's main thread, which would
    # otherwise stop taking rendered pages from the workers.
    import threading

    BlockedService.release = threading.Event()
    monkeypatch.setattr(search, "Indexer", BlockedService)
    monkeypatch.setattr(search, "parse_shard", lambda files: "parsed")
    order = [f"guides/g{i}/index.html" for i in range(5)]
    indexer = search.ShardedIndexer(order)
    for out in order:
        indexer.add(out, b"<html></html>")  # returns while the service is blocked
    assert indexer.sender.is_alive() and indexer.indexers[0].next == 0
    BlockedService.release.set()
    assert indexer.shard_indexes() == ["parsed"]
    indexer.close()


def test_a_failure_in_the_thread_feeding_pagefind_is_one_line(monkeypatch):
    import threading

    BlockedService.release = threading.Event()
    BlockedService.release.set()
    monkeypatch.setattr(search, "Indexer", BlockedService)
    indexer = search.ShardedIndexer(["guides/a/index.html"])
    indexer.add("guides/not-in-the-order/index.html", b"")
    with pytest.raises(search.SearchIndexError, match=r"^pagefind was not given the pages \(KeyError: .*not-in-the-order") as raised:
        indexer.shard_indexes()
    assert "\n" not in str(raised.value)
    indexer.close()
