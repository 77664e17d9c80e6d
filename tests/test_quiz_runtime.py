"""The quiz's runtime bundle: pinned Pyodide, the precompiled engine, the lock file, the service worker."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import marshal
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


@pytest.fixture(scope="module")
def stdlib_zip():
    return quiz.extracted_files(quiz.default_cache_dir())[1]["python_stdlib.zip"]


def engine_entry(files: dict[str, bytes]) -> tuple[str, bytes]:
    [(path, data)] = [(p, d) for p, d in files.items() if p.startswith(f"{quiz.RUNTIME_DIR}/engine-")]
    return path, data


def test_runtime_ships_only_what_the_page_needs(runtime):
    names = sorted(runtime)
    engine_path, _ = engine_entry(runtime)
    assert names == sorted([
        "pyodide/0.25.1/pyodide.js", "pyodide/0.25.1/pyodide.asm.js", "pyodide/0.25.1/pyodide.asm.wasm",
        "pyodide/0.25.1/python_stdlib.zip", "pyodide/0.25.1/pyodide-lock.json", engine_path,
    ])
    assert engine_path.endswith(f"/earnverdict-engine-{quiz.project_version()}.zip")
    assert runtime["pyodide/0.25.1/pyodide.asm.wasm"][:4] == b"\0asm"


def test_runtime_files_are_the_pinned_tarball_contents(runtime):
    tarball = quiz.default_cache_dir() / quiz.PYODIDE_TARBALL
    assert quiz.sha256_file(tarball) == quiz.PYODIDE_SHA256
    with tarfile.open(tarball) as tar:
        for name in quiz.PYODIDE_FILES:
            assert runtime[f"{quiz.RUNTIME_DIR}/{name}"] == tar.extractfile(f"package/{name}").read(), name


def test_lock_registers_the_engine_file_with_its_hash(runtime):
    lock = json.loads(runtime[quiz.RUNTIME_LOCK])
    engine_path, engine = engine_entry(runtime)
    assert lock["info"]["version"] == quiz.PYODIDE_VERSION
    assert list(lock["packages"]) == ["earnverdict-engine"]
    entry = lock["packages"]["earnverdict-engine"]
    assert f"{quiz.RUNTIME_DIR}/" + entry["file_name"] == engine_path
    assert entry["sha256"] == hashlib.sha256(engine).hexdigest()
    assert entry["imports"] == ["engine"]
    # A new engine is a new URL: the folder is named after the file's hash.
    assert hashlib.sha256(engine).hexdigest()[:12] in engine_path


def test_runtime_is_deterministic(runtime):
    assert quiz.runtime_files(quiz.default_cache_dir()) == runtime
    assert quiz.runtime_paths() == list(runtime)


def test_engine_file_holds_every_module_precompiled_and_no_source(stdlib_zip):
    name, data = quiz.build_engine_zip(stdlib_zip)
    assert name == f"earnverdict-engine-{quiz.project_version()}.zip"
    sources = {p.relative_to(ROOT).as_posix(): p.read_bytes() for p in (ROOT / "engine").rglob("*.py")
               if "__pycache__" not in p.parts}
    # The standard library modules it carries are the runtime's own sources, compiled.
    with zipfile.ZipFile(io.BytesIO(stdlib_zip)) as stdlib:
        for module in quiz.STDLIB_MODULES:
            path = module.replace(".", "/")
            name = f"{path}/__init__.py" if f"{path}/__init__.py" in stdlib.namelist() else f"{path}.py"
            sources[name] = stdlib.read(name)
    assert {"json/__init__.py", "json/decoder.py", "dataclasses.py"} <= set(sources)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert set(names) == {n + "c" for n in sources} | {"engine/data/parsed.json"}
        assert {info.date_time for info in archive.infolist()} == {quiz.ZIP_EPOCH}
        for source_name, source in sources.items():
            pyc = archive.read(source_name + "c")
            # Python 3.11's magic number, an unchecked hash-based .pyc of exactly this source...
            assert pyc[:4] == importlib.util.MAGIC_NUMBER
            assert int.from_bytes(pyc[4:8], "little") == 0b01
            assert pyc[8:16] == importlib.util.source_hash(source)
            # ...holding the code `import` compiles from it.
            assert marshal.loads(pyc[16:]) == compile(source, source_name, "exec", dont_inherit=True), source_name


def test_engine_file_changes_when_the_engine_changes(tmp_path, stdlib_zip):
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    _, before = quiz.build_engine_zip(stdlib_zip, tmp_path)
    with (tmp_path / "engine" / "__init__.py").open("a") as fh:
        fh.write("\n# changed\n")
    _, after = quiz.build_engine_zip(stdlib_zip, tmp_path)
    assert before != after


def test_an_engine_that_does_not_compile_is_named(tmp_path, stdlib_zip):
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "engine" / "money.py").write_text("def broken(:\n")
    with pytest.raises(quiz.QuizBuildError) as raised:
        quiz.build_engine_zip(stdlib_zip, tmp_path)
    assert str(raised.value).startswith("engine/money.py:1: cannot be compiled") and "\n" not in str(raised.value)


def test_the_engine_is_compiled_only_by_a_python_whose_bytecode_pyodide_loads():
    upstream_lock = quiz.extracted_files(quiz.default_cache_dir())[1][quiz.PYODIDE_LOCK]
    runtime_python = json.loads(upstream_lock)["info"]["python"]
    assert runtime_python == "3.11.3"
    quiz.check_bytecode_matches(runtime_python)  # the build's Python is a 3.11 too
    with pytest.raises(quiz.QuizBuildError) as raised:
        quiz.check_bytecode_matches("3.12.1")
    message = str(raised.value)
    assert "cannot load: build with Python 3.12" in message and sys.version.split()[0] in message and "\n" not in message


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


def test_cpython_runs_the_engine_file_as_shipped_with_the_same_verdict(runtime, tmp_path):
    """The browser's engine file on sys.path: its bytecode, and its data read through the zip's
    loader from the parsed JSON (no tomllib), give the verdict the sources give."""
    _, engine = engine_entry(runtime)
    (tmp_path / "engine.zip").write_bytes(engine)
    answers = json.dumps({"role": "data-analyst", "level": "senior", "market": "uk", "hours_per_week": 7,
                          "urgency": "flexible", "skills": ["sql"], "promotion_track": True})
    # -S: no site-packages, so the engine comes from the zip or the working folder, never an installed copy
    probe = ("import json, sys; sys.path.insert(0, 'engine.zip'); import engine; from engine import to_json, verdict; "
             "print(json.dumps(to_json(verdict(json.loads(sys.argv[1]))))); print('tomllib' in sys.modules); "
             "print(engine.__file__)")
    from_zip = subprocess.run([sys.executable, "-S", "-c", probe, answers], cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout.splitlines()
    from_source = subprocess.run([sys.executable, "-S", "-c", probe, answers], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.splitlines()
    assert from_zip[0] == from_source[0]
    assert (from_zip[1], from_source[1]) == ("False", "True")
    assert from_zip[2] == "engine.zip/engine/__init__.pyc"
    assert from_source[2] == str(ROOT / "engine" / "__init__.py")
