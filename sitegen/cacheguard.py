"""Cache entries that are checked before they are used.

Every file the build keeps in its cache carries the sha256 of its bytes, recorded when it was
written: a single file in a one-line header before its bytes (a "sealed" file), a folder of files
in a manifest of their hashes. An entry that fails its hash (a disk error, a copy cut short, a
hand edit) is discarded and rebuilt, so a damaged cache can cost time but never ship bad bytes.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

# A damaged entry is removed with remove_tree: a link is removed, never what it points at (the
# test suite and the benchmark link entries from a shared cache into their own).
from .output import atomic_fill, remove_tree as discard, sha256

SEAL = b"earnverdict-cache sha256="
SEAL_LENGTH = len(SEAL) + 64 + 1  # the header, its hex digest and a newline


def header(digest: str) -> bytes:
    """What a sealed file starts with: SEAL, the sha256 of the rest in hex, a newline."""
    return SEAL + digest.encode() + b"\n"


def unseal(blob: bytes) -> bytes | None:
    """The bytes inside a sealed file, or None when its header is missing or its hash fails."""
    if not blob.startswith(SEAL) or blob[SEAL_LENGTH - 1 : SEAL_LENGTH] != b"\n":
        return None
    data = blob[SEAL_LENGTH:]
    return data if sha256(data).encode() == blob[len(SEAL) : SEAL_LENGTH - 1] else None


def read_sealed(path: Path) -> bytes | None:
    """A sealed file's bytes; None (and the file discarded) when it is missing or damaged."""
    try:
        blob = Path(path).read_bytes()
    except OSError:
        return None
    data = unseal(blob)
    if data is None:
        discard(path)
    return data


def write_sealed(path: Path, data: bytes) -> None:
    """Write whole or not at all (another build may be reading it), with its hash before it."""
    def fill(fh) -> None:
        fh.write(header(sha256(data)))
        fh.write(data)

    atomic_fill(Path(path), fill)


def write_sealed_pickle(path: Path, value) -> None:
    """write_sealed(path, pickle.dumps(value)) without the pickle's bytes in memory: a cache of
    the whole site's pages would otherwise be held twice at the end of the build. The value is
    pickled into the file, and its hash filled into the header after."""
    digest = hashlib.sha256()

    def fill(fh) -> None:
        fh.write(header("0" * 64))  # a placeholder of the same length

        class Hashing:
            @staticmethod
            def write(chunk) -> int:
                digest.update(chunk)
                return fh.write(chunk)

        pickle.dump(value, Hashing, protocol=pickle.HIGHEST_PROTOCOL)
        fh.seek(len(SEAL))
        fh.write(digest.hexdigest().encode())

    atomic_fill(Path(path), fill)


# -- folders with a manifest ---------------------------------------------------------------


def file_hashes(files: dict[str, bytes]) -> bytes:
    """A manifest: each file's name and sha256, as JSON."""
    return json.dumps({name: sha256(data) for name, data in sorted(files.items())}, indent=0).encode()


def read_verified(folder: Path, manifest: str, files_dir: str = "") -> dict[str, bytes] | None:
    """Every file a folder's manifest lists, each checked against its recorded sha256; None
    (and the folder discarded) when the manifest or any file is missing or fails its hash."""
    folder = Path(folder)
    recorded = recorded_hashes(folder, manifest)
    if recorded is None:
        if folder.exists() or folder.is_symlink():
            discard(folder)
        return None
    files = {}
    try:
        base = folder / files_dir if files_dir else folder
        for name, digest in recorded.items():
            data = (base / name).read_bytes()
            if sha256(data) != digest:
                raise ValueError(f"{name} fails its hash")
            files[name] = data
    except (OSError, ValueError):
        discard(folder)
        return None
    return files


def recorded_hashes(folder: Path, manifest: str) -> dict[str, str] | None:
    """A folder's manifest (file name -> sha256), unchecked against the files; None when it is
    missing or not a manifest."""
    try:
        recorded = json.loads((Path(folder) / manifest).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict) or not all(isinstance(v, str) for v in recorded.values()):
        return None
    return recorded
