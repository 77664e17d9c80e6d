"""A damaged cache costs time, never correctness: every kind of cache entry is checked against the
hash recorded when it was written, and a damaged one is discarded and rebuilt, so the site built
afterwards is byte for byte the site a clean cache gives."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_subprocess, tree

RUNTIME_FILE = "pyodide/0.25.1/pyodide.asm.wasm"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Path, dict]:
    """A cache folder filled by one build of the basic fixture, and that build's output. Only the
    brotli/gzip copies are links into the shared cache (slow to make); the rest are real files
    this module may damage."""
    from sitegen.options import cache_root
    from sitegen.precompress import CACHE as PRECOMPRESSED
    from sitegen.quiz import PYODIDE_TARBALL

    root = tmp_path_factory.mktemp("seeded")
    cache, shared = root / "cache", cache_root()
    (cache / PRECOMPRESSED).mkdir(parents=True)
    if (shared / PYODIDE_TARBALL).is_file():
        shutil.copy(shared / PYODIDE_TARBALL, cache / PYODIDE_TARBALL)
    for entry in sorted((shared / PRECOMPRESSED).glob("*")) if (shared / PRECOMPRESSED).is_dir() else []:
        (cache / PRECOMPRESSED / entry.name).symlink_to(entry.resolve())
    result = build(root / "site", cache)
    assert result.returncode == 0, result.stderr
    return cache, tree(root / "site")


def build(out: Path, cache: Path, path_env: str | None = None, content: Path = FIXTURES / "basic"):
    env = {**os.environ, "EARNVERDICT_CACHE": str(cache)}
    if path_env is not None:
        env["PATH"] = path_env
    return run_subprocess("build", "--content", content, "--out", out, env=env, timeout=600)


def private_copy(seeded, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    shutil.copytree(seeded[0], cache, symlinks=True)
    return cache


def state_dir(out: Path, cache: Path) -> Path:
    from sitegen.options import BuildOptions

    return BuildOptions(out_dir=out, cache_dir=cache).state_dir


def runtime_entry(cache: Path) -> Path:
    (entry,) = (cache / "sitegen" / "runtime").iterdir()
    return entry


def extraction(cache: Path) -> Path:
    (folder,) = cache.glob("pyodide-*-checked")
    return folder


def halve(path: Path) -> None:
    data = path.read_bytes()
    path.unlink()  # a link is replaced by a damaged file, never damaged through
    path.write_bytes(data[: len(data) // 2])


def flip(path: Path, old: bytes, new: bytes) -> None:
    """Change bytes inside a file so that it still parses: only its hash can tell."""
    data = path.read_bytes()
    assert old in data, (path, old)
    path.write_bytes(data.replace(old, new))


def damage_tarball(cache: Path) -> None:
    from sitegen.quiz import PYODIDE_TARBALL

    halve(cache / PYODIDE_TARBALL)
    shutil.rmtree(extraction(cache))
    shutil.rmtree(runtime_entry(cache))


def damage_extraction(cache: Path) -> None:
    halve(extraction(cache) / "pyodide.asm.wasm")
    flip(extraction(cache) / "pyodide-lock.json", b'"version"', b'"versiom"')
    shutil.rmtree(runtime_entry(cache))


def damage_runtime(cache: Path) -> None:
    halve(runtime_entry(cache) / "files" / RUNTIME_FILE)


def damage_engine(cache: Path) -> None:
    (engine,) = (runtime_entry(cache) / "files").glob("pyodide/0.25.1/engine-*/*.zip")
    data = bytearray(engine.read_bytes())
    data[len(data) // 2] ^= 0xFF
    engine.write_bytes(bytes(data))


def damage_copy(cache: Path, seeded_site: dict) -> Path:
    from sitegen.precompress import CACHE

    digest = hashlib.sha256(seeded_site["pyodide/0.25.1/pyodide.asm.js"]).hexdigest()
    copy = cache / CACHE / f"{digest}.br"
    halve(copy)
    return copy


# Damage done to a cache after one build into `out`; the next build goes to the same `out`
# with the output removed, so whatever the cache holds is used.
STATE_DAMAGE = {
    "render pack": lambda state: [flip(pack, b"Nothing more to say.", b"Nothing more to sax.")
                                  for pack in (state / "renderings").glob("*.pack") if b"Nothing more to say." in pack.read_bytes()],
    "frontmatter pickle": lambda state: flip(state / "frontmatter.pickle", b"Beta guide for data analysts", b"Beta guide for data analystz"),
    "plan pickle": lambda state: flip(state / "plan.pickle", b"Beta guide for data analysts", b"Beta guide for data analystz"),
    "state pickle": lambda state: halve(state / "state.pickle"),
    "compiled templates": lambda state: [halve(path) for path in (state / "jinja").iterdir()],
}


@pytest.mark.parametrize("kind", sorted(STATE_DAMAGE))
def test_damaged_build_state_is_rebuilt(kind, seeded, tmp_path):
    cache, expected = private_copy(seeded, tmp_path), seeded[1]
    out = tmp_path / "site"
    assert build(out, cache).returncode == 0
    STATE_DAMAGE[kind](state_dir(out, cache))
    shutil.rmtree(out)

    result = build(out, cache)

    assert result.returncode == 0, result.stderr
    assert tree(out) == expected


RUNTIME_DAMAGE = {
    "pyodide tarball": damage_tarball,
    "extracted runtime": damage_extraction,
    "built runtime": damage_runtime,
    "engine file": damage_engine,
}


@pytest.mark.parametrize("kind", sorted(RUNTIME_DAMAGE))
def test_a_damaged_runtime_entry_is_rebuilt(kind, seeded, tmp_path):
    cache, expected = private_copy(seeded, tmp_path), seeded[1]
    RUNTIME_DAMAGE[kind](cache)

    result = build(tmp_path / "site", cache)

    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "site") == expected
    assert build(tmp_path / "again", cache).returncode == 0  # the repaired entry is sound
    assert tree(tmp_path / "again") == expected


def test_a_damaged_precompressed_copy_is_made_again(seeded, tmp_path):
    from sitegen.cacheguard import read_sealed

    cache, expected = private_copy(seeded, tmp_path), seeded[1]
    copy = damage_copy(cache, expected)

    result = build(tmp_path / "site", cache)

    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "site") == expected
    assert read_sealed(copy) == expected["pyodide/0.25.1/pyodide.asm.js.br"]


def test_every_cache_file_halved_still_builds_the_same_site(seeded, tmp_path):
    """The issue's case: every build failed on a cache with every file cut in half."""
    cache, expected = private_copy(seeded, tmp_path), seeded[1]
    out = tmp_path / "site"
    assert build(out, cache).returncode == 0
    for path in [p for p in cache.rglob("*") if p.is_file() and not p.is_symlink()]:
        halve(path)
    shutil.rmtree(out)

    result = build(out, cache)

    assert result.returncode == 0, result.stderr
    assert tree(out) == expected


def test_a_runtime_that_cannot_be_rebuilt_names_its_cache_path(seeded, tmp_path):
    from sitegen.quiz import PYODIDE_TARBALL

    cache = private_copy(seeded, tmp_path)
    damage_tarball(cache)
    old = tmp_path / "site"
    assert build(old, seeded[0]).returncode == 0  # an earlier good build, from the seeded cache
    before = tree(old)

    result = build(old, cache, path_env=str(tmp_path / "no-npm"))

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[-1].endswith("nothing was written"), result.stderr
    assert lines[0].startswith("sitegen/quiz.py:1: quiz runtime: ")
    assert f"{cache / PYODIDE_TARBALL}: fails the pinned sha256" in lines[0]
    assert tree(old) == before


def test_a_pickle_sealed_as_it_is_written_reads_back_and_fails_when_damaged(tmp_path):
    import pickle

    from sitegen.cacheguard import read_sealed, write_sealed, write_sealed_pickle

    value = {"pages": [b"x" * 300_000, "text", 7], "nested": {"big": bytes(range(256)) * 4000}}
    path, other = tmp_path / "streamed.pickle", tmp_path / "whole.pickle"
    write_sealed_pickle(path, value)
    write_sealed(other, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    assert pickle.loads(read_sealed(path)) == value == pickle.loads(read_sealed(other))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    assert read_sealed(path) is None and not path.exists()  # discarded, to be rebuilt


@pytest.mark.parametrize("distribution, module", [("pillow", "PIL"), ("font-roboto", "font_roboto"), ("pagefind-bin", "pagefind_bin"),
                                                  ("pyyaml", "yaml"), ("earnverdict", "sitegen")])
def test_the_versions_in_the_cache_keys_are_the_installed_ones(distribution, module):
    # Read from the .dist-info folder beside the module, or (the project itself, installed
    # editable) from importlib.metadata: a tool's upgrade must change the keys of what it made.
    from importlib.metadata import version

    from sitegen.fingerprint import installed_version

    assert installed_version(distribution, module) == version(distribution)
