"""The built site served as its host serves it: the tests and the benchmark go through this."""

import threading
import urllib.request

from sitegen.hosting import SiteServer, headers_for, parse_headers

HEADERS = """\
/*
  Cache-Control: public, max-age=0, must-revalidate
  X-Content-Type-Options: nosniff

/assets/*
  ! Cache-Control
  Cache-Control: public, max-age=31536000, immutable

/pyodide/pyodide.asm.wasm
  Content-Type: application/wasm
"""


def test_headers_rules_apply_like_the_cdn():
    rules = parse_headers(HEADERS)
    asset = dict(headers_for(rules, "/assets/app.1234.js"))
    assert asset["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset["X-Content-Type-Options"] == "nosniff"
    # `! Cache-Control` drops the catch-all's value rather than sending both
    cache_rules = [v for n, v in headers_for(rules, "/assets/app.1234.js") if n == "Cache-Control"]
    assert cache_rules == ["public, max-age=31536000, immutable"]
    page = dict(headers_for(rules, "/guides/x/"))
    assert page["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Content-Type" not in page


def test_server_sends_one_content_type_and_logs_requests(tmp_path):
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "pyodide.asm.wasm").write_bytes(b"\0asm")
    (tmp_path / "_headers").write_text(HEADERS)
    with SiteServer(tmp_path) as server:
        with urllib.request.urlopen(server.origin + "/pyodide/pyodide.asm.wasm") as response:
            types = response.headers.get_all("Content-Type")
            body = response.read()
    assert types == ["application/wasm"]
    assert body == b"\0asm"
    assert server.requests == ["/pyodide/pyodide.asm.wasm"]


def test_a_held_path_is_answered_only_once_released(tmp_path):
    (tmp_path / "sw.js").write_text("// late")
    (tmp_path / "index.html").write_text("now")
    with SiteServer(tmp_path) as server:
        gate = server.hold("/sw.js")
        answers: list[bytes] = []
        fetching = threading.Thread(target=lambda: answers.append(urllib.request.urlopen(server.origin + "/sw.js").read()))
        fetching.start()
        # Other paths are not held, and the held one waits however long it takes.
        with urllib.request.urlopen(server.origin + "/index.html") as response:
            assert response.read() == b"now"
        fetching.join(0.5)
        assert fetching.is_alive() and answers == []
        gate.set()
        fetching.join(10)
    assert answers == [b"// late"]
