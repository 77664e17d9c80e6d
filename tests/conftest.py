"""Shared test helpers: fixture content trees, builds through the real CLI, output snapshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the repository's packages, installed or not
    sys.path.insert(0, str(ROOT))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_cli(*args: str, capsys=None) -> tuple[int, str, str]:
    """Run build.py's main in this process; returns (exit code, stdout, stderr)."""
    from sitegen.cli import main

    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # argparse exits for usage errors
        code = exit_.code
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, err


def run_subprocess(*args: str, cwd: Path = ROOT, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative path -> bytes), for byte-for-byte comparisons."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


GENERATOR_TESTS = ("test_build", "test_cli", "test_site")


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory) -> Path:
    """A cache folder for this test session, so builds of throwaway folders leave nothing in
    the user's cache. The pinned Pyodide download is linked in from the user's cache when it
    is there, rather than fetched again."""
    from sitegen.options import cache_root
    from sitegen.precompress import CACHE as PRECOMPRESSED
    from sitegen.quiz import PYODIDE_TARBALL, PYODIDE_VERSION

    cache = tmp_path_factory.mktemp("cache")
    shared = cache_root()
    # Brotli copies of the runtime are content-addressed and slow to make: share them too.
    (shared / PRECOMPRESSED).mkdir(parents=True, exist_ok=True)
    (cache / PRECOMPRESSED).symlink_to(shared / PRECOMPRESSED)
    for entry in [shared / PYODIDE_TARBALL, *shared.glob(f"pyodide-{PYODIDE_VERSION}-*")]:
        if entry.exists():
            (cache / entry.name).symlink_to(entry)
    return cache


@pytest.fixture(autouse=True)
def private_build_cache(request, monkeypatch):
    """The site generator's tests (and the build.py processes they start) use the session cache."""
    if request.module.__name__.rsplit(".", 1)[-1].startswith(GENERATOR_TESTS):
        monkeypatch.setenv("EARNVERDICT_CACHE", str(request.getfixturevalue("build_cache")))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the basic fixture content, free to edit."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURES / "basic", target)
    return target


@pytest.fixture
def built(content: Path, tmp_path: Path, capsys) -> Path:
    """The basic fixture built into tmp_path/site; returns the output folder."""
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 0, err
    return out


@pytest.fixture(scope="session")
def subpath_site(tmp_path_factory, build_cache) -> Path:
    """The basic fixture built under a sub-path base URL, shared by read-only tests."""
    from sitegen.options import BuildOptions
    from sitegen.pipeline import build

    out = tmp_path_factory.mktemp("subpath") / "site"
    build(BuildOptions(content_dir=FIXTURES / "basic", out_dir=out, base_url="https://example.org/careers/", cache_dir=build_cache))
    return out


@pytest.fixture(scope="session")
def real_site(tmp_path_factory, build_cache) -> Path:
    """The real content/ built once through the CLI; tests read it, never change it."""
    out = tmp_path_factory.mktemp("real") / "site"
    env = {**os.environ, "EARNVERDICT_CACHE": str(build_cache)}
    result = run_subprocess("build", "--content", ROOT / "content", "--out", out, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return out


@pytest.fixture(scope="module")
def site_server():
    """The real site, built once per session, served as its host serves it."""
    from tests import quizkit

    with quizkit.SiteServer(quizkit.built_site()) as running:
        yield running


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests import quizkit

    with sync_playwright() as p:
        browser = quizkit.launch_chromium(p)
        yield browser
        browser.close()
