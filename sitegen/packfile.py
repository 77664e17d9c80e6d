"""Pack files: a cache's entries appended one frame at a time to a single file.

A frame is the payload's length (4 bytes, big-endian), its sha256 (32 bytes), then the pickled
(key, value). The hash is recorded when the frame is written and checked before it is used, so a
frame cut short (a build stopped in the middle of a write) or damaged ends what can be read,
and never hands back bad bytes. One file for many entries: creating files is what a first
build spends most of its system time on.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

FRAME_HEAD = 36


def frame(key: str, value) -> bytes:
    payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
    return len(payload).to_bytes(4, "big") + hashlib.sha256(payload).digest() + payload


def read_pack(path: Path, kind: type) -> tuple[dict, bool]:
    """The entries (key -> value, each value of type kind) in one pack, and whether all of it
    could be read."""
    entries: dict = {}
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return entries, True
    except OSError:
        return entries, False
    at = 0
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        payload = data[at + FRAME_HEAD : at + FRAME_HEAD + length]
        if len(payload) != length or hashlib.sha256(payload).digest() != data[at + 4 : at + FRAME_HEAD]:
            return entries, False
        try:
            key, value = pickle.loads(payload)
        except Exception:
            return entries, False
        if isinstance(key, str) and isinstance(value, kind):
            entries[key] = value
        at += FRAME_HEAD + length
    return entries, True
