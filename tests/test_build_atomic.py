"""The output folder is a whole build, old or new, whenever a build stops: killed at any instant,
or out of disk space. It is never missing, and what a killed build left behind is removed by the
next one."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli, tree

GUIDES = 400  # enough pages that a build spends a good part of its time writing
TRIES = 24
SEED = 20261202
# About how long each kind of build spends writing its new output folder, for the kills aimed at it.
WRITING_SECONDS = {"incremental": 0.01, "new base URL": 0.3, "lost state": 1.5}


def digests(folder: Path) -> dict[str, str]:
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in tree(folder).items()}


def leftovers(out: Path) -> list[str]:
    # the spare (and the spare being linked in the background) is the output a build replaced
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and not p.name.startswith(f".{out.name}.spare"))


def write_site(content: Path, version: str) -> None:
    """A site of GUIDES guides; `version` changes one guide's words."""
    if content.exists():
        shutil.rmtree(content)
    shutil.copytree(FIXTURES / "basic", content)
    guides = content / "guides" / "bulk"
    guides.mkdir()
    for n in range(GUIDES):
        words = f"Version {version} of this guide." if n == 7 else "The same words every time."
        (guides / f"bulk-{n:04d}.md").write_text(
            f"---\ntitle: Bulk guide {n}\ndescription: Guide {n} of many.\ndate: 2026-03-01\ntags: [bulk, t{n % 20}]\n---\n\n"
            f"## Overview\n\n{words} " + "Pay rises with skills and with the market. " * 40
            + f"\n\n## Next\n\nSee [the next guide](bulk-{(n + 1) % GUIDES:04d}.md#overview).\n")


def command(content: Path, out: Path, base: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--out", str(out), "--base-url", base]


def test_a_killed_build_leaves_the_old_or_the_new_site(tmp_path, build_cache):
    """SIGKILL at random instants of full builds (another base URL changes every page; a lost
    build state writes every file afresh) and of one-guide incremental builds."""
    env = {**os.environ, "EARNVERDICT_CACHE": str(build_cache)}
    out = tmp_path / "site"
    contents = {v: tmp_path / f"content-{v}" for v in "ab"}
    for version, folder in contents.items():
        write_site(folder, version)
    bases = ("https://a.example/", "https://b.example/")
    # Every state the output may be in: each content version under each base URL.
    expected, took = {}, []
    for version in "ab":
        for base in bases:
            reference = tmp_path / f"ref-{version}-{base[8]}"
            started = time.monotonic()
            subprocess.run(command(contents[version], reference, base), env=env, check=True, capture_output=True, timeout=300)
            took.append(time.monotonic() - started)
            expected[(version, base)] = digests(reference)
            shutil.rmtree(reference)
    rng = random.Random(SEED)
    subprocess.run(command(contents["a"], out, bases[0]), env=env, check=True, capture_output=True, timeout=300)
    started = time.monotonic()
    subprocess.run(command(contents["b"], out, bases[0]), env=env, check=True, capture_output=True, timeout=300)
    # How long each kind of build runs: kills land anywhere from early in it to just after it.
    windows = {"incremental": time.monotonic() - started, "new base URL": max(took), "lost state": max(took)}
    current, killed_while_writing = ("b", bases[0]), 0
    for attempt in range(TRIES):
        kind = ("incremental", "new base URL", "lost state")[attempt % 3]
        version, base = current
        target = ("b" if version == "a" else "a", base) if kind != "new base URL" else (version, bases[base == bases[0]])
        if kind == "lost state":
            shutil.rmtree(build_state(out, build_cache), ignore_errors=True)
        left_before = set(leftovers(out))
        process = subprocess.Popen(command(contents[target[0]], out, target[1]), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if attempt % 2:  # an instant anywhere in the build
            time.sleep(rng.uniform(0.3, 1.05) * windows[kind])
        else:  # an instant once the new output folder is being written (when the machine is busy,
            # builds run long and instants drawn over the whole build seldom land there)
            while set(leftovers(out)) <= left_before and process.poll() is None:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, WRITING_SECONDS[kind]))
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate(timeout=300)
        killed_while_writing += bool(set(leftovers(out)) - left_before)
        assert out.is_dir(), f"attempt {attempt} ({kind}): the output folder is missing"
        now = digests(out)
        assert now in (expected[current], expected[target]), f"attempt {attempt} ({kind}): a mix of old and new pages"
        current = target if now == expected[target] else current
        assert process.returncode in (0, -signal.SIGKILL), err
    # the next build finishes and removes what the killed ones left
    subprocess.run(command(contents["a"], out, bases[0]), env=env, check=True, capture_output=True, timeout=300)
    assert digests(out) == expected[("a", bases[0])]
    assert leftovers(out) == []
    print(f"{TRIES} kills (seed {SEED}), {killed_while_writing} while a new output folder was being written")
    assert killed_while_writing >= 3, "too few kills landed while the output was written: raise GUIDES"


def build_state(out: Path, cache: Path) -> Path:
    from sitegen.options import BuildOptions

    return BuildOptions(out_dir=out, cache_dir=cache).state_dir


def test_a_build_removes_what_a_killed_build_left(content, built, capsys):
    for name in (".site.new-x1y2", ".site.old-z3"):
        (built.parent / name / "guides").mkdir(parents=True)
        (built.parent / name / "guides" / "half.html").write_text("half a build")
    (content / "guides/beta.md").write_text((content / "guides/beta.md").read_text() + "\nOne more line.\n")

    code, _, err = run_cli("build", "--content", content, "--out", built, capsys=capsys)

    assert code == 0, err
    assert leftovers(built) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 40 MB tmpfs: room for two builds of the basic fixture (its quiz runtime is about 18 MB)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("the full-disk test mounts a tmpfs, which needs root (CI runs as root)")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system folder is on."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while fh.write(b"\0" * 4096):
                pass
        except OSError:
            pass
    return filler


def test_a_full_disk_leaves_the_old_site(small_disk, content, capsys):
    out = small_disk / "site"
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 0, err
    before = tree(out)
    filler = fill(small_disk)
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text() + "\nA new paragraph that needs a little room.\n")

    # an incremental build, then one that rewrites everything (the output no longer matches its state)
    for attempt in ("incremental", "full"):
        if attempt == "full":
            (out / "robots.txt").unlink()
            (out / "robots.txt").write_bytes(before["robots.txt"])
            before = tree(out)
        code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
        assert code == 1, attempt
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"build.py: error: {small_disk}/"), err
        assert lines[0].endswith(": No space left on device"), err
        assert tree(out) == before, attempt
        assert leftovers(out) == [], attempt

    filler.unlink()
    code, _, err = run_cli("build", "--content", content, "--out", out, capsys=capsys)
    assert code == 0, err
    assert "A new paragraph" in (out / "guides/beta/index.html").read_text()
    assert leftovers(out) == []
