"""The quiz's browser runtime: Pyodide, the precompiled engine, its lock file and the service worker.

Everything here is deterministic: the same repository gives the same bytes, so two builds
of one commit are byte-identical and a changed engine changes the engine file's hash (and so
the lock file, and so the service worker's cache version).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

from engine.params import PARSED_DATA
from sitegen.compact import compact

from .cacheguard import discard, file_hashes, read_verified

PYODIDE_VERSION = "0.25.1"
PYODIDE_TARBALL = f"pyodide-{PYODIDE_VERSION}.tgz"
PYODIDE_SHA256 = "d301c5b18b888ec7ad2bf616fcdd14eb36f4c9f41c513f89fcfcc3455d447a63"
# Only what a page needs to start Python; the lock file is our own.
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
PYODIDE_LOCK = "pyodide-lock.json"
EXTRACTED_MANIFEST = "sha256.json"  # beside the extracted runtime files
CACHE_PREFIX = "earnverdict-"  # one cache per build; the service worker deletes the others
# Where a first visit's quiz worker keeps what it downloaded before the service worker took
# over the page, until the service worker moves it into its build's cache. Outside the prefix,
# so that activating a new build does not delete it while it is being filled.
STAGING_CACHE = "earnverdict.downloads"

# Output-relative folder holding everything Pyodide fetches. The version in it makes a new
# Pyodide a new URL, so hosts can cache its files as immutable (feeds.headers).
RUNTIME_DIR = f"pyodide/{PYODIDE_VERSION}"
# The one runtime file whose bytes change under the same name: it registers each new engine file.
RUNTIME_LOCK = f"{RUNTIME_DIR}/{PYODIDE_LOCK}"
ENGINE_DIST = "earnverdict-engine"
ENGINE_PACKAGE = "engine"
# The engine file is a zip: a fixed timestamp keeps it byte-identical across builds.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# The standard library modules the engine imports that Pyodide has not imported once started:
# shipped precompiled with the engine (tests/test_pyodide_parity.py checks that the engine's start
# compiles no source, nor does the warm-up that imports the chart after "ready").
STDLIB_MODULES = ("__future__", "dataclasses", "json", "json.decoder", "json.encoder", "json.scanner")

ROOT = Path(__file__).resolve().parent.parent
SW_TEMPLATE = ROOT / "templates" / "sw.js"


class QuizBuildError(Exception):
    """A one-line reason the quiz runtime could not be assembled."""


def default_cache_dir() -> Path:
    return Path(os.environ.get("EARNVERDICT_CACHE") or Path.home() / ".cache" / "earnverdict")


# --- Pyodide runtime -------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_pyodide_tarball(cache_dir: Path) -> Path:
    """The pinned npm tarball in cache_dir, fetched with `npm pack` when missing or when the
    copy there fails the pinned sha256."""
    tarball = cache_dir / PYODIDE_TARBALL
    if tarball.exists() and sha256_file(tarball) == PYODIDE_SHA256:
        return tarball
    damaged = tarball.exists()
    discard(tarball)
    cache_dir.mkdir(parents=True, exist_ok=True)
    why = f"{tarball}: fails the pinned sha256 {PYODIDE_SHA256[:16]}… and cannot be fetched again" if damaged else \
        f"{tarball}: cannot be fetched"
    try:
        result = subprocess.run(
            ["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent"],
            cwd=cache_dir, capture_output=True, text=True, timeout=600,
        )
    except FileNotFoundError:
        raise QuizBuildError(f"{why}: npm not found (it is needed to fetch the Pyodide runtime)") from None
    if result.returncode != 0 or not tarball.exists():
        reason = (result.stderr.strip().splitlines() or ["no tarball written"])[-1][:200]
        raise QuizBuildError(f"{why}: npm pack pyodide@{PYODIDE_VERSION} failed: {reason}")
    actual = sha256_file(tarball)
    if actual != PYODIDE_SHA256:
        discard(tarball)
        raise QuizBuildError(f"{tarball}: the fetched tarball's sha256 {actual} does not match the pinned {PYODIDE_SHA256}")
    return tarball


def extract_pyodide(cache_dir: Path) -> Path:
    """The runtime files, extracted once per pinned version and hash into cache_dir, with a
    manifest of their sha256 that is checked whenever they are used."""
    target = cache_dir / f"pyodide-{PYODIDE_VERSION}-{PYODIDE_SHA256[:16]}-checked"
    wanted = PYODIDE_FILES + (PYODIDE_LOCK,)
    if read_verified(target, EXTRACTED_MANIFEST) is not None:
        return target
    tarball = fetch_pyodide_tarball(cache_dir)
    # Extract beside the target and rename, so an interrupted build never leaves half a runtime.
    staging = Path(tempfile.mkdtemp(prefix=".pyodide-", dir=cache_dir))
    extracted = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for name in wanted:
            member = tar.getmember(f"package/{name}")
            data = tar.extractfile(member)
            if data is None:
                raise QuizBuildError(f"{tarball}: package/{name} is not a file")
            extracted[name] = data.read()
            (staging / name).write_bytes(extracted[name])
    (staging / EXTRACTED_MANIFEST).write_bytes(file_hashes(extracted))
    discard(target)
    staging.rename(target)
    return target


def extracted_files(cache_dir: Path) -> tuple[Path, dict[str, bytes]]:
    """The extracted runtime's folder and its files, each checked against its recorded hash."""
    runtime = extract_pyodide(cache_dir)
    files = read_verified(runtime, EXTRACTED_MANIFEST)
    if files is None:
        raise QuizBuildError(f"{runtime}: the extracted Pyodide runtime was damaged while the build read it; build again")
    return runtime, files


# --- Engine file -----------------------------------------------------------------------


def project_version(root: Path = ROOT) -> str:
    with (root / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def engine_sources(root: Path = ROOT) -> list[tuple[str, bytes]]:
    """(archive name, bytes) for every engine module and data file, sorted."""
    package = root / ENGINE_PACKAGE
    if not (package / "__init__.py").is_file():
        raise QuizBuildError(f"{package}/__init__.py: the engine package is missing")
    files = []
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(root)
        if "__pycache__" in relative.parts or not path.is_file():
            continue
        if path.suffix == ".py" or (relative.parts[1] == "data" and path.suffix == ".toml"):
            files.append((relative.as_posix(), path.read_bytes()))
    files.append((f"{ENGINE_PACKAGE}/data/{PARSED_DATA}", parsed_data_json(package / "data")))
    return sorted(files)


def parsed_data_json(data_dir: Path) -> bytes:
    """Every data file of the engine, parsed, as the one JSON file the engine reads in the browser."""
    parsed = {path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(data_dir.glob("*.toml"))}
    # Key order kept as written: the engine lists roles, skills and markets in file order.
    return json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode()


def bytecode(name: str, source: bytes) -> bytes:
    """A module's .pyc (unchecked hash-based: it loads without its source and never goes stale
    by a timestamp), compiled by this interpreter as `import` would, asserts and docstrings kept."""
    from importlib._bootstrap_external import _code_to_hash_pyc

    try:
        code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    except SyntaxError as err:
        raise QuizBuildError(f"{name}:{err.lineno}: cannot be compiled: {err.msg}") from None
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def engine_file_name(version: str) -> str:
    return f"{ENGINE_DIST}-{version}.zip"


class Utf8ZipInfo(zipfile.ZipInfo):
    """An entry whose name is flagged UTF-8 even when it is ASCII, so no reader of the zip
    falls back to cp437 (a codec Pyodide would otherwise compile on a visitor's start)."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("utf-8"), self.flag_bits | 0x800


def stdlib_sources(stdlib_zip: bytes) -> list[tuple[str, bytes]]:
    """(archive name, bytes) of the STDLIB_MODULES' sources, as the runtime's Python ships them."""
    files = []
    with zipfile.ZipFile(io.BytesIO(stdlib_zip)) as stdlib:
        shipped = set(stdlib.namelist())
        for module in STDLIB_MODULES:
            path = module.replace(".", "/")
            name = next((n for n in (f"{path}/__init__.py", f"{path}.py") if n in shipped), None)
            if name is None:
                raise QuizBuildError(f"python_stdlib.zip: no module {module} to precompile")
            files.append((name, stdlib.read(name)))
    return files


def build_engine_zip(stdlib_zip: bytes, root: Path = ROOT) -> tuple[str, bytes]:
    """(file name, bytes) of the engine as the browser imports it, byte-identical for the same
    sources: every module precompiled (engine/x.pyc, no sources), so Pyodide compiles nothing,
    and the data files as the one parsed JSON file. Python imports it from sys.path as it is
    (zipimport), in CPython 3.11 as in Pyodide 0.25.1's Python 3.11.

    Pyodide's standard library ships as sources, compiled in WebAssembly when first imported;
    the few modules the engine imports beyond those Pyodide starts with (STDLIB_MODULES) come
    precompiled from the runtime's own sources in this file too, ahead of the library on sys.path."""
    entries = []
    for name, data in engine_sources(root) + stdlib_sources(stdlib_zip):
        if name.endswith(".py"):
            entries.append((name + "c", bytecode(name, data)))
        elif name.endswith(f"/{PARSED_DATA}"):  # the TOML files it was parsed from stay behind
            entries.append((name, data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(entries):
            info = Utf8ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return engine_file_name(project_version(root)), buffer.getvalue()


def check_bytecode_matches(runtime_python: str) -> None:
    """The engine's .pyc files load only in a Python of the same minor version (the bytecode and
    its magic number change between minor versions, never within one): the Python running the
    build must be the runtime's, 3.11 for Pyodide 0.25.1's 3.11.3 (its lock file's info.python)."""
    if tuple(int(part) for part in runtime_python.split(".")[:2]) != sys.version_info[:2]:
        raise QuizBuildError(
            f"the engine is precompiled by the Python running the build ({sys.version.split()[0]}), whose "
            f"bytecode Pyodide {PYODIDE_VERSION}'s Python {runtime_python} cannot load: build with Python "
            f"{'.'.join(runtime_python.split('.')[:2])}")


# --- Lock file -------------------------------------------------------------------------


def engine_lock(upstream_lock: Path, engine_path: str, engine: bytes, version: str) -> bytes:
    """The site's pyodide-lock.json: Pyodide's own info, and the engine file as its only package.

    The site ships no other package, so it lists no other: a request for one fails at once
    instead of reaching for a file that is not there. The quiz's worker reads the engine's
    file name and sha256 here and has the browser check the download against it.
    """
    from pyodide_lock import PackageSpec, PyodideLockSpec

    upstream = PyodideLockSpec.from_json(upstream_lock)
    entry = PackageSpec(
        name=ENGINE_DIST, version=version, install_dir="site", package_type="package",
        # Relative to the lock file, which sits in the runtime folder.
        file_name=engine_path.removeprefix(f"{RUNTIME_DIR}/"),
        sha256=hashlib.sha256(engine).hexdigest(), imports=[ENGINE_PACKAGE], depends=[],
    )
    spec = PyodideLockSpec(info=upstream.info, packages={ENGINE_DIST: entry})
    return (spec.json(indent=1, sort_keys=True) + "\n").encode()


def engine_path(name: str, engine: bytes) -> str:
    """Output-relative path of the engine file, in a folder named by its hash: a new engine is a new URL,
    so no HTTP cache can hand back an old one that fails the lock's integrity check."""
    return f"{RUNTIME_DIR}/engine-{hashlib.sha256(engine).hexdigest()[:12]}/{name}"


def runtime_files(cache_dir: Path | None = None, root: Path = ROOT) -> dict[str, bytes]:
    """Output-relative path -> bytes for Pyodide, the engine file and the lock that registers it."""
    runtime, extracted = extracted_files(Path(cache_dir) if cache_dir else default_cache_dir())
    check_bytecode_matches(json.loads(extracted[PYODIDE_LOCK])["info"]["python"])
    files = {f"{RUNTIME_DIR}/{name}": extracted[name] for name in PYODIDE_FILES}
    name, engine = build_engine_zip(extracted["python_stdlib.zip"], root)
    path = engine_path(name, engine)
    files[path] = engine
    files[RUNTIME_LOCK] = engine_lock(runtime / PYODIDE_LOCK, path, engine, project_version(root))
    return dict(sorted(files.items()))


def runtime_paths(root: Path = ROOT, cache_dir: Path | None = None) -> list[str]:
    """The output-relative paths runtime_files writes."""
    _, extracted = extracted_files(Path(cache_dir) if cache_dir else default_cache_dir())
    name, engine = build_engine_zip(extracted["python_stdlib.zip"], root)
    paths = [f"{RUNTIME_DIR}/{n}" for n in PYODIDE_FILES + (PYODIDE_LOCK,)]
    return sorted(paths + [engine_path(name, engine)])


# --- Service worker --------------------------------------------------------------------


def precache_url(base_path: str, entry: str) -> str:
    """An output-relative path ('quiz/index.html', 'pyodide/pyodide.js') as the URL a page requests."""
    if entry.startswith(("http://", "https://")):
        raise QuizBuildError(f"service worker precache: {entry!r} is not on this site")
    if entry.startswith("/"):
        if entry.startswith(base_path):
            return entry
        entry = entry.lstrip("/")
    if entry == "index.html":
        entry = ""
    elif entry.endswith("/index.html"):
        entry = entry[: -len("index.html")]
    return base_path + entry


def normalize_base_path(base_path: str) -> str:
    path = "/" + base_path.strip("/") + "/"
    return "/" if path == "//" else path


def service_worker(base_path: str, build_id: str, precache: list[str], root: Path = ROOT,
                   runtime: list[str] | None = None) -> bytes:
    """The body of <base_path>sw.js: a cache named after this build holding `precache`.

    `precache` lists output-relative paths or site-absolute URLs (the quiz page and its
    assets); the Pyodide runtime and the engine file (`runtime`, the output paths runtime_files
    gave; runtime_paths when not given) are always added. The runtime, 12 MB, is
    copied in when a quiz page whose engine is ready asks for it (or on install, to renew an
    older build's copy): a guide reader on a phone never downloads it. Pages read later are
    cached as they are read.
    """
    base = normalize_base_path(base_path)
    if not build_id or any(ch.isspace() for ch in build_id):
        raise QuizBuildError(f"service worker: build id {build_id!r} must be a non-empty word")
    runtime = sorted(precache_url(base, path) for path in (runtime_paths(root) if runtime is None else runtime))
    urls = sorted({precache_url(base, entry) for entry in precache} - set(runtime))
    config = {
        "basePath": base,
        "cacheName": f"{CACHE_PREFIX}{build_id}",
        "cachePrefix": CACHE_PREFIX,
        "precache": urls,
        "runtime": runtime,
        "runtimeDir": f"{base}{RUNTIME_DIR}/",
        "searchDir": f"{base}pagefind/",  # search.SEARCH_DIR: index chunks, kept once fetched
        "stagingCache": STAGING_CACHE,
    }
    template = SW_TEMPLATE.read_text(encoding="utf-8")
    marker = "/*@config@*/null"
    if marker not in template:
        raise QuizBuildError(f"{SW_TEMPLATE}: the {marker} placeholder is missing")
    return compact("sw.js", template.replace(marker, json.dumps(config, indent=1, sort_keys=True)).encode())
