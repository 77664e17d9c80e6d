"""The real command line, run as a subprocess: exit codes, messages, new, check and serve."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, run_subprocess, tree


def test_build_writes_the_site(content, tmp_path):
    out = tmp_path / "out"
    result = run_subprocess("build", "--content", content, "--out", out, "--base-url", "https://example.org/careers")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "built" in result.stdout
    assert 'href="https://example.org/careers/guides/alpha/"' in (out / "guides/alpha/index.html").read_text()
    # Hosts read _headers and robots.txt at their root only: the build says where they go.
    assert "move" in result.stdout and "_headers" in result.stdout and "robots.txt" in result.stdout and "/careers/" in result.stdout
    assert (out / "_headers").read_text().startswith("/careers/*")


def test_a_root_build_says_nothing_about_moving_files(content, tmp_path):
    result = run_subprocess("build", "--content", content, "--out", tmp_path / "out")
    assert result.returncode == 0 and "_headers" not in result.stdout


def test_bad_content_exits_1_with_one_line_per_problem(content, tmp_path):
    out = tmp_path / "out"
    assert run_subprocess("build", "--content", content, "--out", out).returncode == 0
    before = tree(out)
    guide = content / "guides/beta.md"
    lines = guide.read_text().splitlines()
    lines[-1] = "Broken on purpose: [alpha](alhpa.md#cloud-heading)."
    guide.write_text("\n".join(lines) + "\n")

    result = run_subprocess("build", "--content", content, "--out", out)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{guide}:{len(lines)}: link 'alhpa.md#cloud-heading': no such file guides/alhpa.md in the content folder"
    assert tree(out) == before


def test_a_rebuild_in_a_new_process_rewrites_only_what_changed(content, tmp_path):
    out = tmp_path / "out"
    assert run_subprocess("build", "--content", content, "--out", out).returncode == 0
    before = tree(out)
    guide = content / "guides/beta.md"
    guide.write_text(guide.read_text().replace("Nothing more to say.", "One more thing to say."))

    result = run_subprocess("build", "--content", content, "--out", out)

    assert result.returncode == 0, result.stderr
    after = tree(out)
    changed = sorted(path for path in after if before.get(path) != after[path])
    # the page itself, the search index that covers its words, and the service worker whose
    # cache is named after the build
    assert [path for path in changed if not path.startswith("pagefind/")] == ["guides/beta/index.html", "sw.js"]
    assert "pagefind/pagefind-entry.json" in changed
    assert "(1 rendered, " in result.stdout  # the other pages were not even rendered


@pytest.mark.parametrize("args, words", [
    (["publish"], "invalid choice"),
    (["build", "--colour"], "unrecognized arguments: --colour"),
    (["build", "--base-url", "example.org"], "--base-url"),
    (["serve", "--port", "99999"], "not a port number"),
    (["serve", "--port", "http"], "not a port number"),
    (["new"], "the following arguments are required: title"),
])
def test_usage_errors_exit_2_without_traceback(args, words):
    result = run_subprocess(*args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_an_output_folder_that_would_destroy_something_else_is_refused(content, tmp_path):
    other = tmp_path / "documents"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    for out, words in [(content, "would replace the content folder"), (content / "site", "inside the content folder"),
                       (ROOT, "would replace the project"), (other, "holds other files")]:
        result = run_subprocess("build", "--content", content, "--out", out)
        assert result.returncode == 2, out
        assert words in result.stderr and "Traceback" not in result.stderr
    assert (other / "notes.txt").read_text() == "mine"
    assert (content / "guides/alpha.md").is_file()


def test_an_output_folder_that_cannot_be_written_is_one_line(content, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_subprocess("build", "--content", content, "--out", blocker / "site")
    assert result.returncode == 1
    assert result.stderr.startswith("build.py: error:") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_check_validates_and_writes_nothing(content, tmp_path):
    before = tree(content)
    cache = tmp_path / "cache"
    env = {**os.environ, "EARNVERDICT_CACHE": str(cache)}
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(content)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout
    assert tree(content) == before
    assert list(tmp_path.iterdir()) == [content]  # no site, and not even a cache


def test_new_writes_a_valid_guide_once(content, tmp_path):
    result = run_subprocess("new", "Cloud skills that pay", "--role", "backend-developer", "--kind", "best-skills",
                            "--content", content)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == content / "guides/cloud-skills-that-pay.md"
    text = path.read_text()
    assert "title: Cloud skills that pay" in text and "role: backend-developer" in text and "kind: best-skills" in text
    assert f"date: {dt.date.today().isoformat()}" in text
    assert run_subprocess("check", "--content", content).returncode == 0
    out = tmp_path / "out"
    assert run_subprocess("build", "--content", content, "--out", out, "--drafts").returncode == 0
    assert (out / "guides/cloud-skills-that-pay/index.html").is_file()

    again = run_subprocess("new", "Cloud skills that pay", "--content", content)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert path.read_text() == text


def test_new_rejects_an_unknown_role(content):
    result = run_subprocess("new", "Some title", "--role", "astronaut", "--content", content)
    assert result.returncode == 2
    assert "--role 'astronaut' is not a known role" in result.stderr
    assert not (content / "guides/some-title.md").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def test_serve_on_a_busy_port_is_a_usage_error(content):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_subprocess("serve", "--port", port, "--content", content, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_serve_rebuilds_a_file_saved_during_its_first_build(content, monkeypatch):
    import types

    from sitegen import serve

    builds: list[str] = []
    real_rebuild = serve.rebuild

    def rebuild(options, dev, verb="rebuilt"):
        builds.append(verb)
        if len(builds) == 1:  # the writer saves while the first build runs
            beta = content / "guides/beta.md"
            beta.write_text(beta.read_text().replace("Nothing more to say.", "Saved mid-build."))
        real_rebuild(options, dev, verb)

    polls = []

    def sleep(seconds):
        polls.append(seconds)
        if len(polls) > 2:
            raise KeyboardInterrupt  # how Ctrl+C ends the watch loop

    monkeypatch.setattr(serve, "rebuild", rebuild)
    monkeypatch.setattr(serve, "time", types.SimpleNamespace(sleep=sleep, perf_counter=time.perf_counter))
    assert serve.serve(content, free_port()) == 0
    assert builds == ["built", "rebuilt"]


def test_serve_waits_for_a_save_to_settle(content, monkeypatch):
    import types

    from sitegen import serve

    half, whole = ("a", 1, 0), ("a", 2, 812)  # (path, mtime, size): truncated, then written
    polls = iter([whole, whole])
    monkeypatch.setattr(serve, "snapshot", lambda _: next(polls))
    monkeypatch.setattr(serve, "time", types.SimpleNamespace(sleep=lambda s: None))
    assert serve.settled(content, half) == whole

    busy = iter([(n,) for n in range(100)])  # a file rewritten at every poll
    monkeypatch.setattr(serve, "snapshot", lambda _: next(busy))
    assert serve.settled(content, (-1,), most_polls=5) == (4,)


def test_serve_rebuilds_and_reports_changes(content):
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port), "--content", str(content)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def status():
            try:
                return json.loads(fetch(base + "__status")[1])
            except OSError:
                return None

        first = wait_for(status, 30)
        assert first is not None and first["errors"] == []
        code, guide = fetch(base + "guides/beta/")
        assert code == 200 and "Nothing more to say." in guide
        assert 'src="/__livereload.js"' in guide
        assert fetch(base + "__livereload.js")[0] == 200
        assert fetch(base + "no/such/page/")[0] == 404
        assert "draft-note" in fetch(base + "guides/")[1]  # drafts are shown while writing

        beta = content / "guides/beta.md"
        beta.write_text(beta.read_text().replace("Nothing more to say.", "Edited while serving."))
        changed = wait_for(lambda: (s := status()) and s["generation"] > first["generation"] and s, 10)
        assert changed and changed["errors"] == []
        assert "Edited while serving." in fetch(base + "guides/beta/")[1]

        beta.write_text(beta.read_text() + "\n[broken](nowhere.md)\n")
        broken = wait_for(lambda: (s := status()) and s["errors"] and s, 10)
        assert broken and f"{beta}:" in broken["errors"][0] and "nowhere.md" in broken["errors"][0]
        assert "Edited while serving." in fetch(base + "guides/beta/")[1]  # the last good build stays up
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "Traceback" not in server.stderr.read()
