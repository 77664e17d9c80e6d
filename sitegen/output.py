"""Writing the site: a new output folder beside the old one, exchanged with it in one step.

A build reads and renders everything first; nothing is written unless the whole build succeeded.
Every build writes a new folder beside the output and exchanges the two in one atomic rename, so
the output folder is always a whole build, old or new, even if the build is killed or the disk
fills up. A first build (or one over an output folder that changed since) writes every file;
later builds over an output folder that still holds exactly what the last build wrote write
only the files whose bytes changed and hard-link the rest from the current folder.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pickle
import select
import shutil
import signal
import struct
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .fingerprint import walk

STATE_FILE = "state.pickle"
PAGES_FILE = "pages.pickle"  # State.pages, apart: a build with nothing to do never reads them
STATE_VERSION = 7


@dataclass
class State:
    """What the last successful build over one output folder wrote."""

    version: int = STATE_VERSION
    inputs: str = ""  # fingerprint of every input; equal means the build would change nothing
    settings: str = ""  # fingerprint of templates, options and the generator; page keys depend on it
    plan: str = ""  # fingerprint of what every page's context depends on but its own body (Site.plan_key)
    files: dict = field(default_factory=dict)  # output path -> (sha256, size, mtime_ns)
    spare: dict = field(default_factory=dict)  # the same for the spare folder (Staging), the output before
    # output path -> PageRecord of the page written there; kept in PAGES_FILE, read by load_pages
    pages: dict = field(default_factory=dict)
    page_count: int = 0  # len(pages), known without reading them
    # content rel path -> contentpolicy.SourceRecord of each settled markdown file: the next build
    # does not read it while its signature holds
    sources: dict = field(default_factory=dict)


def load_state(state_dir: Path) -> State:
    """The last build's state, without its pages (load_pages), or a blank one when there is none
    or it fails its hash."""
    from .cacheguard import read_sealed

    data = read_sealed(state_dir / STATE_FILE)
    try:
        state = pickle.loads(data) if data is not None else None
        return state if isinstance(state, State) and state.version == STATE_VERSION else State()
    except (pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return State()


def load_pages(state_dir: Path, state: State) -> dict:
    """The page records of the build that wrote state. Unpickling them is most of reading the
    state (some 20 ms at 1,000 guides), which a build with nothing to do does not need. They are
    written with the inputs they were made from: a file left by another build (one stopped
    between writing the two files) gives none, and every page is made again."""
    from .cacheguard import read_sealed

    data = read_sealed(state_dir / PAGES_FILE)
    try:
        inputs, pages = pickle.loads(data) if data is not None else ("", {})
    except (pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError):
        return {}
    return pages if inputs == state.inputs and isinstance(pages, dict) and len(pages) == state.page_count else {}


def save_state(state_dir: Path, state: State) -> None:
    from dataclasses import replace

    from .cacheguard import write_sealed_pickle

    write_sealed_pickle(state_dir / PAGES_FILE, (state.inputs, state.pages))
    write_sealed_pickle(state_dir / STATE_FILE, replace(state, pages={}, page_count=len(state.pages)))


def files_match(out_dir: Path, files: dict) -> bool:
    """True when out_dir holds exactly these files (path -> (sha256, size, mtime_ns)), untouched since."""
    if not files or not out_dir.is_dir():
        return False
    seen = 0
    for rel, entry in walk(out_dir):
        recorded = files.get(rel)
        if recorded is None:
            return False
        stat = entry.stat(follow_symlinks=False)
        if (stat.st_size, stat.st_mtime_ns) != recorded[1:]:
            return False
        seen += 1
    return seen == len(files)


class FolderCheck:
    """files_match of the output folder and of the spare folder beside it (Staging), made in a
    forked process while the build reads and plans: two walks of every file (some 50 ms at
    N=1,000) off the build's path. Where there is no fork, or the build's process runs other
    threads (`serve`: a fork copies no thread, and a lock one of them held would stay held in
    the child), they are made when asked for.

    The child walks the spare with the output's lock held, as a build would: a spare still
    being made when the build starts (make_spare_later, right after a first build) is walked
    once it is whole, while the build goes on, rather than by the build once it has the lock."""

    SPARE_ANSWER = struct.Struct("<?Qq")  # whether the spare matches, and its folder_identity as walked (0, 0: none)

    def __init__(self, out_dir: Path, files: dict, spare: dict):
        out_dir = out_dir.resolve()
        self.out_dir, self.files, self.spare = out_dir, files, spare
        self.spare_dir = out_dir.parent / f".{out_dir.name}.spare"
        self.output: bool | None = None  # the child's answer for the output, once read
        self.pid, self.fd = 0, -1
        if hasattr(os, "fork") and threading.active_count() == 1:
            read_end, write_end = os.pipe()
            self.pid = os.fork()
            if self.pid == 0:  # the child: its answers, then gone without the build's exit handlers
                try:
                    os.close(read_end)
                    # The output's answer first: a build with nothing to do waits for it alone.
                    os.write(write_end, bytes([self.walk_output()]))
                    lock_folder(out_dir.parent)  # held until the child ends, its answer written
                    identity = folder_identity(self.spare_dir) or (0, 0)
                    os.write(write_end, self.SPARE_ANSWER.pack(self.walk_spare(), *identity))
                finally:
                    os._exit(0)
            os.close(write_end)
            self.fd = read_end

    def walk_output(self) -> bool:
        return files_match(self.out_dir, self.files)

    def walk_spare(self) -> bool:
        return bool(self.spare) and files_match(self.spare_dir, self.spare)

    def output_matches(self) -> bool:
        """True when the output folder holds exactly the files the last build wrote."""
        if self.output is None:
            byte = os.read(self.fd, 1) if self.fd >= 0 else b""
            self.output = byte == b"\x01" if byte else self.walk_output()  # no answer: killed, out of memory
        return self.output

    def spare_matches(self) -> bool:
        """The same for the spare folder, asked with the output's lock held: the child's answer
        when it gave one and the folder is still the one it walked, else walked here (a child
        that has not given it waits for the lock this build holds, and is stopped)."""
        self.output_matches()  # its answer comes first
        answer = b""
        if self.fd >= 0 and select.select([self.fd], [], [], 0)[0]:
            answer = os.read(self.fd, self.SPARE_ANSWER.size)
        self.close()
        if len(answer) == self.SPARE_ANSWER.size:
            matches, *identity = self.SPARE_ANSWER.unpack(answer)
            if (folder_identity(self.spare_dir) or (0, 0)) == tuple(identity):
                return matches
        return self.walk_spare()

    def close(self) -> None:
        """Stop the child, whatever it was still walking, and reap it."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = 0


def folder_identity(folder: Path) -> tuple | None:
    """What changes when a folder is replaced or its entries change: its inode and mtime."""
    try:
        stat = os.stat(folder, follow_symlinks=False)
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


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
    """The next output folder, beside the output: filled file by file, then exchanged with the
    output folder in one atomic rename, so the output is all old or all new whenever the build
    stops, and never missing. Removed without a trace when the build fails; a build killed
    before it finished leaves a folder that the next build removes. One build at a time writes
    beside an output folder.

    An incremental build keeps the output it replaces as the spare folder (`.site.spare` beside
    `site/`) and starts the next one from it: only the files that differ from the spare are
    written or linked from the current output, so a one-page edit touches a few files, not
    every folder of the site."""

    def __init__(self, out_dir: Path, spare: dict | None = None, spare_matches=None):
        """spare: the files the spare folder should hold; spare_matches: a function saying
        whether it does (FolderCheck.spare_matches), asked once the lock is held."""
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.spare_dir = self.out_dir.parent / f".{self.out_dir.name}.spare"
        self.lock = lock_folder(self.out_dir.parent)
        self.folder: Path | None = None
        self.records: dict[str, tuple] = {}
        self.present: dict[str, tuple] = {}  # files already in the folder (from the spare), not yet claimed
        self.folders: set[Path] = set()
        self.staged: dict[str, str] = {}  # path -> sha256 of what this build wrote there
        try:
            remove_leftovers(self.out_dir)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
            if spare and (spare_matches() if spare_matches is not None else files_match(self.spare_dir, spare)):
                os.rename(self.spare_dir, self.folder)  # over the empty folder just made
                self.present = dict(spare)
            elif spare is not None and os.path.lexists(self.spare_dir):  # out of date or changed by hand
                remove_tree(self.spare_dir)
        except BaseException:
            self.discard()
            raise

    def target(self, rel: str) -> Path:
        return target_in(self.folder, rel, self.folders)

    def put(self, rel: str, data: bytes, digest: str | None = None) -> None:
        """Stage a file; digest is the sha256 of data when the caller has it already."""
        digest = digest or sha256(data)
        if self.staged.get(rel) == digest:  # already staged (a card, written with its page)
            return
        there = self.present.pop(rel, None)
        if there is not None and there[0] == digest:
            self.records[rel] = there
            return
        target = safe_target(self.folder, rel)
        # A spare file may share its bytes with the live output (a hard link): replace it, never
        # write into it.
        path = target.with_name(f".{target.name}.new") if there is not None else target
        try:
            if target.parent not in self.folders:  # one mkdir per new folder, no check before it
                target.parent.mkdir(parents=True, exist_ok=True)
                self.folders.add(target.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            try:
                view = memoryview(data)
                while view:  # a write may take only part of the bytes
                    view = view[os.write(fd, view):]
                stat = os.fstat(fd)
            finally:
                os.close(fd)
            if path != target:
                os.replace(path, target)
        except OSError as err:  # a full disk: say where, as the build's one line
            raise OSError(err.errno, err.strerror, str(target)) from None
        self.staged[rel] = digest
        self.records[rel] = (digest, stat.st_size, stat.st_mtime_ns)

    def keep(self, rel: str, record: tuple) -> None:
        """Take an unchanged file over from the current output: already there in the spare, or
        a hard link, never a copy."""
        there = self.present.pop(rel, None)
        if there is not None and there[0] == record[0]:
            self.records[rel] = there
            return
        target = self.target(rel)
        if there is not None:
            target.unlink()
        os.link(safe_target(self.out_dir, rel), target)
        self.records[rel] = record

    def swap(self, keep_old: bool = False) -> dict:
        """Put the staged folder in the output's place (the old output becomes the spare with
        keep_old, else is removed); returns the state's file records."""
        for rel in sorted(self.present):  # what the spare had that this build does not
            path = safe_target(self.folder, rel)
            path.unlink()
            remove_empty_parents(path.parent, self.folder)
        os.chmod(self.folder, 0o755)
        if os.path.lexists(self.out_dir):
            if not exchange(self.folder, self.out_dir):
                # No atomic exchange on this system: two renames, the output briefly absent.
                old = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
                os.rename(self.out_dir, old)  # over the empty folder just made
                os.rename(self.folder, self.out_dir)
                self.folder = old
            if keep_old:
                os.rename(self.folder, self.spare_dir)
                self.folder = None
        else:
            os.rename(self.folder, self.out_dir)
            self.folder = None
        self.discard()  # the previous output, unless kept
        if not keep_old:  # the spare is older still: of no use to the next build
            remove_tree(self.spare_dir)
            make_spare_later(self.out_dir, self.records)
        return self.records

    def discard(self) -> None:
        if self.folder is not None:
            remove_tree(self.folder)
            self.folder = None
        if self.lock is not None:
            os.close(self.lock)  # releases the lock
            self.lock = None


def target_in(folder: Path, rel: str, made: set[Path]) -> Path:
    """The path for an output file in folder, its parent folders made (once each: `made`)."""
    target = safe_target(folder, rel)
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    return target


def make_spare_later(out_dir: Path, records: dict) -> None:
    """After a build that wrote every file, make the spare folder the next incremental build
    starts from (hard links to the new output), in a detached process: linking a thousand pages
    into a thousand folders takes a tenth of a second that the writer is not kept waiting for.
    The next build checks the spare before it uses it and waits for the lock this process holds."""
    if not hasattr(os, "fork"):
        return
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    try:
        if os.fork() == 0:  # the grandchild, never waited for, so it leaves no zombie behind
            link_spare(out_dir, records)
    finally:
        os._exit(0)


def link_spare(out_dir: Path, records: dict) -> None:
    lock = lock_folder(out_dir.parent)
    try:
        spare = out_dir.parent / f".{out_dir.name}.spare"
        if os.path.lexists(spare):
            return  # a later build got here first
        # The output is not walked against records first: the build that takes the spare walks
        # it against them, and a spare made while an edit's build waits is on that build's path.
        folder = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.spare-", dir=out_dir.parent))
        made: set[Path] = set()
        for rel in records:
            os.link(safe_target(out_dir, rel), target_in(folder, rel, made))
        os.chmod(folder, 0o755)
        os.rename(folder, spare)
    finally:
        os.close(lock)


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def lock_folder(folder: Path) -> int:
    """Hold an exclusive lock on a folder until the returned descriptor is closed (or the
    process ends, however it ends)."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def remove_leftovers(out_dir: Path) -> None:
    """Remove the staged folders of builds that were killed before they finished."""
    for prefix in (f".{out_dir.name}.new-", f".{out_dir.name}.old-", f".{out_dir.name}.spare-"):
        for leftover in out_dir.parent.glob(glob.escape(prefix) + "*"):
            remove_tree(leftover)


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where the
    system or file system cannot."""
    import ctypes
    import errno

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def write_changed(out_dir: Path, files: dict[str, bytes | None], previous: dict, spare: dict,
                  digests: dict[str, str], spare_matches=None) -> tuple[dict, int]:
    """A new output folder from the spare (or from nothing): files whose bytes changed written
    (None means unchanged), the others linked from the current output, stale ones left out;
    swapped in whole, the current output kept as the next spare. digests: the sha256 of files'
    bytes the build has already computed; spare_matches: as for Staging."""
    staging = Staging(out_dir, spare, spare_matches)
    try:
        written = 0
        for rel, data in files.items():
            old = previous.get(rel)
            digest = None if data is None else digests.get(rel) or sha256(data)
            if digest is None or (old is not None and old[0] == digest):
                staging.keep(rel, old)
            else:
                staging.put(rel, data, digest)
                written += 1
        written += len(set(previous) - set(files))
        return staging.swap(keep_old=True), written
    finally:
        staging.discard()


def atomic_write(path: Path, data: bytes) -> None:
    atomic_fill(path, lambda fh: fh.write(data))


def atomic_fill(path: Path, fill) -> None:
    """Write path whole or not at all: fill(file) writes a temporary file that then replaces it."""
    ensure_folder(path.parent)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except FileNotFoundError:  # removed since this process made it (a guide deleted, then back)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


_made_folders: set[Path] = set()


def ensure_folder(folder: Path) -> None:
    """mkdir -p, once per folder per build: a site's pages share a few folders (guides/, tags/)."""
    if folder not in _made_folders:
        folder.mkdir(parents=True, exist_ok=True)
        _made_folders.add(folder)


def forget_made_folders() -> None:
    """At the start of a build: folders made by an earlier build in this process (`serve`) may
    have been removed since, with the build state or the cache they were in."""
    _made_folders.clear()


def remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
