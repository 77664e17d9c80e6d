"""What search and social cards cost: the cold N-guide build with the Pagefind index and the
cards, beside the same build without them, the time of each of the two stages, and the bytes a
guide page gains before the reader touches the search box (against another git revision).

    .venv/bin/python bench/readers.py                    # N=1,000, 3 cold builds of each kind
    .venv/bin/python bench/readers.py --n 100 --runs 1 --against main

The cards stage is the time to start drawing them plus the wait for them after the index, which
they are drawn alongside. The index stage is the time to start Pagefind, which then indexes each
page while the others render (in a cold build), plus the wait for the index after rendering. "Without" builds run the same pipeline with the two stages replaced by
ones that return no files, in the same kind of fresh process; nothing else differs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

# The benchmark's modules are imported by the parent only: a child is a build and nothing else.


def child(mode: str, content: Path, out: Path) -> dict:
    """One build in this process; returns its wall time and the time spent in each stage."""
    import build  # noqa: F401  (the process set up as the command sets it up)
    import sitegen.pipeline as pipeline
    from sitegen.cli import main

    spent = {"index": 0.0, "cards": 0.0}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    if mode == "bare":
        pipeline.Site.start_index = lambda self: None
        pipeline.Site.start_changed_index = lambda self, results: None
        pipeline.Site.search_index = lambda self, results: {}
        pipeline.Site.page_card = lambda self, page: None
        pipeline.card_files = lambda cards, folder, drawn, present: dict
    else:
        pipeline.Site.start_index = timed("index", pipeline.Site.start_index)  # Pagefind then indexes while pages render
        pipeline.Site.start_changed_index = timed("index", pipeline.Site.start_changed_index)  # an edit's pages, once rendered
        pipeline.Site.search_index = timed("index", pipeline.Site.search_index)
        starting = timed("cards", pipeline.card_files)  # reading the cache and starting the pool
        pipeline.card_files = lambda cards, folder, drawn, present: timed("cards", starting(cards, folder, drawn, present))  # and waiting
    started = time.perf_counter()
    code = main(["build", "--content", str(content), "--out", str(out)])
    return {"code": code, "seconds": time.perf_counter() - started, **spent}


def cards_alone(content: Path, out: Path) -> dict:
    """Every card of the site drawn one after another in this process, as a cold build's workers
    draw them with the pages: the CPU time of the drawing alone (gathering and planning the site,
    which the build does anyway, not counted)."""
    from sitegen.cards import draw
    from sitegen.context import card_of
    from sitegen.contentpolicy import read_content
    from sitegen.options import BuildOptions
    from sitegen.pipeline import Site

    site = Site(BuildOptions(content_dir=content, out_dir=out), write=False)
    contents, _ = read_content(content)
    site.gather(contents)
    site.plan()
    if site.problems:
        raise SystemExit(f"cannot plan {content}: {site.problems[0]}")
    cards = {card.digest(): card for card in (card_of(site, page) for page in site.pages) if card is not None}
    started = time.process_time()
    for card in cards.values():
        draw(card)
    return {"cards": len(cards), "cpu_seconds": time.process_time() - started}


def cold_build(mode: str, content: Path, out: Path, cache: Path) -> dict:
    from run import state_dir

    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(state_dir(out, cache), ignore_errors=True)
    return timed_build(mode, content, out, cache)


def edited_build(mode: str, content: Path, out: Path, cache: Path, run: int) -> dict:
    """The rebuild `serve` runs after a writer changes a sentence in one guide."""
    guide = sorted((content / "guides").glob("*.md"))[run]
    guide.write_text(guide.read_text(encoding="utf-8") + f"\nOne more sentence, edit {run} ({mode}).\n", encoding="utf-8")
    return timed_build(mode, content, out, cache)


def timed_build(mode: str, content: Path, out: Path, cache: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(content), str(out)], capture_output=True,
                          text=True, env={**__import__("os").environ, "EARNVERDICT_CACHE": str(cache)}, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} build failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {**result, "process_seconds": wall}


def guide_weight(site: Path) -> dict:
    """A guide page before interaction: its HTML and every CSS and JS file it loads."""
    from weight import page_assets, weigh

    page = site / "guides" / "best-skills-for-devops-engineers" / "index.html"
    w = weigh("guide", site, page_assets(site, page))
    return {"files": w.files, "raw": w.raw, "gzip": w.gzip, "brotli": w.brotli}


def build_revision(revision: str, work: Path, cache: Path) -> Path:
    """The real content built by another revision's own generator."""
    tree = work / f"rev-{revision}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    out = work / f"site-{revision}"
    subprocess.run([sys.executable, "build.py", "build", "--out", str(out)], cwd=tree, check=True, capture_output=True,
                   env={**__import__("os").environ, "EARNVERDICT_CACHE": str(cache)})
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", default="main", help="git revision whose guide page weight is the baseline")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CONTENT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, content, out = args.child
        alone = cards_alone if mode == "cards" else lambda content, out: child(mode, content, out)
        print(json.dumps(alone(Path(content), Path(out))), flush=True)
        os._exit(0)  # as build.py ends a build: without tearing the interpreter down

    import corpus as corpus_mod
    from run import our_content, seed_private_cache

    work = Path(tempfile.mkdtemp(prefix="earnverdict-readers-bench-"))
    try:
        cache = seed_private_cache(work / "cache")
        content = work / "content"
        corpus_mod.write_files(our_content(corpus_mod.make_corpus(args.n)), content)
        runs = {"full": [], "bare": []}
        edits = {"full": [], "bare": []}
        for run in range(args.runs):  # alternated, so a busy moment on the machine hits both
            for mode in ("full", "bare"):
                runs[mode].append(cold_build(mode, content, work / f"out-{mode}", cache))
                edits[mode].append(edited_build(mode, content, work / f"out-{mode}", cache, run))
        pages = sum(1 for _ in (work / "out-full").rglob("index.html"))
        cards = len(list((work / "out-full" / "assets" / "cards").glob("*.png")))
        index_bytes = sum(p.stat().st_size for p in (work / "out-full" / "pagefind").rglob("*") if p.is_file())
        median = {mode: {key: statistics.median(r[key] for r in results) for key in ("seconds", "index", "cards", "process_seconds")}
                  for mode, results in runs.items()}
        ours = subprocess.run([sys.executable, "build.py", "build", "--out", str(work / "site-here")], cwd=ROOT,
                              capture_output=True, env={**__import__("os").environ, "EARNVERDICT_CACHE": str(cache)})
        if ours.returncode != 0:
            raise SystemExit(ours.stderr.decode()[-2000:])
        weights = {"here": guide_weight(work / "site-here")}
        try:
            weights[args.against] = guide_weight(build_revision(args.against, work, cache))
        except (subprocess.CalledProcessError, OSError) as err:
            weights[args.against] = {"error": str(err)}
        edit_median = {mode: {key: statistics.median(r[key] for r in results) for key in ("process_seconds", "index", "cards")}
                       for mode, results in edits.items()}
        report = {"n": args.n, "runs": args.runs, "pages": pages, "cards": cards, "index_bytes": index_bytes,
                  "median": median, "all": runs, "edit_median": edit_median, "edits": edits, "guide_weight": weights,
                  "load_average": __import__("os").getloadavg()}
        print(json.dumps(report, indent=1))
        full, bare = median["full"], median["bare"]
        print(f"\ncold N={args.n} build, median of {args.runs}: {full['process_seconds']:.2f} s with the index and "
              f"cards, {bare['process_seconds']:.2f} s without; index {full['index']:.2f} s, cards {full['cards']:.2f} s "
              f"({cards} cards, index {index_bytes / 1e6:.2f} MB)")
        print(f"rebuild after editing one guide, median of {args.runs}: {edit_median['full']['process_seconds']:.2f} s "
              f"with the index and cards (index {edit_median['full']['index']:.2f} s, cards {edit_median['full']['cards']:.2f} s), "
              f"{edit_median['bare']['process_seconds']:.2f} s without")
        here, base = weights["here"], weights.get(args.against, {})
        if "raw" in base:
            print(f"guide page before the search box is touched: {here['raw'] - base['raw']:+d} B raw, "
                  f"{here['gzip'] - base['gzip']:+d} B gzip, {(here['brotli'] or 0) - (base['brotli'] or 0):+d} B brotli "
                  f"against {args.against}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
