"""Writing the site: swap a fully written temporary folder in, or write only changed files.

A build reads and renders everything first; nothing is written unless the whole build succeeded.
A first build (or one over an output folder that changed since) goes to a temporary folder beside
the output and replaces it in one rename. Later builds over an output folder that still holds
exactly what the last build wrote rewrite only the files whose bytes changed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

STATE_FILE = "state.pickle"
STATE_VERSION = 3


@dataclass
class State:
    """What the last successful build over one output folder wrote."""

    version: int = STATE_VERSION
    inputs: str = ""  # fingerprint of every input; equal means the build would change nothing
    settings: str = ""  # fingerprint of templates, options and the generator; page keys depend on it
    files: dict = field(default_factory=dict)  # output path -> (sha256, size, mtime_ns)
    pages: dict = field(default_factory=dict)  # output path -> PageRecord of the page written there


def load_state(state_dir: Path) -> State:
    """The last build's state, or a blank one when there is none or it fails its hash."""
    from .cacheguard import read_sealed

    data = read_sealed(state_dir / STATE_FILE)
    try:
        state = pickle.loads(data) if data is not None else None
        return state if isinstance(state, State) and state.version == STATE_VERSION else State()
    except (pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return State()


def save_state(state_dir: Path, state: State) -> None:
    from .cacheguard import write_sealed

    write_sealed(state_dir / STATE_FILE, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))


def output_matches(out_dir: Path, state: State) -> bool:
    """True when out_dir holds exactly the files the last build wrote, untouched since."""
    if not state.files or not out_dir.is_dir():
        return False
    seen = 0
    folders = [(str(out_dir), "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, rel + "/"))
                    continue
                recorded = state.files.get(rel)
                if recorded is None:
                    return False
                stat = entry.stat(follow_symlinks=False)
                if (stat.st_size, stat.st_mtime_ns) != recorded[1:]:
                    return False
                seen += 1
    return seen == len(state.files)


def prune_stale(folder: Path, keep: Path, max_age_days: float) -> None:
    """Remove the build state of output folders not built for max_age_days (throwaway and
    renamed output folders would otherwise leave their caches behind forever)."""
    import time

    cutoff = time.time() - max_age_days * 86400
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and entry.path != str(keep) and entry.name != "runtime":
            try:
                stale = entry.stat(follow_symlinks=False).st_mtime < cutoff
            except OSError:
                continue
            if stale:
                shutil.rmtree(entry.path, ignore_errors=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_target(out_dir: Path, rel: str) -> Path:
    """The path for an output file, refusing anything that would land outside out_dir.

    Slugs are validated long before this; this is the last line of defence, kept cheap
    because it runs for every file of every build."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"output path {rel!r} is outside the output folder")
    return out_dir.joinpath(*parts)


class Staging:
    """A temporary folder beside the output: filled file by file, swapped in whole on success,
    removed without a trace otherwise."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
        self.digests: dict[str, str] = {}

    def put(self, rel: str, data: bytes) -> None:
        target = safe_target(self.folder, rel)
        ensure_folder(target.parent)
        target.write_bytes(data)
        self.digests[rel] = sha256(data)

    def swap(self) -> dict:
        """Replace the output folder with the staged one; returns the state's file records."""
        os.chmod(self.folder, 0o755)
        old = None
        if self.out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-", dir=self.out_dir.parent))
            os.rename(self.out_dir, old / "site")
        os.rename(self.folder, self.out_dir)
        self.folder = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        records = {}
        for rel, digest in self.digests.items():
            stat = safe_target(self.out_dir, rel).stat()
            records[rel] = (digest, stat.st_size, stat.st_mtime_ns)
        return records

    def discard(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def write_changed(out_dir: Path, files: dict[str, bytes | None], previous: dict) -> tuple[dict, int]:
    """Write only files whose bytes changed (None means: unchanged, keep); delete stale ones."""
    records, written = {}, 0
    for rel, data in files.items():
        old = previous.get(rel)
        if data is None or (old is not None and old[0] == sha256(data)):
            records[rel] = old
            continue
        target = safe_target(out_dir, rel)
        atomic_write(target, data)
        records[rel] = record(target, data)
        written += 1
    for rel in sorted(set(previous) - set(files)):
        path = safe_target(out_dir, rel)
        path.unlink(missing_ok=True)
        remove_empty_parents(path.parent, out_dir)
        written += 1
    return records, written


def record(path: Path, data: bytes) -> tuple[str, int, int]:
    stat = path.stat()
    return (sha256(data), stat.st_size, stat.st_mtime_ns)


def atomic_write(path: Path, data: bytes) -> None:
    ensure_folder(path.parent)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except FileNotFoundError:  # removed since this process made it (a guide deleted, then back)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


_made_folders: set[Path] = set()


def ensure_folder(folder: Path) -> None:
    """mkdir -p, once per folder per process: a site's pages share a few folders (guides/, tags/)."""
    if folder not in _made_folders:
        folder.mkdir(parents=True, exist_ok=True)
        _made_folders.add(folder)


def remove_empty_parents(folder: Path, stop: Path) -> None:
    stop = stop.resolve()
    folder = folder.resolve()
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        _made_folders.discard(folder)
        folder = folder.parent
