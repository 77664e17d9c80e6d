"""Full-text search: a Pagefind index of the guides, the role hubs and the standalone pages.

The pinned Pagefind binary (PyPI `pagefind[bin]`) indexes those pages' rendered HTML, copied
into a temporary folder, and the index is kept in memory until the build writes everything.
The index is named after the bytes of every page it covers: when none of them changed, the last
index is reused and Pagefind does not run at all.

The cache keeps what an edit's merge needs of the last index (CACHE) but its pages' fragment
files, a third of its bytes: each is named by its hash, and the output folder, which the edit's
build starts from, holds it. A build whose output folder cannot be trusted indexes every page
again as it renders them, and does not read the cache.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import subprocess
import threading
from dataclasses import replace
from pathlib import Path

from .cbor import decode, encode
from .output import sha256
from .searchmerge import DECODED, Shard, ShardFormatError, joined, merge, parse_shard, payload, rename, sliced, sliced_runs, stem

SEARCH_DIR = "pagefind"  # the index and Pagefind's own search script, under the site root
INDEXED_KINDS = ("guide", "hub", "page")
CACHE = "search-index.pickle"  # the index's key and files, each shard's parsed index with its pages by its key, and PACKED
# What is on every page but says nothing about it: left out of the index and the excerpts.
NOT_INDEXED = (".breadcrumbs", ".toc", ".cta", ".related", ".tags", ".meta")
# Pagefind's own user interfaces are not used (search.js is the site's, and runs under its CSP).
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.", "wasm.unknown.")
TIMEOUT_SECONDS = 300
# Pages are indexed in shards of about this many, at most twice as many (sitegen/searchmerge.py
# merges them into one index): a cold build indexes each shard while later pages render, and an
# edit indexes its changed pages and cuts the others from their shards' last index. Smaller shards cost a Pagefind start (some 25 ms) each.
SHARD_PAGES = 128
OLD_SHARDS_CACHE = "search-shards.pickle"  # where earlier releases kept the shards, now in CACHE
PACKED = "compressed word-index chunks"  # by the hash of their bytes: an edit recompresses the chunks it changed
INDEX_FORMAT = "service, pages in order, sorted filters, shards merged, shards with their pages, fragments in the output"  # part of the cache key: how this module makes the index


class SearchIndexError(Exception):
    """Pagefind could not index the site; the message says why, in one line."""


class FragmentsLost(Exception):
    """The output folder lacks a fragment file of the last index that the cache left out."""


@functools.cache
def pagefind_version() -> str:
    from .fingerprint import installed_version

    return installed_version("pagefind-bin", "pagefind_bin")


def index_maker() -> str:
    """What made an index besides its pages: the Pagefind release and how this module uses it."""
    return f"pagefind {pagefind_version()}, {INDEX_FORMAT}"


def index_key(pages: dict[str, str]) -> str:
    """pages: output path -> sha256 of its bytes. Equal keys mean an identical index."""
    text = "".join(f"{out}\0{digest}\n" for out, digest in sorted(pages.items()))
    return hashlib.sha256(f"{index_maker()}\n{text}".encode()).hexdigest()


def shards_of(order: list[str]) -> list[list[str]]:
    """The pages (output paths, in the index's order) cut into runs. A page whose path hashes to a
    multiple of SHARD_PAGES starts a run, as does the page after a run of 2 * SHARD_PAGES, so
    adding or removing a page changes the runs up to the next such page only."""
    shards: list[list[str]] = []
    for out in order:
        if (not shards or len(shards[-1]) >= 2 * SHARD_PAGES
                or int.from_bytes(hashlib.sha256(out.encode()).digest()[:4], "big") % SHARD_PAGES == 0):
            shards.append([])
        shards[-1].append(out)
    return shards


def run_pagefind(pages: dict[str, bytes]) -> dict[str, bytes]:
    """Index pages (output path -> HTML) at once with the Pagefind binary; the index's files as
    Pagefind wrote them, by path in the index's folder."""
    indexer = start_pagefind(pages)
    try:
        return indexer.raw_files()
    finally:
        indexer.close()


def start_pagefind(pages: dict[str, bytes]) -> Indexer:
    """run_pagefind(pages), started: Pagefind indexes the pages in its own process while the
    build goes on; the caller takes the files with raw_files() and closes the indexer."""
    indexer = Indexer(sorted(pages))
    try:
        for out in sorted(pages):
            indexer.add(out, pages[out])
        indexer.request_files()
    except BaseException:
        indexer.close()
        raise
    return indexer


def published(files: dict[str, bytes]) -> dict[str, bytes]:
    """An index's files as the site serves them: filters in a stable order, under SEARCH_DIR.
    searchmerge.merge writes them in that order already."""
    return in_search_dir(canonical_filters(files))


def in_search_dir(files: dict[str, bytes]) -> dict[str, bytes]:
    return {f"{SEARCH_DIR}/{rel}": data for rel, data in sorted(files.items())}


class ShardedIndexer:
    """Pages go, in the index's order, to one Pagefind service per shard (shards_of). Once a
    shard's last page is in, its index is built and parsed in the background while later pages
    still render, and its service stops.

    The pages are handed to the services by a thread of their own: a service busy indexing
    stops reading its pipe, and the build's main thread, had it written there, would stop
    taking rendered pages from the workers meanwhile, which then piled up in its memory (at
    N=10,000 it waited 8.5 s on those writes)."""

    def __init__(self, order: list[str]):
        import queue

        self.shards = shards_of(sorted(order))
        self.shard_of = {out: i for i, shard in enumerate(self.shards) for out in shard}
        self.indexers: dict[int, Indexer] = {}
        self.parsed: list = [None] * len(self.shards)
        self.threads: list[threading.Thread] = []
        if self.shards:  # a Pagefind that cannot run is reported before any page is rendered
            self.indexers[0] = Indexer(self.shards[0])
        self.pages: queue.SimpleQueue = queue.SimpleQueue()  # (out, html), then None: no more
        self.closing = False
        self.failure: str | None = None  # what stopped the sending thread
        self.sender = threading.Thread(target=self._send_pages, daemon=True)
        self.sender.start()

    def add(self, out: str, html: bytes) -> None:
        self.pages.put((out, html))

    def _send_pages(self) -> None:
        try:
            for out, html in iter(self.pages.get, None):
                self._send(out, html)
        except Exception as err:  # reported by shard_indexes, in the build's own thread
            self.failure = f"{type(err).__name__}: {err}"

    def _send(self, out: str, html: bytes) -> None:
        i = self.shard_of[out]
        if self.closing or self.parsed[i] is not None:  # a failed shard: shard_indexes says why
            return
        indexer = self.indexers.get(i)
        if indexer is None:
            try:
                indexer = self.indexers[i] = Indexer(self.shards[i])
            except SearchIndexError as err:
                self.parsed[i] = err
                return
        indexer.add(out, html)
        if indexer.next == len(indexer.order):
            thread = threading.Thread(target=self._finish, args=(i, indexer), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _finish(self, i: int, indexer: Indexer) -> None:
        try:
            self.parsed[i] = parse_shard(indexer.raw_files())
        except (SearchIndexError, ShardFormatError) as err:  # raised by shard_indexes
            self.parsed[i] = err
        finally:
            indexer.close()

    def _stop_sending(self) -> None:
        if self.sender.is_alive():
            self.pages.put(None)
            self.sender.join()

    def shard_indexes(self) -> list:
        """Each shard's parsed index (searchmerge.Shard), in order, once every page was added."""
        self._stop_sending()
        if self.failure is not None:
            raise SearchIndexError(f"pagefind was not given the pages ({self.failure})")
        for thread in self.threads:
            thread.join()
        for i, parsed in enumerate(self.parsed):
            if parsed is None:
                raise SearchIndexError(f"pagefind was not given {self.shards[i][0]}")
            if isinstance(parsed, Exception):
                raise parsed
        return list(self.parsed)

    def close(self) -> None:
        """Stop every service: those running first, so that a write the sending thread is
        blocked in fails at once, then any it started meanwhile."""
        self.closing = True
        for indexer in list(self.indexers.values()):
            indexer.close()
        self._stop_sending()
        for indexer in list(self.indexers.values()):
            indexer.close()


class Indexer:
    """Pagefind running as a service: pages go to it through a pipe as they are rendered, and the
    index comes back through the other, so no page or index file touches the disk on the way.

    The service indexes pages one at a time in the order it receives them, and that order decides
    the index's bytes: pages are sent in the order given (`order`, every output path to index),
    however they arrive, so the same pages always give the same index."""

    def __init__(self, order: list[str]):
        from pagefind_bin import get_executable

        self.order, self.next, self.waiting = list(order), 0, {}
        self.sent = 0
        self.requested = False
        self.replies: list[dict] = []
        self.failure: str | None = None
        config = {"root_selector": "main", "exclude_selectors": list(NOT_INDEXED), "force_language": "en"}
        try:
            self.process = subprocess.Popen([str(get_executable()), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as err:
            raise SearchIndexError(f"cannot run pagefind: {err}") from None
        self.done = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self._send({"type": "NewIndex", "config": config})

    def add(self, out: str, html: bytes) -> None:
        """Take one page; it goes to Pagefind once every page before it in the order has gone."""
        self.waiting[out] = html
        while self.next < len(self.order) and self.order[self.next] in self.waiting:
            out = self.order[self.next]
            self._send({"type": "AddFile", "index_id": 0, "file_path": out, "url": None,
                        "file_contents": self.waiting.pop(out).decode()})
            self.next += 1

    def request_files(self) -> None:
        """Ask for the index, once every page in the order was added; raw_files() waits for it,
        and the service builds it meanwhile."""
        if self.next != len(self.order):
            raise SearchIndexError(f"pagefind was not given {self.order[self.next]}")
        if self.requested:
            return
        self.requested = True
        self._send({"type": "GetFiles", "index_id": 0})
        try:  # not closed: the service stops the moment its input ends, answered or not
            self.process.stdin.flush()
        except (OSError, ValueError) as err:
            self.failure = self.failure or f"pagefind stopped: {err}"

    def raw_files(self) -> dict[str, bytes]:
        """The index's files as Pagefind wrote them (but its unused interfaces), by path in the
        index's folder, once every page in the order was added."""
        self.request_files()
        if not self.done.wait(TIMEOUT_SECONDS):
            raise SearchIndexError(f"cannot run pagefind: no index after {TIMEOUT_SECONDS} s")
        errors = [r["payload"].get("message", "") for r in self.replies if r.get("payload", {}).get("type") == "Error"]
        last = self.replies[-1] if self.replies else {}
        if errors or self.failure or last.get("message_id") != self.sent or last["payload"].get("type") != "GetFiles":
            raise SearchIndexError(f"pagefind failed: {(errors or [self.failure or 'no index returned'])[0]}")
        files = {}
        for file in last["payload"]["files"]:
            rel = file["path"].replace("\\", "/")
            if not rel.rsplit("/", 1)[-1].startswith(UNUSED):
                files[rel] = base64.b64decode(file["content"])
        self.replies = []  # the index, base64 in JSON: not kept twice
        return files

    def close(self) -> None:
        """Stop the service and reap it. It is killed: the end of its input would stop it too, but
        processes forked meanwhile (the build's pools) hold the pipe open until they end."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except (OSError, ValueError):  # a write that failed is still in its buffer
                pass

    def _send(self, payload: dict) -> None:
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode()
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
        except (OSError, ValueError) as err:  # the service is gone: files() says why
            self.failure = self.failure or f"pagefind stopped: {err}"

    def _read(self) -> None:
        """Collect the service's replies (base64 JSON, each ending with a comma) until the index
        arrives or the pipe closes."""
        parts: list[bytes] = []  # of a reply not yet complete (the index comes in many reads)
        try:
            for chunk in iter(lambda: self.process.stdout.read1(1 << 20), b""):
                if b"," not in chunk:
                    parts.append(chunk)
                    continue
                *complete, rest = b"".join(parts + [chunk]).split(b",")
                parts = [rest]
                for raw in complete:
                    reply = json.loads(base64.b64decode(raw))
                    self.replies.append(reply)
                    if reply.get("payload", {}).get("type") == "GetFiles":
                        return
        except (OSError, ValueError) as err:
            self.failure = f"unreadable reply: {err}"
        finally:
            self.done.set()


# -- byte-identical output ----------------------------------------------------------------
# Pagefind writes a filter's values, and the metadata's list of filters, in hash-map order, which
# changes from run to run. Each filter chunk is re-encoded with its values sorted, and renamed by
# its new hash; the metadata lists the filters sorted by name under their new chunk names, and is
# renamed by its own new hash; the entry file follows.
def canonical_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    files = dict(files)
    renamed: dict[str, str] = {}
    try:
        for rel in sorted(r for r in files if r.startswith("filter/") and r.endswith(".pf_filter")):
            name, values = decode(payload(files.pop(rel)))  # a chunk per filter: [name, [[value, pages]...]]
            values.sort(key=lambda value: value[0])
            data = gzip.compress(DECODED + encode([name, values]), mtime=0)
            new = rename(rel, data)
            files[new] = data
            renamed[stem(rel)] = stem(new)
        for rel in [r for r in files if r.endswith(".pf_meta")]:
            meta = decode(payload(files.pop(rel)))  # [version, pages, chunks, filters, sorts, fields]
            meta[3] = sorted([name, renamed.get(chunk, chunk)] for name, chunk in meta[3])
            data = gzip.compress(DECODED + encode(meta), mtime=0)
            new = rename(rel, data)
            files[new] = data
            renamed[stem(rel).removeprefix("pagefind.")] = stem(new).removeprefix("pagefind.")
    except (ValueError, TypeError, IndexError) as err:
        raise SearchIndexError(f"pagefind wrote a chunk in an unknown format ({err})") from None
    entry = files["pagefind-entry.json"].decode()
    for old, new in renamed.items():
        entry = entry.replace(old, new)
    files["pagefind-entry.json"] = entry.encode()
    return dict(sorted(files.items()))


def search_index(digests: dict[str, str], read_page, state_dir: Path | None, indexer: ShardedIndexer | None = None,
                 started: Indexer | None = None, present: dict | None = None) -> dict[str, bytes | None]:
    """The index of the pages whose sha256 digests are given (output path -> digest); taken from
    the last build's when no page changed. Otherwise each shard is taken from the last build's
    when none of its pages changed, else indexed from read_page(output path) -> HTML, or taken
    from indexer, which was given every page as it was rendered; then the shards are merged.
    started: Pagefind already indexing the pages the build expects updated_shards to index
    anew, used if they are those. present: the files the output folder holds (path -> (sha256,
    ...)); a fragment file of the last index is given as None, as the output holds it, and when
    the output lacks one (a build that failed after its index was made), every page is indexed
    anew. state_dir None: no cache."""
    from .pipeline import load_pickle

    cached = load_pickle(state_dir / CACHE) if indexer is None and state_dir is not None else {}
    if cached.get("maker") != index_maker():  # pieces of another Pagefind's index are not cut into this one
        cached = {}
    try:
        return built_index(digests, read_page, state_dir, indexer, started, present or {}, cached)
    except FragmentsLost:  # every page indexed anew, its fragments at hand
        return built_index(digests, read_page, state_dir, None, None, present or {}, {})


def built_index(digests: dict[str, str], read_page, state_dir: Path | None, indexer: ShardedIndexer | None,
                started: Indexer | None, present: dict, cached: dict) -> dict[str, bytes | None]:
    """search_index's work, from the last build's cache as read (cached)."""
    key = index_key(digests)
    # Each fragment file of the last index: path -> (its page's full hash, the file's sha256).
    fragments_before = cached.get("fragments") if isinstance(cached.get("fragments"), dict) else {}
    if cached.get("key") == key and isinstance(cached.get("files"), dict):
        return with_fragments(cached["files"], fragments_before, present)
    packed = cached.get(PACKED) if isinstance(cached.get(PACKED), dict) else {}
    try:
        if indexer is not None:
            try:
                shards = indexer.shard_indexes()
            finally:
                indexer.close()
            order = indexer.shards
            keys = [index_key({out: digests[out] for out in shard}) for shard in order]
        else:
            shards_cached = cached.get("shards") if isinstance(cached.get("shards"), dict) else {}
            known = {key: value for key, value in shards_cached.items()  # (pages, index); not an older release's layout
                     if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Shard)}
            order = shards_of(sorted(digests))
            keys = [index_key({out: digests[out] for out in shard}) for shard in order]
            shards = updated_shards(order, keys, digests, known, read_page, started)
        if shards:
            merged, packed, fulls = merge(shards, packed)
            files = in_search_dir(merged)
        else:  # no page to index: Pagefind's empty index, so the search page still loads
            files, fulls = published(run_pagefind({})), {}
    except ShardFormatError as err:
        raise SearchIndexError(f"cannot merge pagefind's indexes of the shards: {err}") from None
    digest_before = dict(fragments_before.values())  # full hash -> sha256 of the file
    fragments = {}
    for rel, full in in_search_dir(fulls).items():
        fragments[rel] = (full, sha256(files[rel]) if files[rel] is not None else digest_before.get(full))
    served = with_fragments(files, fragments, present)
    if state_dir is not None:
        from .cacheguard import write_sealed_pickle

        # Pagefind's script, which every shard carries, is kept once.
        kept = [replace(shard, pages=[(full, count, None) for full, count, _ in shard.pages], static=shards[0].static
                        if shard.static == shards[0].static else shard.static) for shard in shards]
        pages = [tuple((out, digests[out]) for out in shard) for shard in order]
        write_sealed_pickle(state_dir / CACHE, {"key": key, "maker": index_maker(), "shards": dict(zip(keys, zip(pages, kept))),
                                                "files": {rel: None if rel in fragments else data for rel, data in files.items()},
                                                "fragments": fragments, PACKED: packed})
        (state_dir / OLD_SHARDS_CACHE).unlink(missing_ok=True)
    return served


def with_fragments(files: dict[str, bytes | None], fragments: dict[str, tuple], present: dict) -> dict[str, bytes | None]:
    """files, in which each fragment file (fragments: path -> (full hash, sha256)) is either
    at hand or one the output folder holds as it is (present); raises FragmentsLost otherwise."""
    if any(files.get(rel) is None and (digest is None or present.get(rel, ("",))[0] != digest) for rel, (_, digest) in fragments.items()):
        raise FragmentsLost
    return files


def shards_to_cut(order: list[list[str]], held, reused: set[int]) -> list[int]:
    """The shards (by number) updated_shards makes of pieces: those not reused whole with at
    least half their pages held unchanged in the last build's shards."""
    return [n for n, shard in enumerate(order) if n not in reused and 2 * sum(out in held for out in shard) >= len(shard)]


def new_pages(digests: dict[str, str], unchanged: set[str]) -> list[str]:
    """The pages updated_shards will index in one Pagefind run, in its order, when the pages
    unchanged since the last build are those its index holds: known before that index is read."""
    order = shards_of(sorted(digests))
    return [out for n in shards_to_cut(order, unchanged, set()) for out in order[n] if out not in unchanged]


def updated_shards(order: list[list[str]], keys: list[str], digests: dict[str, str], known: dict, read_page,
                   started: Indexer | None = None) -> list[Shard]:
    """Each shard's index (order: each shard's pages, keys: each shard's index_key). A shard the
    last build indexed (known: key -> (its pages with their digests, its index)) is reused. In
    one that changed, the runs of pages an earlier shard holds unchanged are cut from that
    shard's index, the other pages indexed anew, all of them in one Pagefind run, and the pieces
    joined: an edit indexes the pages it changed rather than their whole shard. A shard with
    fewer than half its pages unchanged is indexed whole.

    A page's place in its shard is its number in the shard's index only when Pagefind indexed
    every page it was given; it leaves out a page with no word to index. Pieces are cut only
    from indexes with as many pages as they were given.

    started: a Pagefind run begun on some pages (start_pagefind), taken as the run of the new
    pages, or of a shard indexed whole, that has exactly those; the caller closes it either way."""
    held = {}  # out -> (key, place) of each unchanged page in the last build's shards
    for key, (pages, index) in known.items():
        if len(index.pages) != len(pages):
            continue
        for place, (out, digest) in enumerate(pages):
            if digests.get(out) == digest:
                held[out] = (key, place)
    shards: list[Shard | None] = [known[key][1] if key in known else None for key in keys]
    pieces = {}  # shard number -> its runs: (key, first place, end), or (None, first page, end) of the new pages
    fresh: list[str] = []
    for n in shards_to_cut(order, held, {n for n, shard in enumerate(shards) if shard is not None}):
        pieces[n] = []
        for out in order[n]:
            key, place = held.get(out, (None, len(fresh)))
            if key is None:
                fresh.append(out)
            last = pieces[n][-1] if pieces[n] else None
            if last is not None and last[0] == key and last[2] == place:
                last[2] = place + 1
            else:
                pieces[n].append([key, place, place + 1])

    def pagefind_on(outs: list[str]) -> Indexer:
        nonlocal started
        if started is not None and started.order == outs:
            indexer, started = started, None
            return indexer
        return start_pagefind({out: read_page(out) for out in outs})

    # Pagefind indexes the new pages in its own process while this one cuts the unchanged runs.
    indexer = pagefind_on(fresh) if fresh else None
    cuts: dict[int, list] = {}  # shard number -> its pieces: the unchanged runs cut, the new ones as (first, end)
    try:
        for n, runs in pieces.items():
            spans: dict[str, list[tuple[int, int]]] = {}  # the runs cut from each of the last build's shards
            for key, start, end in runs:
                if key:
                    spans.setdefault(key, []).append((start, end))
            try:
                cut = {(key, span): piece for key, key_spans in spans.items()
                       for span, piece in zip(sorted(key_spans), sliced_runs(known[key][1], sorted(key_spans)))}
                cuts[n] = [cut[key, (start, end)] if key else (start, end) for key, start, end in runs]
            except ShardFormatError:  # pages whose metadata sliced_runs() cannot place: their shard is indexed whole
                pass
        fresh_index = parse_shard(indexer.raw_files()) if indexer is not None else None
    finally:
        if indexer is not None:
            indexer.close()
    if fresh_index is not None and len(fresh_index.pages) != len(fresh):  # a new page left out: the shards are indexed whole
        cuts = {}
    for n, parts in cuts.items():
        try:
            shards[n] = joined([part if isinstance(part, Shard) else sliced(fresh_index, *part) for part in parts])
        except ShardFormatError:  # as above: indexed whole
            pass
    for n, shard in enumerate(order):
        if shards[n] is None:
            indexer = pagefind_on(shard)
            try:
                shards[n] = parse_shard(indexer.raw_files())
            finally:
                indexer.close()
    return shards
