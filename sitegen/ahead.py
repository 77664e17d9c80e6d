"""Markdown rendered ahead of the render stage, on the core a first build leaves idle.

Before its render stage can start, a build gathers and validates every source, plans the pages
and compiles the templates, in its own process: at N=1,000 some 0.4 s with the other core
idle. When the build renders every page afresh, one forked process renders the pages' markdown
meanwhile (two thirds of a page's cost) and appends each rendering to the markdown cache, where
the render stage finds it. The process is stopped when the render stage starts: what it wrote
is kept, the rest is rendered there as before.

A rendering is named by the hash of the markdown it was made from, so one made here is the one
the render stage would have made; a file it cannot read or expand is left to the build, which
reports it. The process talks to the build through the cache's pack files only: nothing in the
build's own process waits on it or feeds it while the build gathers and plans.
"""

from __future__ import annotations

from pathlib import Path

MIN_FILES = 40  # below this, starting a process costs more than the renderings it saves
MAX_RENDERINGS = 1_000  # read back into the build's memory with their packs: some 10 MB at most


class Ahead:
    """The process rendering the markdown of files[:MAX_RENDERINGS] into the cache at folder."""

    def __init__(self, files: list[tuple[str, bytes]], folder: Path):
        import multiprocessing

        self.process = multiprocessing.get_context("fork").Process(
            target=render_files, args=(files[:MAX_RENDERINGS], folder), daemon=True)
        self.process.start()

    def stop(self, wait: bool = False) -> None:
        """End the process (with wait, once it has rendered every file). A rendering it was
        writing when stopped is cut short, and the cache reads up to it."""
        if self.process is None:
            return
        if not wait:
            self.process.terminate()
        self.process.join()
        self.process = None


def start(contents: dict, folder: Path) -> Ahead | None:
    """Start rendering the markdown files of contents into the markdown cache at folder, when
    there are enough of them."""
    import multiprocessing

    from .contentpolicy import suffix

    # A file not read (contentpolicy.Known) is one the last build read, and rendered into the cache.
    files = [(rel, raw) for rel, raw in contents.items() if suffix(rel) == ".md" and isinstance(raw, bytes)]
    if len(files) < MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        return None
    # What the process needs, imported before it forks: the build imports it anyway, and the
    # process then starts rendering at once.
    from . import markup  # noqa: F401
    from .pipeline import load_catalog

    load_catalog([])
    return Ahead(files, folder)


def render_files(files: list[tuple[str, bytes]], folder: Path) -> None:
    """In the forked process: each file's markdown rendered and appended to the cache, unless
    the cache has it."""
    from .content import read_source
    from .markup import MarkdownCache, cache_key, render_markdown
    from .pipeline import expand, load_catalog

    catalog = load_catalog([])
    if catalog is None:  # the build says why
        return
    cache = MarkdownCache(folder)
    for rel, raw in files:
        source, problems = read_source(rel, raw, ".", {})
        if problems:
            continue
        markdown, _ = expand(source, catalog)
        key = cache_key(markdown)
        if not cache.has(key):
            cache.put(key, render_markdown(markdown))
    for fh in cache.appending.values():  # not close(): compacting the packs is the build's
        fh.close()
