"""Bytes set aside on disk until a later stage of the build reads them back.

The cards the render workers draw with their pages come back to the main process while those
workers are still running, and are needed again only when the build assembles its files, after
the workers are gone. Held in memory, 10,000 cards (some 150 MB) were the largest thing the main
process kept while the build was at its peak; here they wait in an unnamed temporary file,
which the system removes with the process however the build ends. The file is made in the
build's own state folder: a temporary folder in memory (tmpfs) would hold them in memory still.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path


class Spool(Mapping):
    """A write-once mapping of str keys to bytes kept in an unnamed temporary file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.file = None
        self.where: dict[str, tuple[int, int]] = {}  # key -> (offset, length)

    def __setitem__(self, key: str, data: bytes) -> None:
        if key in self.where:  # the same card drawn for two pages: the same bytes
            return
        if self.file is None:
            import tempfile  # not loaded by a build that finds nothing changed

            from .output import ensure_folder

            ensure_folder(self.folder)
            self.file = tempfile.TemporaryFile(dir=self.folder)
        self.where[key] = (self.file.tell(), len(data))
        self.file.write(data)

    def __getitem__(self, key: str) -> bytes:
        offset, length = self.where[key]
        self.file.flush()
        return os.pread(self.file.fileno(), length, offset)

    def __iter__(self) -> Iterator[str]:
        return iter(self.where)

    def __len__(self) -> int:
        return len(self.where)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
