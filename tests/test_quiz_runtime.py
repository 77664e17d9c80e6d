"""The quiz's runtime bundle: pinned Pyodide, the engine wheel, the lock file, the service worker."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from sitegen import quiz

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def runtime():
    return quiz.runtime_files(quiz.default_cache_dir())


def wheel_entry(files: dict[str, bytes]) -> tuple[str, bytes]:
    [(path, data)] = [(p, d) for p, d in files.items() if p.endswith(".whl")]
    return path, data


def test_runtime_ships_only_what_the_page_needs(runtime):
    names = sorted(runtime)
    wheel_path, _ = wheel_entry(runtime)
    assert names == sorted([
        "pyodide/0.25.1/pyodide.js", "pyodide/0.25.1/pyodide.asm.js", "pyodide/0.25.1/pyodide.asm.wasm",
        "pyodide/0.25.1/python_stdlib.zip", "pyodide/0.25.1/pyodide-lock.json", wheel_path,
    ])
    assert wheel_path.startswith("pyodide/0.25.1/engine-")
    assert runtime["pyodide/0.25.1/pyodide.asm.wasm"][:4] == b"\0asm"


def test_runtime_files_are_the_pinned_tarball_contents(runtime):
    tarball = quiz.default_cache_dir() / quiz.PYODIDE_TARBALL
    assert quiz.sha256_file(tarball) == quiz.PYODIDE_SHA256
    with tarfile.open(tarball) as tar:
        for name in quiz.PYODIDE_FILES:
            assert runtime[f"{quiz.RUNTIME_DIR}/{name}"] == tar.extractfile(f"package/{name}").read(), name


def test_lock_registers_the_engine_wheel_with_its_hash(runtime):
    lock = json.loads(runtime[quiz.RUNTIME_LOCK])
    wheel_path, wheel = wheel_entry(runtime)
    assert lock["info"]["version"] == quiz.PYODIDE_VERSION
    assert list(lock["packages"]) == ["earnverdict-engine"]
    entry = lock["packages"]["earnverdict-engine"]
    assert f"{quiz.RUNTIME_DIR}/" + entry["file_name"] == wheel_path
    assert entry["sha256"] == hashlib.sha256(wheel).hexdigest()
    assert entry["imports"] == ["engine"]
    # A new engine is a new URL: the folder is named after the wheel's hash.
    assert hashlib.sha256(wheel).hexdigest()[:12] in wheel_path


def test_runtime_is_deterministic(runtime):
    assert quiz.runtime_files(quiz.default_cache_dir()) == runtime
    assert quiz.runtime_paths() == list(runtime)


def test_wheel_holds_the_engine_and_a_correct_record():
    name, data = quiz.build_engine_wheel()
    assert name == f"earnverdict_engine-{quiz.project_version()}-py3-none-any.whl"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names[:-4]) + names[-4:]  # sources sorted, then dist-info
        assert "engine/__init__.py" in names and "engine/__main__.py" in names
        assert any(n.startswith("engine/data/") and n.endswith(".toml") for n in names)
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        assert {info.date_time for info in archive.infolist()} == {quiz.ZIP_EPOCH}
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(archive.read(record_name).decode())))
        assert {row[0] for row in rows} == set(names)
        for path, digest, size in rows:
            if path == record_name:
                continue
            content = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
            assert digest == "sha256=" + expected and int(size) == len(content), path
        # Every engine source file is in the wheel, byte for byte.
        for source in (ROOT / "engine").rglob("*.py"):
            if "__pycache__" not in source.parts:
                assert archive.read(source.relative_to(ROOT).as_posix()) == source.read_bytes()


def test_wheel_changes_when_the_engine_changes(tmp_path):
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    _, before = quiz.build_engine_wheel(tmp_path)
    with (tmp_path / "engine" / "__init__.py").open("a") as fh:
        fh.write("\n# changed\n")
    _, after = quiz.build_engine_wheel(tmp_path)
    assert before != after


def test_a_tampered_tarball_that_cannot_be_fetched_again_is_named(tmp_path, monkeypatch):
    (tmp_path / quiz.PYODIDE_TARBALL).write_bytes(b"not the pinned tarball")
    monkeypatch.setenv("PATH", str(tmp_path / "no-npm-here"))
    with pytest.raises(quiz.QuizBuildError) as raised:
        quiz.runtime_files(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / quiz.PYODIDE_TARBALL}: fails the pinned sha256")
    assert "cannot be fetched again" in message and "npm not found" in message and "\n" not in message
    assert not (tmp_path / quiz.PYODIDE_TARBALL).exists()  # the bad copy is never used again


def test_the_runtime_is_extracted_once_and_reused(tmp_path):
    shutil.copy(quiz.default_cache_dir() / quiz.PYODIDE_TARBALL, tmp_path)
    first = quiz.runtime_files(tmp_path)
    # With the runtime cached, the tarball is no longer read.
    (tmp_path / quiz.PYODIDE_TARBALL).unlink()
    assert quiz.runtime_files(tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == [f"pyodide-{quiz.PYODIDE_VERSION}-{quiz.PYODIDE_SHA256[:16]}-checked"]


def sw_config(body: bytes) -> dict:
    text = body.decode()
    start = text.index("const CONFIG = ") + len("const CONFIG = ")
    return json.JSONDecoder().raw_decode(text[start:])[0]


def test_service_worker_is_versioned_by_build_and_scoped_to_the_base_path(tmp_path):
    body = quiz.service_worker("/careers/", "b1", ["quiz/index.html", f"{quiz.RUNTIME_DIR}/pyodide.js", "assets/quiz.123.js", "index.html"])
    config = sw_config(body)
    assert config["cacheName"] == "earnverdict-b1"
    assert config["precache"] == ["/careers/", "/careers/assets/quiz.123.js", "/careers/quiz/"]
    # The runtime is always listed (apart, so a guide reader is not made to download it).
    assert config["runtime"] == ["/careers/" + path for path in quiz.runtime_paths()]
    assert "/careers/pyodide/0.25.1/pyodide.asm.wasm" in config["runtime"]
    assert config["runtimeDir"] == "/careers/pyodide/0.25.1/"
    assert sw_config(quiz.service_worker("/careers/", "b2", []))["cacheName"] == "earnverdict-b2"
    script = tmp_path / "sw.js"
    script.write_bytes(body)
    subprocess.run(["node", "--check", str(script)], check=True)
    assert quiz.service_worker("/careers/", "b1", [f"{quiz.RUNTIME_DIR}/pyodide.js", "quiz/index.html", "assets/quiz.123.js", "index.html"]) == body


def test_service_worker_rejects_a_bad_build_id_or_another_site():
    with pytest.raises(quiz.QuizBuildError, match="build id"):
        quiz.service_worker("/", "", [])
    with pytest.raises(quiz.QuizBuildError, match="not on this site"):
        quiz.service_worker("/", "b1", ["https://cdn.example.com/pyodide.js"])


def test_the_wheel_carries_parsed_data_and_the_engine_uses_it_without_tomllib(runtime, tmp_path):
    _, wheel = wheel_entry(runtime)
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        archive.extractall(tmp_path)
    parsed = json.loads((tmp_path / "engine" / "data" / "parsed.json").read_text())
    assert set(parsed) == {p.name for p in (ROOT / "engine" / "data").glob("*.toml")}
    answers = json.dumps({"role": "data-analyst", "level": "senior", "market": "uk", "hours_per_week": 7,
                          "urgency": "flexible", "skills": ["sql"], "promotion_track": True})
    # -S: no site-packages, so the engine comes from the working folder, not an installed copy
    probe = ("import json, sys; from engine import verdict; "
             "print(json.dumps(verdict(json.loads(sys.argv[1])))); print('tomllib' in sys.modules)")
    from_wheel = subprocess.run([sys.executable, "-S", "-c", probe, answers], cwd=tmp_path,
                                capture_output=True, text=True, check=True).stdout.splitlines()
    from_source = subprocess.run([sys.executable, "-S", "-c", probe, answers], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.splitlines()
    assert from_wheel[0] == from_source[0]
    assert (from_wheel[1], from_source[1]) == ("False", "True")
