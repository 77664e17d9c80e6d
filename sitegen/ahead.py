"""Markdown rendered ahead of the render stage, on the core a first build leaves idle.

Before its render stage can start, a build gathers and validates every source, plans the pages
and compiles the templates, in its own process: at N=1,000 some 0.45 s with the other core
idle. When the build renders every page afresh, one process renders the pages' markdown
meanwhile (two thirds of a page's cost), and the render stage finds those renderings in the
markdown cache. It is stopped when the render stage starts: what it finished is kept, the rest
is rendered there as before.

A rendering is named by the hash of the markdown it was made from, so one made here is the one
the render stage would have made; a file it cannot read or expand is left to the build, which
reports it.
"""

from __future__ import annotations

from pathlib import Path

MIN_FILES = 40  # below this, starting a process costs more than the renderings it saves
MAX_RENDERINGS = 1_000  # kept in the build's memory until it ends: some 10 MB at most
CHUNK = 8  # files per task: a few ms of work, so stopping it loses little

# The markdown files and their folder, set before the process is forked, which inherits them.
_FILES: list[tuple[Path, bytes]] = []
_CONTENT_DIR = Path()


class Ahead:
    """One process rendering the markdown of files[:MAX_RENDERINGS], CHUNK files a task."""

    def __init__(self, files: list[tuple[Path, bytes]], content_dir: Path):
        import multiprocessing

        global _FILES, _CONTENT_DIR
        _FILES, _CONTENT_DIR = files[:MAX_RENDERINGS], content_dir
        self.renderings: dict = {}  # markdown cache key -> Rendered, filled as tasks finish
        self.pool = multiprocessing.get_context("fork").Pool(1)
        _FILES = []  # the process has its copy
        for start in range(0, min(len(files), MAX_RENDERINGS), CHUNK):
            self.pool.apply_async(render_files, (start, start + CHUNK), callback=self.renderings.update)

    def stop(self, wait: bool = False) -> dict:
        """The renderings finished so far (with wait, all of them), the process ended."""
        if self.pool is not None:
            if wait:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()
            self.pool = None
        return self.renderings


def start(contents: dict[Path, bytes], content_dir: Path) -> Ahead | None:
    """Start rendering the markdown files of contents ahead, when there are enough of them."""
    import multiprocessing

    files = [(path, raw) for path, raw in contents.items() if path.suffix == ".md"]
    if len(files) < MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return Ahead(files, content_dir)


def render_files(start: int, stop: int) -> dict:
    """In the forked process: the renderings of _FILES[start:stop] by markdown cache key."""
    from .content import read_source
    from .markup import cache_key, render_markdown
    from .pipeline import expand, load_catalog

    catalog = load_catalog([])
    renderings = {}
    if catalog is None:  # the build says why
        return renderings
    for path, raw in _FILES[start:stop]:
        source, problems = read_source(path, _CONTENT_DIR, raw, ".", {})
        if problems:
            continue
        markdown, _ = expand(source, catalog)
        renderings[cache_key(markdown)] = render_markdown(markdown)
    return renderings
