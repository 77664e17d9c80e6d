"""Full-text search: a Pagefind index of the guides, the role hubs and the standalone pages.

The pinned Pagefind binary (PyPI `pagefind[bin]`) indexes those pages' rendered HTML, copied
into a temporary folder, and the index is kept in memory until the build writes everything.
The index is named after the bytes of every page it covers: when none of them changed, the last
index is reused and Pagefind does not run at all.
"""

from __future__ import annotations

import gzip
import functools
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
INDEX_FORMAT = "sorted filters"  # part of the cache key: what this module does to Pagefind's output


class SearchIndexError(Exception):
    """Pagefind could not index the site; the message says why, in one line."""


@functools.cache  # read from installed metadata, some 2 ms a time
def pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind-bin")


def index_key(pages: dict[str, str]) -> str:
    """pages: output path -> sha256 of its bytes. Equal keys mean an identical index."""
    text = "".join(f"{out}\0{digest}\n" for out, digest in sorted(pages.items()))
    return hashlib.sha256(f"pagefind {pagefind_version()}, {INDEX_FORMAT}\n{text}".encode()).hexdigest()


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
        files = {path.relative_to(output).as_posix(): path.read_bytes()
                 for path in sorted(output.rglob("*")) if path.is_file() and not path.name.startswith(UNUSED)}
    return {f"{SEARCH_DIR}/{rel}": data for rel, data in canonical_filters(files).items()}


# -- byte-identical output ----------------------------------------------------------------
# Pagefind writes the values of a filter in hash-map order, which changes from run to run. The
# filter chunk is re-encoded with its values sorted, and renamed by its new hash; the metadata
# chunk that names it, and the entry file that names that, follow.
DECODED = b"pagefind_dcd"  # what every decompressed Pagefind chunk starts with


def canonical_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    files = dict(files)
    renamed: dict[str, str] = {}
    for rel in sorted(r for r in files if r.startswith("filter/") and r.endswith(".pf_filter")):
        name, values = cbor_decode(chunk_payload(files.pop(rel)))  # a chunk per filter: [name, [[value, pages]...]]
        values.sort(key=lambda value: value[0])
        data = gzip.compress(DECODED + cbor_encode([name, values]), mtime=0)
        new = rename(rel, data)
        files[new] = data
        renamed[stem(rel)] = stem(new)
    for rel in [r for r in files if r.endswith(".pf_meta")]:
        payload = chunk_payload(files.pop(rel))
        for old, new in renamed.items():
            payload = payload.replace(old.encode(), new.encode())
        data = gzip.compress(payload, mtime=0)
        new = rename(rel, data)
        files[new] = data
        renamed[stem(rel).removeprefix("pagefind.")] = stem(new).removeprefix("pagefind.")
    entry = files["pagefind-entry.json"].decode()
    for old, new in renamed.items():
        entry = entry.replace(old, new)
    files["pagefind-entry.json"] = entry.encode()
    return dict(sorted(files.items()))


def chunk_payload(data: bytes) -> bytes:
    payload = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    if not payload.startswith(DECODED):
        raise SearchIndexError("pagefind wrote a chunk in an unknown format")
    return payload


def stem(rel: str) -> str:
    """'filter/en_187529c.pf_filter' -> 'en_187529c'; 'pagefind.en_b44266.pf_meta' -> 'pagefind.en_b44266'."""
    return rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def rename(rel: str, data: bytes) -> str:
    """The same name with its hash (the hex after the language's underscore) taken from data."""
    folder, _, name = rel.rpartition("/")
    head, _, tail = name.partition("_")
    old_hash, _, suffix = tail.partition(".")
    new_name = f"{head}_{hashlib.sha256(data).hexdigest()[:len(old_hash)]}.{suffix}"
    return f"{folder}/{new_name}" if folder else new_name


def cbor_decode(payload: bytes):
    """The CBOR value after the DECODED prefix: unsigned integers, strings and arrays only."""
    value, end = cbor_item(payload, len(DECODED))
    if end != len(payload):
        raise SearchIndexError("pagefind wrote a chunk in an unknown format")
    return value


def cbor_item(data: bytes, at: int):
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        count = info
    elif info <= 27:
        width = 1 << (info - 24)
        count, at = int.from_bytes(data[at:at + width], "big"), at + width
    else:
        raise SearchIndexError("pagefind wrote a chunk in an unknown format")
    if major == 0:
        return count, at
    if major in (2, 3):
        raw = data[at:at + count]
        return (raw if major == 2 else ("text", raw.decode())), at + count
    if major == 4:
        items = []
        for _ in range(count):
            item, at = cbor_item(data, at)
            items.append(item)
        return items, at
    raise SearchIndexError("pagefind wrote a chunk in an unknown format")


def cbor_encode(value) -> bytes:
    if isinstance(value, int):
        return cbor_head(0, value)
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, tuple):  # ("text", str)
        raw = value[1].encode()
        return cbor_head(3, len(raw)) + raw
    return cbor_head(4, len(value)) + b"".join(cbor_encode(item) for item in value)


def cbor_head(major: int, count: int) -> bytes:
    if count < 24:
        return bytes([major << 5 | count])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if count < 1 << (8 * width):
            return bytes([major << 5 | info]) + count.to_bytes(width, "big")
    raise ValueError(count)


def search_index(digests: dict[str, str], read_page, state_dir: Path | None) -> dict[str, bytes]:
    """The index of the pages whose sha256 digests are given (output path -> digest); taken from
    the last build's when no page changed, else built from read_page(output path) -> HTML.
    state_dir None: no cache."""
    key = index_key(digests)
    from .pipeline import load_pickle

    cached = load_pickle(state_dir / CACHE) if state_dir is not None else {}
    if cached.get("key") == key:
        return cached["files"]
    files = run_pagefind({out: read_page(out) for out in sorted(digests)})
    if state_dir is not None:
        from .cacheguard import write_sealed

        write_sealed(state_dir / CACHE, pickle.dumps({"key": key, "files": files}, protocol=pickle.HIGHEST_PROTOCOL))
    return files

