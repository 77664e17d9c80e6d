"""Determinism, incremental rebuilds, the temporary-folder swap, and HTML validity."""

from __future__ import annotations

import pytest

from conftest import run_cli, tree


def test_same_input_gives_byte_identical_output(content, tmp_path, capsys):
    first, second = tmp_path / "one", tmp_path / "two"
    assert run_cli("build", "--content", content, "--out", first, capsys=capsys)[0] == 0
    assert run_cli("build", "--content", content, "--out", second, capsys=capsys)[0] == 0
    assert tree(first) == tree(second)


def test_incremental_rebuild_matches_a_fresh_full_build(content, built, tmp_path, capsys):
    alpha = content / "guides/beta.md"
    alpha.write_text(alpha.read_text().replace("Nothing more to say.", "A new sentence."), encoding="utf-8")
    (content / "guides/more/gamma.md").write_text((content / "guides/more/gamma.md").read_text()
                                                   .replace("title: Gamma, a nested guide", "title: Gamma, a renamed guide"))

    code, out, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0
    written = int(out.split(" rendered, ")[1].split(" files written")[0])
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0

    assert tree(built) == tree(fresh)
    assert "A new sentence." in (built / "guides/beta/index.html").read_text()
    # alpha lists gamma as related, so its page changed with gamma's title; the rest stayed as they were
    assert "Gamma, a renamed guide" in (built / "guides/alpha/index.html").read_text()
    assert written < len(tree(fresh)) / 2


def test_unchanged_rebuild_writes_nothing(content, built, capsys):
    before = {p: p.stat().st_mtime_ns for p in built.rglob("*") if p.is_file()}
    code, out, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0 and "up to date" in out
    assert before == {p: p.stat().st_mtime_ns for p in built.rglob("*") if p.is_file()}


def test_tampered_output_is_rebuilt_whole(content, built, capsys):
    expected = tree(built)
    (built / "guides/alpha/index.html").unlink()
    (built / "stray.txt").write_text("left over")
    (built / "about/index.html").write_text("edited by hand")

    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert tree(built) == expected


def test_removed_guide_disappears_from_the_output(content, built, capsys):
    (content / "guides/more/gamma.md").unlink()
    alpha = content / "guides/alpha.md"
    alpha.write_text(alpha.read_text().replace("related: [gamma-custom]\n", ""), encoding="utf-8")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert not (built / "guides/gamma-custom").exists()
    assert "gamma-custom" not in (built / "sitemap.xml").read_text()


def test_every_page_is_valid_html(subpath_site, built, real_site):
    """The current Nu HTML Checker over every page of the fixture builds (root and sub-path) and
    the real content: no error, no warning, no info message, but for the JSON-LD note (nu.py)."""
    from nu import check_sites

    checked, messages = check_sites([subpath_site, built, real_site])
    assert checked >= 60
    assert messages == []


def test_stale_build_state_is_pruned(tmp_path):
    import os
    import time

    from sitegen.output import prune_stale

    old, recent, current, runtime = (tmp_path / name for name in ("old", "recent", "current", "runtime"))
    for folder in (old, recent, current, runtime):
        folder.mkdir()
        (folder / "state.pickle").write_bytes(b"x")
    long_ago = time.time() - 30 * 86400
    for folder in (old, current, runtime):
        os.utime(folder, (long_ago, long_ago))

    prune_stale(tmp_path, keep=current, max_age_days=7)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "recent", "runtime"]


def test_a_body_edit_builds_only_the_edited_pages_context_and_matches_a_fresh_build(content, built, tmp_path, capsys, monkeypatch):
    # Every file's fields and every link target as the last build had them: the last build's
    # plan is taken, and a page made from an unchanged file as that build wrote it, without its
    # context being built again.
    # Its frontmatter was parsed before: no YAML is read, and the parse cache is left as it was.
    from sitegen import content as content_mod, context, pipeline
    from sitegen.options import BuildOptions

    made, planned, parsed = [], [], []
    real = context.page_context
    monkeypatch.setattr(context, "page_context", lambda site, page, *rest: made.append(page.path) or real(site, page, *rest))
    monkeypatch.setattr(pipeline.Site, "plan_pages", lambda site, real=pipeline.Site.plan_pages: planned.append(1) or real(site))
    monkeypatch.setattr(content_mod, "load_fields", lambda source, *rest, real=content_mod.load_fields: parsed.append(source.rel) or real(source, *rest))
    parse_cache = BuildOptions(out_dir=built).state_dir / pipeline.PARSED_CACHE
    kept = parse_cache.stat().st_mtime_ns
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text().replace("Nothing more to say.", "A new sentence."), encoding="utf-8")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert made == ["guides/beta/"] and planned == [] and parsed == []
    assert parse_cache.stat().st_mtime_ns == kept

    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0
    assert planned == [1]  # a first build plans
    assert tree(built) == tree(fresh)
    assert "A new sentence." in (built / "guides/beta/index.html").read_text()

    beta.write_text(beta.read_text().replace("title: ", "title: Retitled "), encoding="utf-8")
    parsed.clear()
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert planned == [1, 1] and "Retitled Beta" in (built / "guides/beta/index.html").read_text()
    assert parsed == ["guides/beta.md"] and parse_cache.stat().st_mtime_ns != kept


def test_a_body_edit_that_removes_an_anchor_fails_on_the_unchanged_page_linking_to_it(content, built, capsys):
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text().replace("## Second section", "## Another section"), encoding="utf-8")
    before = tree(built)
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code != 0
    assert "alpha.md:12: link 'beta.md#second-section': no heading or anchor '#second-section' in guides/beta.md" in err
    assert tree(built) == before


def edit_beta(content, sentence: str) -> None:
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text() + f"\n{sentence}\n", encoding="utf-8")


def test_a_spare_folder_changed_by_hand_is_not_built_on(content, built, tmp_path, capsys):
    # An edit's build starts from the spare folder (the output before the last one) when it
    # holds what the build state says; one changed by hand is set aside.
    edit_beta(content, "First edit.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    spare = built.parent / f".{built.name}.spare"
    assert (spare / "about/index.html").is_file()
    (spare / "about/index.html").unlink()
    (spare / "about/index.html").write_text("edited by hand")  # a new file: the output keeps its own
    edit_beta(content, "Second edit.")
    code, out, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0 and "1 rendered" in out

    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0
    assert tree(built) == tree(fresh)


def test_the_output_and_spare_folders_are_checked_in_another_process(content, built, capsys, monkeypatch):
    # Two walks of every output file, made while the build reads its content; the build's own
    # process only asks again when the spare folder was replaced meanwhile.
    from sitegen import output

    walked = []
    real = output.files_match
    monkeypatch.setattr(output, "files_match", lambda folder, files: walked.append(folder.name) or real(folder, files))
    edit_beta(content, "First edit.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    edit_beta(content, "Second edit.")
    code, out, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0 and "1 rendered" in out
    assert walked == []
    assert "Second edit." in (built / "guides/beta/index.html").read_text()


def test_a_build_beside_other_threads_checks_its_folders_in_its_own_process(content, built, capsys, monkeypatch):
    # `serve` builds while its server threads run: no fork then, the walks are made in place.
    import threading

    from sitegen import output

    walked = []
    real = output.files_match
    monkeypatch.setattr(output, "files_match", lambda folder, files: walked.append(folder.name) or real(folder, files))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        edit_beta(content, "Built beside another thread.")
        code, out, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    finally:
        stop.set()
        other.join()
    assert code == 0 and "1 rendered" in out
    assert built.name in walked
    assert "Built beside another thread." in (built / "guides/beta/index.html").read_text()


def test_a_spare_folder_still_being_made_is_walked_by_the_folder_check_once_it_is_whole(content, built, capsys, monkeypatch):
    # Right after a first build, the spare folder is made by a detached process holding the
    # output's lock: the next build's folder check waits for it, not the build.
    import os
    import shutil
    import subprocess
    import sys
    import time

    from sitegen import output
    from sitegen.options import BuildOptions, cache_root
    from sitegen.output import FolderCheck, load_state, lock_folder

    edit_beta(content, "An edit, so a spare folder exists.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    state = load_state(BuildOptions(content_dir=content, out_dir=built, cache_dir=cache_root()).state_dir)
    spare = built.parent / f".{built.name}.spare"
    aside = built.parent / "spare-aside"
    walked = []
    real = output.files_match
    monkeypatch.setattr(output, "files_match", lambda folder, files: walked.append(folder.name) or real(folder, files))

    spare.rename(aside)
    maker = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); "
                              "fcntl.flock(fd, fcntl.LOCK_EX); print(flush=True); sys.stdin.read()", str(built.parent)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # the spare's maker, at work
    maker.stdout.readline()
    check = FolderCheck(built, state.files, state.spare)
    assert check.output_matches()
    time.sleep(0.2)
    aside.rename(spare)  # made whole
    maker.kill()  # and the lock let go (its input would not end: the check's process holds a copy of it)
    maker.wait()
    maker.stdin.close()
    maker.stdout.close()
    time.sleep(0.5)  # the check walks it meanwhile
    lock = lock_folder(built.parent)  # as Staging asks
    try:
        assert check.spare_matches() and walked == []
    finally:
        os.close(lock)

    # A check that could not walk the spare before this process took the lock answers by
    # walking it here, and its child is stopped rather than waited for.
    lock = lock_folder(built.parent)
    try:
        waiting = FolderCheck(built, state.files, state.spare)
        assert waiting.output_matches()
        pid = waiting.pid
        assert waiting.spare_matches() and walked == [spare.name]
        with pytest.raises(ChildProcessError):  # stopped and reaped
            os.waitpid(pid, os.WNOHANG)
    finally:
        os.close(lock)
    shutil.rmtree(spare)
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0


def test_the_folder_check_answers_for_each_folder_and_leaves_no_process_behind(content, built, capsys):
    import os

    from sitegen.options import BuildOptions, cache_root
    from sitegen.output import FolderCheck, load_state

    edit_beta(content, "An edit, so a spare folder exists.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    state = load_state(BuildOptions(content_dir=content, out_dir=built, cache_dir=cache_root()).state_dir)
    check = FolderCheck(built, state.files, state.spare)
    pid = check.pid
    assert check.output_matches() and check.spare_matches()
    check.close()
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(pid, os.WNOHANG)

    spare_page = built.parent / f".{built.name}.spare" / "about/index.html"
    spare_page.unlink()  # a hard link to the output's page: replaced, not written through
    spare_page.write_text("changed")
    stopped = FolderCheck(built, state.files, state.spare)
    assert stopped.output_matches()
    stopped.close()  # while the spare may still be walked: stopped, not waited for
    changed = FolderCheck(built, state.files, state.spare)
    assert changed.output_matches() and not changed.spare_matches()
    changed.close()


def test_an_edits_build_through_build_py_runs_the_cyclic_collector_not_once(content, built, tmp_path):
    # A build makes many objects that live until it ends and few cycles: at Python's default
    # threshold the collector walked them some 130 times in an edit's build at 1,000 guides.
    import os
    import subprocess
    import sys

    from conftest import ROOT

    edit_beta(content, "An edit built by the command.")
    script = ("import gc, sys\n"
              "sys.path.insert(0, sys.argv[1])\n"
              "import build\n"
              "runs = []\n"
              "gc.callbacks.append(lambda phase, info: phase == 'start' and runs.append(info['generation']))\n"
              "code = build.main(['build', '--content', sys.argv[2], '--out', sys.argv[3]])\n"
              "print(code, len(runs), gc.get_count()[0] > 0)\n")
    done = subprocess.run([sys.executable, "-c", script, str(ROOT), str(content), str(built)], capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    code, runs, allocated = done.stdout.splitlines()[-1].split()  # after the build's own report
    assert (code, runs, allocated) == ("0", "0", "True")
    assert "An edit built by the command." in (built / "guides/beta/index.html").read_text()


# -- content files not read again -------------------------------------------------------------

@pytest.fixture
def settled_at_once(monkeypatch):
    """Content files count as settled as soon as a build starts after them, as they do two
    seconds after their last change."""
    from sitegen import contentpolicy

    monkeypatch.setattr(contentpolicy, "SETTLED_NS", 0)


@pytest.fixture
def settled_site(settled_at_once, content, tmp_path, capsys):
    """The basic fixture built with its files settled: the next build reads only what changed."""
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 0, err
    return out


def opened_content(monkeypatch) -> list[str]:
    """The names of the files read_content opens from now on."""
    from pathlib import Path

    from sitegen import contentpolicy

    opened: list[str] = []
    monkeypatch.setattr(contentpolicy, "open", lambda path, *args, **kwargs: opened.append(Path(path).name) or open(path, *args, **kwargs),
                        raising=False)
    return opened


def test_an_edit_reads_only_the_file_it_changed_and_a_build_with_nothing_changed_none(content, settled_site, tmp_path, capsys, monkeypatch):
    out = settled_site
    opened = opened_content(monkeypatch)
    edit_beta(content, "A sentence the edit adds.")
    assert run_cli("build", "--content", content, "--out", out, capsys=capsys)[0] == 0
    assert sorted(opened) == ["beta.md", "chart.svg"]  # media are read on every build
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0
    assert tree(out) == tree(fresh)
    assert "A sentence the edit adds." in (out / "guides/beta/index.html").read_text()

    opened.clear()
    code, printed, _ = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 0 and "up to date" in printed and opened == ["chart.svg"]
    # Other settings (here the base URL) may read a file otherwise: every file is read.
    assert run_cli("build", "--content", content, "--out", out, "--base-url", "https://example.org/", capsys=capsys)[0] == 0
    assert sorted(opened).count("alpha.md") == 1 and len(opened) == 1 + len(list(content.rglob("*.*")))


def test_a_file_changed_back_to_its_size_and_time_is_read_again(content, settled_site, capsys, monkeypatch):
    import os

    built, opened = settled_site, opened_content(monkeypatch)
    beta = content / "guides/beta.md"
    before = beta.stat()
    beta.write_text(beta.read_text().replace("Nothing more to say.", "Nothing less to say."), encoding="utf-8")
    os.utime(beta, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -d` or `cp -p` would
    assert (beta.stat().st_size, beta.stat().st_mtime_ns, beta.stat().st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert opened == ["beta.md", "chart.svg"] and "Nothing less to say." in (built / "guides/beta/index.html").read_text()


def test_a_file_changed_within_its_timestamp_step_is_read_until_it_settles(content, built, capsys):
    # The fixture was copied just now: none of its files has been left alone for two seconds.
    from sitegen.options import BuildOptions
    from sitegen.output import load_state

    edit_beta(content, "Changed.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert load_state(BuildOptions(out_dir=built).state_dir).sources == {}


def test_a_link_breaking_in_a_file_not_read_is_placed_on_its_line(content, settled_site, capsys, monkeypatch):
    built = settled_site
    opened = opened_content(monkeypatch)
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text().replace("## Second section", "## Another section"), encoding="utf-8")
    before = tree(built)
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code != 0 and "alpha.md" not in opened  # read for its line only: by content.read_body
    assert "alpha.md:12: link 'beta.md#second-section': no heading or anchor '#second-section' in guides/beta.md" in err
    assert tree(built) == before


def test_a_file_changed_after_its_signature_was_taken_stops_the_build_unwritten(content, settled_site, capsys, monkeypatch):
    # The race a signature cannot see: alpha.md changes after the build took its signature and
    # before it read its body (for the line of a link that broke).
    from sitegen import pipeline

    built = settled_site
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text().replace("## Second section", "## Another section"), encoding="utf-8")
    alpha = content / "guides/alpha.md"
    real = pipeline.Site.check_links

    def changed_then_checked(site, results):
        alpha.write_text(alpha.read_text() + "\nLate.\n", encoding="utf-8")
        return real(site, results)

    monkeypatch.setattr(pipeline.Site, "check_links", changed_then_checked)
    before = tree(built)
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code != 0
    assert "guides/alpha.md:1: changed while the build was reading the content; build again" in err
    assert tree(built) == before


def test_frontmatter_read_by_another_reader_is_read_again(content, built, capsys, monkeypatch):
    # The parse cache holds fields as this release's content.py and YAML library read them:
    # after an upgrade of either, every file's frontmatter is parsed again.
    from sitegen import content as content_mod

    parsed = []
    monkeypatch.setattr(content_mod, "load_fields", lambda source, *rest, real=content_mod.load_fields: parsed.append(source.rel) or real(source, *rest))
    edit_beta(content, "A body edit.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert parsed == []
    monkeypatch.setattr(content_mod, "reader_version", lambda: "another reader")
    edit_beta(content, "Another body edit.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert sorted(parsed) == sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md"))


@pytest.mark.parametrize("in_workers", [True, False], ids=["workers", "this-process"])
def test_a_page_whose_file_changed_under_the_build_is_neither_written_nor_cached(content, settled_site, tmp_path, capsys, monkeypatch, in_workers):
    # gamma.md is not read (its signature is the last build's), then changes before its page
    # needs its body: the hub's new title is in every guide's breadcrumb, and the renderings
    # are gone, so each guide's markdown is rendered again from its body.
    import shutil

    from sitegen import pipeline
    from sitegen.options import BuildOptions

    built = settled_site
    gamma = content / "guides/more/gamma.md"
    original = gamma.read_text()
    hub = content / "roles/backend-developer.md"
    hub.write_text(hub.read_text().replace("title: Backend developer guides", "title: Guides for backend developers"), encoding="utf-8")
    shutil.rmtree(BuildOptions(out_dir=built).state_dir / pipeline.MARKDOWN_CACHE)
    monkeypatch.setattr(pipeline, "worth_a_pool", lambda *counts: in_workers)
    real = pipeline.Site.gather

    def gathered_then_changed(site, *args):
        real(site, *args)
        gamma.write_text(original + "\nSomething else.\n", encoding="utf-8")

    monkeypatch.setattr(pipeline.Site, "gather", gathered_then_changed)
    before = tree(built)
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code != 0 and "guides/more/gamma.md:1: changed while the build was reading the content; build again" in err
    assert tree(built) == before

    # The change undone: the next build is what a first build makes, nothing of the failed one kept.
    monkeypatch.setattr(pipeline.Site, "gather", real)
    gamma.write_text(original, encoding="utf-8")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0
    assert tree(built) == tree(fresh)


def test_a_build_in_the_same_process_after_the_build_state_was_removed_makes_its_folders_again(content, built, capsys):
    # `serve` builds in one process: a user may clear the cache between two of its builds.
    import shutil

    from sitegen.options import BuildOptions

    shutil.rmtree(BuildOptions(out_dir=built).state_dir)
    edit_beta(content, "After the cache was cleared.")
    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0, err
    assert "After the cache was cleared." in (built / "guides/beta/index.html").read_text()


def test_a_build_with_nothing_to_do_reads_no_page_records_and_stray_ones_are_not_trusted(content, built, tmp_path, capsys, monkeypatch):
    import shutil

    from sitegen import pipeline
    from sitegen.options import BuildOptions
    from sitegen.output import PAGES_FILE

    read = []
    monkeypatch.setattr(pipeline, "load_pages", lambda *args, real=pipeline.load_pages: read.append(1) or real(*args))
    code, printed, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0 and "up to date" in printed and read == []
    edit_beta(content, "First edit.")
    code, printed, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    assert code == 0 and read == [1] and "(1 rendered" in printed

    # The page records another build left (as when a build stops between writing the state and
    # them) are not taken for this one's: every page is made again.
    pages = BuildOptions(out_dir=built).state_dir / PAGES_FILE
    shutil.copy(pages, tmp_path / "older")
    edit_beta(content, "Second edit.")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    shutil.copy(tmp_path / "older", pages)
    edit_beta(content, "Third edit.")
    code, printed, _ = run_cli("build", "--content", content, "--out", built, capsys=capsys)
    pages_built = int(printed.split("built ")[1].split(" pages")[0])
    assert code == 0 and f"({pages_built} rendered" in printed
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0
    assert tree(built) == tree(fresh)
