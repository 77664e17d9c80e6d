"""The quiz's share of the build: its browser runtime files and the service worker.

sitegen/quiz.py assembles them; this module is the pipeline's one door to it. The runtime
(Pyodide, about 10 MB, plus the engine file and lock) only changes when the engine, the quiz
module or the Python compiling the engine changes, so it is kept in the cache under a
fingerprint of those and read back from there.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .cacheguard import file_hashes, read_verified, recorded_hashes
from .fingerprint import digest_files, files_under
from .options import ROOT, BuildOptions
from .problems import Problem, display_path

QUIZ_MODULE = ROOT / "sitegen" / "quiz.py"
MANIFEST = "manifest.json"
KEEP_RUNTIMES = 3


def runtime_key() -> str:
    digest = hashlib.sha256()
    # The engine ships as bytecode, which the interpreter compiling it may write differently.
    digest.update(importlib.util.MAGIC_NUMBER + sys.version.encode() + b"\0")
    digest_files(digest, [QUIZ_MODULE, ROOT / "pyproject.toml"] + files_under(ROOT / "engine"), ROOT)
    return digest.hexdigest()[:20]


def quiz_runtime(options: BuildOptions, problems: list[Problem], present: dict | None = None) -> dict[str, bytes | None]:
    """Output path -> bytes of the quiz runtime, from the cache when the inputs are unchanged;
    None for every file when the output folder holds them all as the cache records them
    (present: output path -> (sha256, ...)), so an edit's build neither reads nor hashes 10 MB."""
    folder = options.cache_dir / "sitegen" / "runtime" / runtime_key()
    recorded = recorded_hashes(folder, MANIFEST) if present else None
    if recorded and all(present.get(name, ("",))[0] == digest for name, digest in recorded.items()):
        os.utime(folder)
        return dict.fromkeys(recorded)
    cached = read_cached(folder)
    if cached is not None:
        os.utime(folder)  # recently used: see keep_newest
        keep_newest(folder.parent, KEEP_RUNTIMES)
        return cached
    try:
        from . import quiz

        files = quiz.runtime_files(options.cache_dir)
    except Exception as err:
        problems.append(Problem(display_path(QUIZ_MODULE), 1, f"quiz runtime: {err}"))
        return {}
    store(folder, files)
    keep_newest(folder.parent, KEEP_RUNTIMES)
    return files


def keep_newest(folder: Path, count: int) -> None:
    """Each engine change makes a new 12 MB runtime entry; keep only the most recently used."""
    entries = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[count:]:
        shutil.rmtree(old, ignore_errors=True)


def read_cached(folder: Path) -> dict[str, bytes] | None:
    """The entry's files, each checked against the hash recorded when it was stored; a damaged
    entry is discarded (and so built again)."""
    return read_verified(folder, MANIFEST, "files")


def store(folder: Path, files: dict[str, bytes]) -> None:
    """Write the cache entry whole or not at all (another build may be reading it), with the
    sha256 of every file in its manifest."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".runtime-", dir=folder.parent))
    for name, data in files.items():
        target = staging / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (staging / MANIFEST).write_bytes(file_hashes(files))
    try:
        os.rename(staging, folder)
    except OSError:  # a concurrent build stored it first
        shutil.rmtree(staging, ignore_errors=True)


def service_worker(base_path: str, build_id: str, precache: list[str], problems: list[Problem],
                   runtime: list[str]) -> bytes | None:
    """sw.js for this build; runtime lists the output paths quiz_runtime gave."""
    try:
        from . import quiz

        return quiz.service_worker(base_path, build_id, precache, runtime=runtime)
    except Exception as err:
        problems.append(Problem(display_path(QUIZ_MODULE), 1, f"service worker: {err}"))
        return None
