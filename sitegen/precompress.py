"""Brotli and gzip copies of the site's large files, for hosts that serve precompressed files
(nginx's gzip_static and brotli_static, Caddy's `precompressed`, most object-storage CDNs).

Brotli at its best quality takes about 25 s for Pyodide's 9 MB WebAssembly file, so every copy is
kept in the cache under the sha256 of what it compresses, sealed with the sha256 of its own bytes:
the runtime is compressed once per machine, not once per build, and a damaged copy is made again.
"""

from __future__ import annotations

import gzip
import hashlib
import posixpath
from collections.abc import Callable
from pathlib import Path

import brotli

from .cacheguard import read_sealed, write_sealed

# Already-compressed formats (.zip, .whl, images) gain nothing and are left alone.
COMPRESSIBLE = frozenset({".js", ".mjs", ".wasm", ".css", ".html", ".json", ".xml", ".svg", ".txt"})
MIN_BYTES = 64 * 1024  # below this a host's on-the-fly compression costs next to nothing
CACHE = "precompressed"
ENCODINGS = {
    ".gz": lambda data: gzip.compress(data, compresslevel=9, mtime=0),  # mtime=0: byte-stable
    ".br": lambda data: brotli.compress(data, quality=11),
}
# XML (the sitemap, the feed) is made from the content: its copies are made again whenever a
# guide is added or dated anew, not once per machine as the runtime's are. On sitemaps brotli's
# quality 10 gives the same size as 11 in a quarter of the time: 2,993 against 2,987 bytes, 41
# against 150 ms at 1,000 guides; 16,931 against 17,312 bytes, 0.33 against 1.28 s at 10,000.
XML_BROTLI_QUALITY = 10


def encoder(path: str, suffix: str):
    """The function making path's copy with this suffix, and the tag its cache entry carries."""
    if suffix == ".br" and path.endswith(".xml"):
        return (lambda data: brotli.compress(data, quality=XML_BROTLI_QUALITY)), f".q{XML_BROTLI_QUALITY}"
    return ENCODINGS[suffix], ""


def wants_copies(path: str, size: int) -> bool:
    # posixpath, not Path: asked of every file the site has (some 3,000 at N=1,000)
    return size >= MIN_BYTES and posixpath.splitext(path)[1] in COMPRESSIBLE


def precompressed(files: dict[str, bytes | None], cache_dir: Path, made: dict[str, bytes] | None = None,
                  present: dict | None = None, read_back=None) -> dict[str, bytes | None]:
    """'x.wasm' -> 'x.wasm.br' and 'x.wasm.gz' for every large compressible file; the copies in
    `made` (of the same files' bytes, by start_precompressing) are taken as they are.

    A file given as None is as the output folder holds it (present: path -> (sha256, size, ...)).
    Its copies there were made from those same bytes by the build that wrote them, so they are
    None too; a copy the output lacks is made from read_back(path), the file's bytes."""
    copies, made, present = {}, made or {}, present or {}
    for path in sorted(files):
        data = files[path]
        if wants_copies(path, len(data) if data is not None else present[path][1]):
            if data is None and all(path + suffix in present for suffix in ENCODINGS):
                copies.update((path + suffix, None) for suffix in ENCODINGS)
                continue
            data = data if data is not None else read_back(path)
            digest = hashlib.sha256(data).hexdigest()
            for suffix in ENCODINGS:
                copy = made.get(path + suffix)
                if copy is None:
                    compress, tag = encoder(path, suffix)
                    copy = cached(cache_dir / CACHE / f"{digest}{tag}{suffix}", lambda: compress(data))
                copies[path + suffix] = copy
    return copies


def start_precompressing(files: dict[str, bytes], cache_dir: Path) -> Callable[[], dict[str, bytes]]:
    """precompressed(files), started now in a thread, which the build's later stages run beside:
    brotli and zlib let go of the interpreter while they compress (the sitemap of 10,000 guides
    takes brotli 0.3 s). The function returned waits for the copies; it raises what the thread raised."""
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["copies"] = precompressed(files, cache_dir)
        except BaseException as err:  # handed to the build's own thread
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def copies() -> dict[str, bytes]:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["copies"]

    return copies


def cached(path: Path, make) -> bytes:
    """A copy from the cache if it passes the hash recorded with it, else made and kept afresh."""
    data = read_sealed(path)
    if data is None:
        data = make()
        write_sealed(path, data)
    return data
