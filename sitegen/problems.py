"""Content problems: one `path:line: message` line each, collected and reported together."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


MESSAGE_MAX = 400


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        # Values are quoted short where messages are made; this bounds whatever slipped through.
        return f"{self.path}:{self.line}: {clip(self.message, MESSAGE_MAX)}"


class ContentErrors(Exception):
    """Raised with every problem found in one run; the CLI prints them and exits 1."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(set(problems))


def display_path(path: Path | str) -> str:
    """The path as a writer would type it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def clip(text: str, limit: int = 100) -> str:
    """At most `limit` characters of a value, for quoting it in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = 100) -> str:
    """A value as a message quotes it (its repr), cut to about `limit` characters."""
    return clip(repr(value), limit)
