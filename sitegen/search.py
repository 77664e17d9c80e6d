"""Full-text search: a Pagefind index of the guides, the role hubs and the standalone pages.

The pinned Pagefind binary (PyPI `pagefind[bin]`) indexes those pages' rendered HTML, copied
into a temporary folder, and the index is kept in memory until the build writes everything.
The index is named after the bytes of every page it covers: when none of them changed, the last
index is reused and Pagefind does not run at all.
"""

from __future__ import annotations

import hashlib
import pickle
import subprocess
import tempfile
from pathlib import Path

SEARCH_DIR = "pagefind"  # the index and Pagefind's own search script, under the site root
INDEXED_KINDS = ("guide", "hub", "page")
CACHE = "search-index.pickle"
# What is on every page but says nothing about it: left out of the index and the excerpts.
NOT_INDEXED = (".breadcrumbs", ".toc", ".cta", ".related", ".tags", ".meta")
# Pagefind's own user interfaces are not used (search.js is the site's, and runs under its CSP).
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.", "wasm.unknown.")
TIMEOUT_SECONDS = 300


class SearchIndexError(Exception):
    """Pagefind could not index the site; the message says why, in one line."""


def pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind-bin")


def index_key(pages: dict[str, str]) -> str:
    """pages: output path -> sha256 of its bytes. Equal keys mean an identical index."""
    text = "".join(f"{out}\0{digest}\n" for out, digest in sorted(pages.items()))
    return hashlib.sha256(f"pagefind {pagefind_version()}\n{text}".encode()).hexdigest()


def run_pagefind(pages: dict[str, bytes]) -> dict[str, bytes]:
    """Index pages (output path -> HTML) with the Pagefind binary; the index's files by output path."""
    from pagefind_bin import get_executable

    with tempfile.TemporaryDirectory(prefix="earnverdict-search-") as work:
        source, output = Path(work) / "site", Path(work) / "index"
        for out, html in pages.items():
            target = source / out
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(html)
        command = [str(get_executable()), "--site", str(source), "--output-path", str(output),
                   "--force-language", "en", "--root-selector", "main", "--silent"]
        for selector in NOT_INDEXED:
            command += ["--exclude-selectors", selector]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise SearchIndexError(f"cannot run pagefind: {err}") from None
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines() or [f"exit status {result.returncode}"]
            raise SearchIndexError(f"pagefind failed: {lines[-1]}")
        return {f"{SEARCH_DIR}/{path.relative_to(output).as_posix()}": path.read_bytes()
                for path in sorted(output.rglob("*")) if path.is_file() and not path.name.startswith(UNUSED)}


def search_index(digests: dict[str, str], read_page, state_dir: Path | None) -> dict[str, bytes]:
    """The index of the pages whose sha256 digests are given (output path -> digest); taken from
    the last build's when no page changed, else built from read_page(output path) -> HTML.
    state_dir None: no cache."""
    key = index_key(digests)
    cached = load_cached(state_dir / CACHE) if state_dir is not None else {}
    if cached.get("key") == key:
        return cached["files"]
    files = run_pagefind({out: read_page(out) for out in sorted(digests)})
    if state_dir is not None:
        from .output import atomic_write

        atomic_write(state_dir / CACHE, pickle.dumps({"key": key, "files": files}, protocol=pickle.HIGHEST_PROTOCOL))
    return files


def load_cached(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            cached = pickle.load(fh)
        return cached if isinstance(cached, dict) else {}
    except Exception:
        return {}
