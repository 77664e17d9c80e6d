"""Fingerprints of a build's inputs, so an unchanged site is recognised without rendering it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .options import ROOT, BuildOptions

GENERATOR_DIRS = (ROOT / "sitegen", ROOT / "engine")
PROJECT_FILE = ROOT / "pyproject.toml"


def files_under(folder: Path, pattern: str = "*") -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def walk(folder: Path):
    """(rel path, os.DirEntry) of every entry under folder that is not a folder, depth first:
    folders are entered, links to folders are not (they come out as entries)."""
    folders = [(str(folder), "")]
    while folders:
        current, prefix = folders.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, rel + "/"))
                else:
                    yield rel, entry


def digest_files(digest, files: list[Path], root: Path) -> None:
    for path in files:
        if not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def settings_fingerprint(options: BuildOptions) -> str:
    """Everything a page's HTML depends on besides its own context: templates, the generator,
    the engine (templates read the catalog) and the options."""
    digest = hashlib.sha256()
    digest.update(repr((options.base_url, options.drafts, options.live_reload)).encode())
    digest_files(digest, files_under(options.templates_dir), options.templates_dir)
    for folder in GENERATOR_DIRS:
        digest_files(digest, files_under(folder), ROOT)
    digest_files(digest, [PROJECT_FILE], ROOT)  # the engine file's version comes from it
    return digest.hexdigest()


def content_digests(contents: dict) -> dict[str, str]:
    """The sha256 of each content file (contentpolicy.read_content's), read or Known."""
    from .contentpolicy import Known

    return {rel: data.record.digest if isinstance(data, Known) else hashlib.sha256(data).hexdigest() for rel, data in contents.items()}


def input_fingerprint(options: BuildOptions, digests: dict[str, str], settings: str) -> str:
    """The settings (settings_fingerprint) plus every content file (its path in the content
    folder and content_digests' sha256): equal fingerprints give an identical site."""
    digest = hashlib.sha256(settings.encode())
    digest.update(str(options.content_dir.resolve()).encode())
    for rel, file_digest in digests.items():
        digest.update(f"{rel}\0{file_digest}\0".encode())
    return digest.hexdigest()


def installed_version(distribution: str, module: str) -> str:
    """The installed version of a distribution, read from the name of the one .dist-info folder
    beside its top-level module: importlib.metadata alone takes longer to import (some 12 ms)
    than a rebuild after an edit spends on most of its stages. Elsewhere, importlib.metadata."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin:
        prefix = distribution.replace("-", "_").lower() + "-"
        found = [entry.name for entry in os.scandir(Path(spec.origin).parent.parent)
                 if entry.name.endswith(".dist-info") and entry.name.lower().startswith(prefix)]
        if len(found) == 1:
            return found[0][len(prefix):-len(".dist-info")]
    from importlib.metadata import version

    return version(distribution)
