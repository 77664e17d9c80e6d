"""Bytes a visitor downloads: a guide page with its CSS, the quiz page before Pyodide, and Pyodide
as shipped, each raw, gzip-compressed and brotli-compressed."""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.precompress import COMPRESSIBLE, MIN_BYTES
from sitegen.quiz import RUNTIME_DIR as PYODIDE_DIR

# Any attribute naming a stylesheet or script: src, href, and data-* such as the quiz's data-worker.
REFERENCE = re.compile(r'="([^"#?\s]+\.(?:css|js))"')
# The service worker's precache list names files it fetches in the background, not the page.
SERVICE_WORKER = "sw.js"


def brotli_size(data: bytes) -> int | None:
    try:
        import brotli
    except ImportError:
        return None
    return len(brotli.compress(data, quality=11))


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


@dataclass
class Weight:
    label: str
    files: list[str]
    raw: int
    gzip: int
    brotli: int | None


def weigh(label: str, site: Path, files: list[Path]) -> Weight:
    blobs = [f.read_bytes() for f in files]
    brs = [brotli_size(b) for b in blobs]
    return Weight(label, [f.relative_to(site).as_posix() for f in files], sum(map(len, blobs)),
                  sum(gzip_size(b) for b in blobs), None if None in brs else sum(brs))


def local_file(site: Path, url: str) -> Path | None:
    """The output file behind a page-relative or site-absolute URL, if it is one."""
    path = urlsplit(url).path
    if not path or urlsplit(url).scheme:
        return None
    parts = path.strip("/").split("/")
    # Try the path as is, then without leading base-path segments.
    for start in range(len(parts)):
        candidate = site.joinpath(*parts[start:])
        if candidate.is_file():
            return candidate
        if candidate.is_dir() and (candidate / "index.html").is_file():
            return None
    return None


def page_assets(site: Path, page: Path, include_pyodide: bool = False) -> list[Path]:
    """The page's HTML, the CSS and JS it references (worker scripts in data- attributes too), and
    the scripts those scripts name by file name (the service worker), excluding the Pyodide
    runtime unless asked. The service worker's own precache list is not followed."""
    scripts = [p for p in site.rglob("*.js") if include_pyodide or not in_runtime(site, p)]
    found: list[Path] = [page]
    todo = [page]
    while todo:
        current = todo.pop()
        text = current.read_text(encoding="utf-8", errors="replace")
        refs: list[Path] = []
        if current.suffix == ".html":
            for url in REFERENCE.findall(text):
                f = local_file(site, url)
                if f and f.suffix in {".css", ".js"}:
                    refs.append(f)
        if current.suffix == ".js" and current.name != SERVICE_WORKER:
            refs += [s for s in scripts if s.name in text]
        for ref in refs:
            if ref not in found and (include_pyodide or not in_runtime(site, ref)):
                found.append(ref)
                todo.append(ref)
    return found


def in_runtime(site: Path, path: Path) -> bool:
    return path.relative_to(site).as_posix().startswith(PYODIDE_DIR + "/")


def pyodide_files(site: Path) -> list[Path]:
    runtime = site / PYODIDE_DIR
    return sorted(p for p in runtime.rglob("*") if p.is_file()
                  and not p.name.endswith((".gz", ".br"))) if runtime.is_dir() else []


def precompressed_status(site: Path) -> tuple[int, int, int]:
    """(files the build promises copies of, with a .gz copy, with a .br copy) in the built site."""
    large = [p for p in site.rglob("*") if p.is_file() and p.suffix in COMPRESSIBLE and p.stat().st_size >= MIN_BYTES]
    return (len(large), sum(Path(f"{p}.gz").is_file() for p in large),
            sum(Path(f"{p}.br").is_file() for p in large))

