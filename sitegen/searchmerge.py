"""One Pagefind index out of several: the pages are indexed in shards (runs of consecutive pages
in the index's order) and the shards merged into the files Pagefind writes when it indexes all
the pages at once, so an edit re-indexes one shard while the reader still searches one index.

What the merge relies on, in Pagefind 1.5.2's format (tests hold it to Pagefind's own output):
- pages are numbered in the order they were added, so a shard's pages follow the previous one's;
- a word is [word, pages, []], a page [number less the word's previous page number, locations,
  meta locations]; words are sorted, and a chunk of the word index ends with the first word that
  brings its count (locations plus meta locations plus one, per page) to 20,000;
- a meta location array marks each metadata field with -1 - its place in the index's sorted list
  of fields, which is the union of its pages' fields: a shard whose pages lack a field the
  others have has its marks renumbered;
- files are named after the SHA-1 of their CBOR, in Pagefind's hex (no zero padding), seven
  digits unless that name is taken.
A shard with anything else (sort orders, a word's third field) is refused with
ShardFormatError: the build says so in one line.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from .cbor import WIDTHS, decode, encode, encode_head, head, item

DECODED = b"pagefind_dcd"  # what every decompressed Pagefind file but the entry starts with
CHUNK_LOCATIONS = 20_000  # Pagefind's word-index chunk size
INT_SIZE = bytes(  # a CBOR integer's length in bytes from its first byte; 0: not an integer
    (1 if b & 31 < 24 else 1 + WIDTHS[b & 31] if b & 31 in WIDTHS else 0) if b < 0x40 else 0 for b in range(256))


class ShardFormatError(ValueError):
    """A shard this module cannot merge."""


@dataclass
class Shard:
    """What a merge needs of one shard's index, parsed once and kept while its pages are unchanged."""
    language: str
    version: str
    fields: list  # the metadata's last field (the names of the pages' metadata)
    pages: list[tuple[str, int, bytes | None]]  # per page: its fragment's full hash, word count, file (None: kept elsewhere, see search.py)
    words: dict[str, tuple[int, int, int, int, bytes]]  # word -> pages, first page, last page, count, bytes after the first page number
    filters: dict[str, dict[str, list[int]]]  # filter -> value -> page numbers
    entry: dict  # pagefind-entry.json
    static: dict[str, bytes]  # the search script, its worker and WebAssembly
    page_fields: list[frozenset] | None = None  # each page's metadata fields; None: unknown, and the shard is not cut


def pagefind_hash(data: bytes) -> str:
    """SHA-1 in hex as Pagefind writes it: each byte without its leading zero."""
    return "".join(format(byte, "x") for byte in hashlib.sha1(data).digest())


def payload(data: bytes) -> bytes:
    data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    if not data.startswith(DECODED):
        raise ShardFormatError("a chunk without Pagefind's prefix")
    return data[len(DECODED):]


def parse_shard(files: dict[str, bytes]) -> Shard:
    """files: a shard's index as Pagefind wrote it (paths relative to the index folder)."""
    try:
        entry = json.loads(files["pagefind-entry.json"])
        [(language, about)] = entry["languages"].items()
        meta = decode(payload(files[f"pagefind.{about['hash']}.pf_meta"]))
        version, meta_pages, chunks, filters, sorts, fields = meta
        if sorts:
            raise ShardFormatError("sort orders")
        pages, page_fields = [], []
        for name, word_count in meta_pages:
            fragment = files[f"fragment/{name}.pf_fragment"]
            data = payload(fragment)
            pages.append((f"{language}_{pagefind_hash(data)}", word_count, fragment))
            page_fields.append(fields_of(data))
        words: dict = {}
        for _, _, name in chunks:
            read_words(payload(files[f"index/{name}.pf_index"]), words)
        merged_filters = {}
        for name, chunk in filters:
            filter_name, values = decode(payload(files[f"filter/{chunk}.pf_filter"]))
            if filter_name != name:
                raise ShardFormatError(f"filter {name} holds {filter_name}")
            merged_filters[name] = {value: numbers for value, numbers in values}
    except ShardFormatError:
        raise
    except (KeyError, ValueError, TypeError, IndexError) as err:
        raise ShardFormatError(f"unexpected index layout ({err})") from None
    static = {rel: data for rel, data in files.items()  # the search script, its worker, its WebAssembly
              if not rel.startswith(("fragment/", "index/", "filter/")) and not rel.endswith((".pf_meta", "-entry.json"))}
    # sliced() cuts only a shard whose fields are its pages' fields: each field a page has.
    if None in page_fields or set().union(*page_fields) != set(fields):
        page_fields = None
    return Shard(language, version, fields, pages, words, merged_filters, entry, static, page_fields)


def fields_of(fragment: bytes) -> frozenset | None:
    """A page's metadata fields, read from its fragment's JSON; None when it has none."""
    try:
        return frozenset(json.loads(fragment)["meta"])
    except (ValueError, KeyError, TypeError):
        return None


def read_words(data: bytes, words: dict) -> None:
    """Add a word-index chunk's words to words, keeping each page's locations as CBOR bytes."""
    if data[0] != 0x81:
        raise ShardFormatError("a word index that is not [words]")
    count, at = head(data, 1, 4)
    for _ in range(count):
        if data[at] != 0x83:
            raise ShardFormatError("a word that is not [word, pages, []]")
        size, at = head(data, at + 1, 3)
        word, at = data[at:at + size].decode(), at + size
        postings, at = head(data, at, 4)
        page, first, tail_start, locations = 0, None, 0, 0
        for _ in range(postings):
            if data[at] != 0x83:
                raise ShardFormatError("a page that is not [page, locations, meta locations]")
            delta, at = head(data, at + 1, 0)
            page += delta
            if first is None:
                first, tail_start = page, at
            items, at = skip_locations(data, at)
            locations += items
        if data[at] != 0x80:
            raise ShardFormatError("a word with a third field")
        words[word] = (postings, first, page, locations, data[tail_start:at])
        at += 1
    if at != len(data):
        raise ShardFormatError("bytes after the last word")


def merge(shards: list[Shard], packed: dict[str, bytes]) -> tuple[dict[str, bytes | None], dict[str, bytes], dict[str, str]]:
    """The index Pagefind writes for all the shards' pages, in shard order, added at once, with
    its filters in a stable order (as search.canonical_filters puts Pagefind's own); its
    compressed word-index chunks by the full hash of their CBOR; and the full hash of each
    fragment file's page. packed: chunks of an earlier merge, reused rather than compressed
    again. A fragment the shards do not hold (None) is None in the files."""
    first = shards[0]
    language = first.language
    for shard in shards:
        if (shard.language, shard.version) != (language, first.version):
            raise ShardFormatError("shards of different languages or versions")
    whole = joined(shards)
    meta_pages, fragments, fulls = fragment_files(whole.pages, language)
    meta_chunks, chunks = word_index_files(word_chunks(whole.words), language)
    meta_filters, filters = filter_files(whole.filters, language)
    packed = compressed({full: data for full, data in chunks.values()}, packed)
    files = {**first.static, **fragments, **filters}
    for name, (full, _) in chunks.items():
        files[f"index/{name}.pf_index"] = packed[full]
    meta = encode([first.version, meta_pages, meta_chunks, meta_filters, [], whole.fields])
    data = gzip.compress(DECODED + meta, mtime=0)
    meta_rel = rename(f"pagefind.{language}_{pagefind_hash(meta)[:len(language) + 8]}.pf_meta", data)
    files[meta_rel] = data
    entry = json.loads(json.dumps(first.entry))
    entry["languages"][language].update(hash=stem(meta_rel).removeprefix("pagefind."), page_count=len(whole.pages))
    files["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return files, packed, fulls


def compressed(chunks: dict[str, bytes], packed: dict[str, bytes]) -> dict[str, bytes]:
    """Each chunk gzipped as Pagefind serves it, by its full hash; those in packed reused. zlib
    lets go of the interpreter while it compresses, so new chunks are compressed on every core:
    at N=10,000 they are some 19 MB, the longest step of the merge."""
    new = [full for full in chunks if full not in packed]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        made = dict(zip(new, pool.map(lambda full: gzip.compress(DECODED + chunks[full], compresslevel=6, mtime=0), new)))
    return {full: packed.get(full) or made[full] for full in chunks}


def fragment_files(pages: list[tuple[str, int, bytes | None]], language: str) -> tuple[list, dict[str, bytes | None], dict[str, str]]:
    """The metadata's pages ([name, word count]), the fragment files, named as Pagefind names
    them, and each file's full hash."""
    names: dict[str, str] = {}
    meta_pages, files, fulls = [], {}, {}
    for full, word_count, fragment in pages:
        name = full[:len(language) + 8]
        while name in names:  # Pagefind adds one digit to a taken fragment name
            if names[name] == full:
                raise ShardFormatError("two pages with identical fragments")
            name = full[:len(name) + 1]
        names[name] = full
        files[f"fragment/{name}.pf_fragment"] = fragment
        fulls[f"fragment/{name}.pf_fragment"] = full
        meta_pages.append([name, word_count])
    return meta_pages, files, fulls


def joined_words(shards: list[Shard], offsets: list[int]) -> dict[str, tuple[int, int, int, int, bytes]]:
    """Every word of the shards with its pages (as in Shard.words), the pages numbered as one
    shard of all of them: each shard's pages follow the previous one's."""
    holders: dict[str, list[tuple[tuple, int]]] = {}  # word -> its entry in each shard that has it, with the shard's offset
    for shard, offset in zip(shards, offsets):
        for word, entry in shard.words.items():
            holders.setdefault(word, []).append((entry, offset))
    words = {}
    for word, held in holders.items():
        (postings, first, last, locations, tail), offset = held[0]
        first, last, parts = first + offset, last + offset, [tail]
        for (count, first_page, last_page, more, rest), offset in held[1:]:
            parts.append(b"\x83" + encode_head(0, first_page + offset - last) + rest)
            postings, last, locations = postings + count, last_page + offset, locations + more
        words[word] = (postings, first, last, locations, b"".join(parts) if len(parts) > 1 else tail)
    return words


def word_chunks(words: dict[str, tuple[int, int, int, int, bytes]]) -> list[list[tuple[str, bytes]]]:
    """Every word with its pages (word, CBOR), in order, cut into Pagefind's chunks."""
    chunks, chunk, size = [], [], 0
    for word in sorted(words):
        postings, first, _, locations, tail = words[word]
        raw = word.encode()
        chunk.append((word, b"\x83" + encode_head(3, len(raw)) + raw + encode_head(4, postings)
                      + b"\x83" + encode_head(0, first) + tail + b"\x80"))
        size += locations
        if size >= CHUNK_LOCATIONS:
            chunks.append(chunk)
            chunk, size = [], 0
    return chunks + [chunk] if chunk else chunks


def word_index_files(chunks: list[list[tuple[str, bytes]]], language: str) -> tuple[list, dict[str, tuple[str, bytes]]]:
    """The metadata's chunk ranges ([from, to, name]) and, by name, each chunk's full hash and CBOR."""
    meta_chunks, files = [], {}
    for chunk in chunks:
        data = b"\x81" + encode_head(4, len(chunk)) + b"".join(encoded for _, encoded in chunk)
        full = f"{language}_{pagefind_hash(data)}"
        name = taken_name(full, files, language)
        files[name] = (full, data)
        meta_chunks.append([chunk[0][0], chunk[-1][0], name])
    for before, after in zip(meta_chunks, meta_chunks[1:]):
        last_word = before[1]
        before[1], after[0] = shortest_prefixes(before[1], after[0])
        if before[1] < before[0]:  # a range that would end before it starts keeps its last word whole
            before[1] = last_word
    return meta_chunks, files


def filter_files(filters: dict[str, dict[str, list[int]]], language: str) -> tuple[list, dict[str, bytes]]:
    """The metadata's filters ([name, chunk]) and the filter files, values sorted, each named
    after the hash of its file (rename) at the length of Pagefind's name for it."""
    meta_filters, names, files = [], {}, {}
    for name in sorted(filters):
        data = encode([name, [[value, pages] for value, pages in sorted(filters[name].items())]])
        chunk = taken_name(f"{language}_{pagefind_hash(data)}", names, language)
        names[chunk] = data
        packed = gzip.compress(DECODED + data, mtime=0)
        rel = rename(f"filter/{chunk}.pf_filter", packed)
        files[rel] = packed
        meta_filters.append([name, stem(rel)])
    return meta_filters, files


def joined(shards: list[Shard]) -> Shard:
    """One shard of the shards' pages, in order: what Pagefind gives for all of them at once."""
    fields = sorted(set().union(*(shard.fields for shard in shards)))
    shards = [with_fields(shard, fields) for shard in shards]
    offsets = list(itertools.accumulate((len(shard.pages) for shard in shards[:-1]), initial=0))
    filters: dict[str, dict[str, list[int]]] = {}
    for shard, offset in zip(shards, offsets):
        for name, values in shard.filters.items():
            merged = filters.setdefault(name, {})
            for value, pages in values.items():
                merged.setdefault(value, []).extend(page + offset for page in pages)
    page_fields = None if any(shard.page_fields is None for shard in shards) else [f for shard in shards for f in shard.page_fields]
    return replace(shards[0], fields=fields, pages=[page for shard in shards for page in shard.pages],
                   words=joined_words(shards, offsets), filters=filters, page_fields=page_fields)


def sliced(shard: Shard, start: int, stop: int) -> Shard:
    """The shard's pages start to stop - 1 alone: what Pagefind gives for those pages. A shard
    whose pages' metadata fields are not known (parse_shard) is refused with ShardFormatError."""
    return sliced_runs(shard, [(start, stop)])[0]


def sliced_runs(shard: Shard, runs: list[tuple[int, int]]) -> list[Shard]:
    """sliced(shard, start, stop) for each run, runs in order and apart, each word's pages read
    once for all of them: cutting one page out of a shard reads the pages before it, not every
    page twice."""
    if shard.page_fields is None:
        raise ShardFormatError("pages whose metadata fields are not known")
    for (start, stop), after in zip(runs, runs[1:] + [(len(shard.pages), None)]):
        if not 0 <= start < stop <= after[0] or stop > len(shard.pages):
            raise ShardFormatError(f"pages {start} to {stop - 1} of a shard of {len(shard.pages)}")
    words: list[dict] = [{} for _ in runs]
    for word, entry in shard.words.items():
        for n, kept in postings_in_runs(entry, runs, len(shard.pages)):
            postings, first, last, locations, tail = kept
            words[n][word] = (postings, first - runs[n][0], last - runs[n][0], locations, tail)
    cuts = []
    for (start, stop), run_words in zip(runs, words):
        filters = {}
        for name, values in shard.filters.items():
            kept_values = {value: [page - start for page in numbers if start <= page < stop] for value, numbers in values.items()}
            if any(kept_values.values()):
                filters[name] = {value: numbers for value, numbers in kept_values.items() if numbers}
        page_fields = shard.page_fields[start:stop]
        cut = replace(shard, pages=shard.pages[start:stop], words=run_words, filters=filters, page_fields=page_fields)
        cuts.append(with_fields(cut, sorted(set().union(*page_fields))))
    return cuts


def postings_in_runs(entry: tuple[int, int, int, int, bytes], runs: list[tuple[int, int]], pages: int):
    """A word's pages (a Shard.words entry) numbered within each run, as (run number, Shard.words
    entry with its numbers not yet shifted) for each run that has some. The pages kept in a run
    are consecutive, so each keeps its bytes, distance from the page before it included: the
    kept bytes are one slice of the tail. A run that ends the shard takes the rest of the tail,
    its counts the word's less those read before it, so nothing after its first page is read."""
    postings, first, last, locations, tail = entry
    for n, (start, stop) in enumerate(runs):
        if start <= first and last < stop:  # every page of the word in one run
            return [(n, entry)]
    found = []
    n, (start, stop) = 0, runs[0]
    page, at, read_postings, read_locations = first, 0, 0, 0
    kept_first = kept_last = body = -1
    kept_postings = kept_locations = 0
    while at < len(tail):
        if at:  # every page but the first is [distance from the previous page, ...]
            if tail[at] != 0x83:
                raise ShardFormatError("a page that is not [page, locations, meta locations]")
            delta, after_number = head(tail, at + 1, 0)
            page += delta
        else:
            after_number = at
        while page >= stop:  # past this run: close it, and on to the next that could hold the page
            if kept_postings:
                found.append((n, (kept_postings, kept_first, kept_last, kept_locations, tail[body:at])))
                kept_postings = kept_locations = 0
            n += 1
            if n == len(runs):
                return found
            start, stop = runs[n]
        if page >= start and stop == pages and not kept_postings:  # the rest of the word is in this run
            found.append((n, (postings - read_postings, page, last, locations - read_locations, tail[after_number:])))
            return found
        count, end = skip_locations(tail, after_number)
        if page >= start:
            if not kept_postings:
                kept_first, body = page, after_number
            kept_postings, kept_locations, kept_last = kept_postings + 1, kept_locations + count, page
        read_postings, read_locations, at = read_postings + 1, read_locations + count, end
    if kept_postings:
        found.append((n, (kept_postings, kept_first, kept_last, kept_locations, tail[body:at])))
    return found


def skip_locations(data: bytes, at: int) -> tuple[int, int]:
    """Past a page's locations and meta locations (integers only, not decoded): their count
    plus one, and where they end."""
    count = 1
    for _ in range(2):
        items, at = head(data, at, 4)
        count += items
        for _ in range(items):
            step = INT_SIZE[data[at]]
            if not step:
                raise ShardFormatError("a location that is not an integer")
            at += step
    return count, at


def with_fields(shard: Shard, fields: list[str]) -> Shard:
    """The shard with its meta locations' field marks renumbered for the merged list of fields."""
    if shard.fields == fields:
        return shard
    # A field none of the shard's pages has (once it is sliced) has no mark to renumber.
    place = {-1 - old: -1 - fields.index(name) for old, name in enumerate(shard.fields) if name in fields}
    try:
        words = {word: (postings, first, last, locations, renumbered(tail, postings, place))
                 for word, (postings, first, last, locations, tail) in shard.words.items()}
    except (ValueError, KeyError, IndexError) as err:
        raise ShardFormatError(f"unexpected meta locations ({err})") from None
    return replace(shard, fields=fields, words=words)


def renumbered(tail: bytes, postings: int, place: dict[int, int]) -> bytes:
    """A word's pages after its first page number, with each field mark in their meta locations
    replaced by place[mark]."""
    parts, at = [], 0
    for n in range(postings):
        start = at
        if n:  # the first page's head and number are not in the tail
            if tail[at] != 0x83:
                raise ShardFormatError("a page that is not [page, locations, meta locations]")
            at = head(tail, at + 1, 0)[1]
        _, at = item(tail, at)  # the locations, kept as they are
        parts.append(tail[start:at])
        meta, at = item(tail, at)
        parts.append(encode([place[value] if value < 0 else value for value in meta]))
    return b"".join(parts)


def taken_name(full: str, taken: dict, language: str) -> str:
    """A chunk's name: seven digits, two more at a time while taken (Pagefind's rule for chunks)."""
    name = full[:len(language) + 8]
    while name in taken and len(name) < len(full):
        name = full[:len(name) + 2]
    return name


def shortest_prefixes(last: str, first: str) -> tuple[str, str]:
    """Between two chunks, the last word of one and the first of the next cut to one character
    past what they share, as Pagefind names a chunk's range."""
    shared = 0
    for a, b in zip(first, last):
        if a != b:
            break
        shared += 1
    return last[:shared + 1], first[:shared + 1]


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
