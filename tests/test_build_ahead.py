"""Markdown rendered ahead: a first build renders its pages' markdown in another process while it
gathers and plans, and the render stage takes those renderings instead of making them again."""

from __future__ import annotations

import multiprocessing

import pytest

from conftest import run_cli, tree

from sitegen import ahead, markup, pipeline


def first_build(content, out, capsys, monkeypatch, min_files: int) -> list[str]:
    """A first build of content into out; the markdown its own process rendered."""
    monkeypatch.setattr(ahead, "MIN_FILES", min_files)
    real_stop = ahead.Ahead.stop  # the render stage waits for every rendering made ahead
    monkeypatch.setattr(ahead.Ahead, "stop", lambda self, wait=False: real_stop(self, wait=True))
    rendered_here = []
    real_render = markup.render_markdown
    monkeypatch.setattr(markup, "render_markdown", lambda text: rendered_here.append(text) or real_render(text))
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 0, err
    assert multiprocessing.active_children() == []  # the process rendering ahead has ended
    return rendered_here


def test_a_first_build_takes_the_markdown_rendered_ahead_and_writes_the_same_site(content, tmp_path, capsys, monkeypatch):
    without = first_build(content, tmp_path / "without", capsys, monkeypatch, min_files=10**9)
    with_ahead = first_build(content, tmp_path / "with", capsys, monkeypatch, min_files=1)
    assert len(without) >= 5  # every guide and page rendered by the build itself
    assert with_ahead == []  # all of them rendered ahead, in the other process
    assert tree(tmp_path / "with") == tree(tmp_path / "without")


def test_a_rendering_made_ahead_is_not_added_again_to_a_cache_that_has_it(content, tmp_path, capsys, monkeypatch):
    # An output folder deleted by hand is built afresh, with the markdown cache still full.
    import shutil

    from sitegen.markup import read_pack
    from sitegen.options import BuildOptions

    out = tmp_path / "site"
    first_build(content, out, capsys, monkeypatch, min_files=1)
    packs = BuildOptions(out_dir=out).state_dir / pipeline.MARKDOWN_CACHE
    before = {pack.name: pack.read_bytes() for pack in packs.iterdir()}
    assert sum(len(read_pack(pack)[0]) for pack in packs.iterdir()) >= 5
    shutil.rmtree(out)
    first_build(content, out, capsys, monkeypatch, min_files=1)
    assert {pack.name: pack.read_bytes() for pack in packs.iterdir()} == before


def test_an_edit_does_not_render_ahead(content, tmp_path, capsys, monkeypatch):
    out = tmp_path / "site"
    first_build(content, out, capsys, monkeypatch, min_files=1)
    started = []
    monkeypatch.setattr(ahead, "Ahead", lambda *args: started.append(args))
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text() + "\nOne more sentence.\n")
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    assert started == []  # the last build's pages are reused: one page to render, nothing to do ahead


@pytest.mark.parametrize("problem", ["content", "template"])
def test_a_build_that_fails_leaves_no_process_rendering_ahead(content, tmp_path, monkeypatch, problem):
    import shutil

    from sitegen.options import TEMPLATES, BuildOptions
    from sitegen.problems import ContentErrors

    monkeypatch.setattr(ahead, "MIN_FILES", 1)
    started = []  # held here, so nothing but the build itself can end its process
    real_ahead = ahead.Ahead
    monkeypatch.setattr(ahead, "Ahead", lambda *args: started.append(real_ahead(*args)) or started[-1])
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    if problem == "content":
        (content / "guides/broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    else:  # fails before any page renders, while the other process may still be rendering
        (templates / "guide.html").write_text("{% if %}")
    with pytest.raises(ContentErrors):
        pipeline.build(BuildOptions(content_dir=content, out_dir=tmp_path / "site", templates_dir=templates))
    assert len(started) == 1 and started[0].process is None
    assert multiprocessing.active_children() == []
