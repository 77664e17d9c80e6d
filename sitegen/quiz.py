"""The quiz's browser runtime: Pyodide, the engine wheel, its lock file and the service worker.

Everything here is deterministic: the same repository gives the same bytes, so two builds
of one commit are byte-identical and a changed engine changes the wheel's hash (and so the
lock file, and so the service worker's cache version).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import subprocess
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
# Only what a page needs to start Python and load a wheel; the lock file is our own.
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
# The one runtime file whose bytes change under the same name: it registers each new engine wheel.
RUNTIME_LOCK = f"{RUNTIME_DIR}/{PYODIDE_LOCK}"
ENGINE_DIST = "earnverdict-engine"
ENGINE_PACKAGE = "engine"
# Wheels are zip files: a fixed timestamp keeps them byte-identical across builds.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

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


# --- Engine wheel ----------------------------------------------------------------------


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


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def wheel_name(version: str) -> str:
    return f"{ENGINE_DIST.replace('-', '_')}-{version}-py3-none-any.whl"


class Utf8ZipInfo(zipfile.ZipInfo):
    """An entry whose name is flagged UTF-8 even when it is ASCII.

    Unflagged names are decoded as cp437, and Pyodide would compile that codec only to
    install the wheel: a few milliseconds off every visitor's wait.
    """

    def _encodeFilenameFlags(self):
        return self.filename.encode("utf-8"), self.flag_bits | 0x800


def build_engine_wheel(root: Path = ROOT) -> tuple[str, bytes]:
    """(file name, bytes) of a pure-Python wheel of engine/, byte-identical for the same sources."""
    version = project_version(root)
    dist_info = f"{ENGINE_DIST.replace('-', '_')}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {ENGINE_DIST}\n"
        f"Version: {version}\n"
        "Summary: EarnVerdict's verdict engine: which path pays off best and fastest.\n"
        "Requires-Python: >=3.11\n"
    ).encode()
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: earnverdict-sitegen\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode()
    entries = engine_sources(root) + [
        (f"{dist_info}/METADATA", metadata),
        (f"{dist_info}/WHEEL", wheel),
        (f"{dist_info}/top_level.txt", f"{ENGINE_PACKAGE}\n".encode()),
    ]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in entries:
        writer.writerow([name, record_hash(data), len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = Utf8ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return wheel_name(version), buffer.getvalue()


# --- Lock file -------------------------------------------------------------------------


def engine_lock(upstream_lock: Path, wheel_file: Path) -> bytes:
    """The site's pyodide-lock.json: Pyodide's own info, and the engine wheel as its only package.

    The site ships no other package, so it lists no other: a request for one fails at once
    instead of reaching for a file that is not there. add_wheels_to_spec records the
    wheel's sha256, which Pyodide checks when it loads the package.
    """
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    upstream = PyodideLockSpec.from_json(upstream_lock)
    bare = PyodideLockSpec(info=upstream.info, packages={})
    # The wheel sits in a folder named by its hash, so a new engine is a new URL and no
    # HTTP cache can hand back an old wheel that fails the lock's integrity check.
    base_url = f"{wheel_file.parent.name}/"
    spec = add_wheels_to_spec(bare, [wheel_file], base_url=base_url)
    return (spec.json(indent=1, sort_keys=True) + "\n").encode()


def engine_wheel_path(name: str, wheel: bytes) -> str:
    """Output-relative path of the wheel, in a folder named by its hash: a new engine is a new URL."""
    return f"{RUNTIME_DIR}/engine-{hashlib.sha256(wheel).hexdigest()[:12]}/{name}"


def runtime_files(cache_dir: Path | None = None, root: Path = ROOT) -> dict[str, bytes]:
    """Output-relative path -> bytes for Pyodide, the engine wheel and the lock that registers it."""
    runtime, extracted = extracted_files(Path(cache_dir) if cache_dir else default_cache_dir())
    files = {f"{RUNTIME_DIR}/{name}": extracted[name] for name in PYODIDE_FILES}
    name, wheel = build_engine_wheel(root)
    wheel_path = engine_wheel_path(name, wheel)
    with tempfile.TemporaryDirectory(prefix="earnverdict-wheel-") as tmp:
        local = Path(tmp, wheel_path)
        local.parent.mkdir(parents=True)
        local.write_bytes(wheel)
        lock = engine_lock(runtime / PYODIDE_LOCK, local)
    files[wheel_path] = wheel
    files[RUNTIME_LOCK] = lock
    return dict(sorted(files.items()))


def runtime_paths(root: Path = ROOT) -> list[str]:
    """The output-relative paths runtime_files writes, without reading the Pyodide runtime."""
    name, wheel = build_engine_wheel(root)
    paths = [f"{RUNTIME_DIR}/{n}" for n in PYODIDE_FILES + (PYODIDE_LOCK,)]
    return sorted(paths + [engine_wheel_path(name, wheel)])


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


def service_worker(base_path: str, build_id: str, precache: list[str], root: Path = ROOT) -> bytes:
    """The body of <base_path>sw.js: a cache named after this build holding `precache`.

    `precache` lists output-relative paths or site-absolute URLs (the quiz page and its
    assets); the Pyodide runtime and engine wheel are always added. The runtime, 12 MB, is
    copied in when a quiz page whose engine is ready asks for it (or on install, to renew an
    older build's copy): a guide reader on a phone never downloads it. Pages read later are
    cached as they are read.
    """
    base = normalize_base_path(base_path)
    if not build_id or any(ch.isspace() for ch in build_id):
        raise QuizBuildError(f"service worker: build id {build_id!r} must be a non-empty word")
    runtime = sorted(precache_url(base, path) for path in runtime_paths(root))
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
