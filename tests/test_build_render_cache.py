"""The render cache: markdown renderings kept by content hash between builds, in a few pack files."""

from __future__ import annotations

from conftest import run_cli

from sitegen import markup
from sitegen.markup import MarkdownCache, render_markdown
from sitegen.options import BuildOptions
from sitegen.pipeline import MARKDOWN_CACHE


def rendering(text: str) -> markup.Rendered:
    return render_markdown(f"## {text}\n\nSome words about {text}.\n")


def keys(count: int, first: str = "") -> list[str]:
    """Cache keys; with `first`, all starting with that digit, so all in one pack."""
    return [first + markup.cache_key(str(n))[len(first):] for n in range(count)]


def test_renderings_come_back_in_a_later_build(tmp_path):
    cache = MarkdownCache(tmp_path)
    stored = {key: rendering(key[:8]) for key in keys(50)}
    for key, value in stored.items():
        cache.put(key, value)
    cache.close(set(stored))

    later = MarkdownCache(tmp_path)
    assert all(later.get(key) == value for key, value in stored.items())
    assert not later.has(markup.cache_key("never rendered"))
    # one pack per leading hash digit, not one file per rendering
    assert 1 < len(list(tmp_path.iterdir())) <= MarkdownCache.SHARDS


def test_a_pack_cut_short_keeps_its_complete_renderings(tmp_path):
    cache = MarkdownCache(tmp_path)
    first, second = keys(2, first="a")
    cache.put(first, rendering("first"))
    cache.put(second, rendering("second"))
    cache.close({first, second})
    pack = tmp_path / "a.pack"
    pack.write_bytes(pack.read_bytes()[:-5])  # a build stopped in the middle of a write

    later = MarkdownCache(tmp_path)
    assert later.get(first) == rendering("first")
    assert later.get(second) is None


def test_a_damaged_pack_is_rewritten_so_later_renderings_stay_readable(tmp_path):
    cache = MarkdownCache(tmp_path)
    first, second = keys(2, first="a")
    cache.put(first, rendering("first"))
    cache.close({first})
    pack = tmp_path / "a.pack"
    pack.write_bytes(pack.read_bytes() + b"\xff torn write")

    later = MarkdownCache(tmp_path)
    assert later.get(first) == rendering("first")
    later.put(second, rendering("second"))  # appended after the damage
    later.close({first, second})

    again = MarkdownCache(tmp_path)
    assert again.get(first) == rendering("first") and again.get(second) == rendering("second")


def test_a_mostly_stale_pack_is_compacted_and_a_mostly_live_one_left_alone(tmp_path):
    cache = MarkdownCache(tmp_path)
    in_a, in_b = keys(4, first="a"), keys(4, first="b")
    for key in in_a + in_b:
        cache.put(key, rendering(key[-4:]))
    cache.close(set(in_a + in_b))
    sizes = {name: (tmp_path / f"{name}.pack").stat().st_size for name in "ab"}

    later = MarkdownCache(tmp_path)
    assert later.has(in_a[0]) and later.has(in_b[0])  # both packs read
    later.close({in_a[0]} | set(in_b[:3]))  # a: 3 of 4 stale; b: 1 of 4 stale

    assert (tmp_path / "a.pack").stat().st_size < sizes["a"] / 2
    assert (tmp_path / "b.pack").stat().st_size == sizes["b"]
    again = MarkdownCache(tmp_path)
    assert again.has(in_a[0]) and not any(again.has(key) for key in in_a[1:])


def test_new_renderings_go_to_disk_not_memory_and_a_compaction_keeps_them(tmp_path):
    # A cold build reads every (empty) pack before rendering: the renderings it appends must not
    # pile up in memory (some 50 MB at 10,000 guides), yet a pack compacted at the end keeps them.
    cache = MarkdownCache(tmp_path)
    old = keys(4, first="a")
    for key in old:
        cache.put(key, rendering(key[-4:]))
    cache.close(set(old))

    later = MarkdownCache(tmp_path)
    assert later.has(old[0])  # pack a read
    new = "a" + markup.cache_key("new one")[1:]
    later.put(new, rendering("new one"))
    assert new not in later.loaded["a"]
    size = (tmp_path / "a.pack").stat().st_size
    later.close({new})  # the four old ones stale: the pack is compacted

    assert (tmp_path / "a.pack").stat().st_size < size
    again = MarkdownCache(tmp_path)
    assert again.get(new) == rendering("new one") and not any(again.has(key) for key in old)


def test_a_settings_change_renders_every_page_but_no_markdown_again(content, tmp_path, capsys, monkeypatch):
    out = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    packs = BuildOptions(out_dir=out).state_dir / MARKDOWN_CACHE
    assert packs.is_dir() and all(p.suffix == ".pack" for p in packs.iterdir())

    calls = []
    monkeypatch.setattr(markup, "render_markdown", lambda text: calls.append(text) or render_markdown(text))
    code, out_text, _ = run_cli("build", "--content", content, "--out", out, "--base-url", "https://example.net/", capsys=capsys)
    assert code == 0
    assert "https://example.net/guides/alpha/" in (out / "guides/alpha/index.html").read_text()
    assert calls == []

    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "One more thing to say."), encoding="utf-8")
    assert run_cli("build", "--content", content, "--out", out, "--base-url", "https://example.net/", capsys=capsys)[0] == 0
    assert len(calls) == 1 and "One more thing to say." in calls[0]
