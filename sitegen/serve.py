"""`build.py serve`: build, serve on 127.0.0.1, rebuild on every change, reload the open page.

The dev site is built into the cache folder (never site/), with drafts and with one extra
script, /__livereload.js, that polls /__status and reloads the page after each rebuild. It shows
build problems over the page until they are fixed. Changes are found by polling file times, so
nothing beyond the standard library is needed.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import sys
import threading
import time
from pathlib import Path

from .fingerprint import files_under
from .options import ROOT, TEMPLATES, BuildOptions, cache_root
from .problems import ContentErrors

POLL_SECONDS = 0.1
LIVE_RELOAD_JS = b"""// Development only: reload after each rebuild, show build problems over the page.
(function () {
  "use strict";
  var status = new URL("__status", document.currentScript.src);
  var seen = null;
  var panel = null;
  function show(errors) {
    if (!errors.length) { if (panel) { panel.remove(); panel = null; } return; }
    if (!panel) { panel = document.createElement("pre"); panel.className = "build-errors"; document.body.appendChild(panel); }
    panel.textContent = "Build problems (the page shows the last good build):\\n" + errors.join("\\n");
  }
  function poll() {
    fetch(status, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.generation !== seen) { location.reload(); return; }
      seen = s.generation;
      show(s.errors);
    }).catch(function () {}).then(function () { setTimeout(poll, 150); });
  }
  poll();
})();
"""


class DevState:
    """What the page's live-reload script polls: a generation counter and the last problems."""

    def __init__(self):
        self.lock = threading.Lock()
        self.generation = 0
        self.errors: list[str] = []

    def update(self, changed: bool, errors: list[str]) -> None:
        with self.lock:
            if changed or errors != self.errors:
                self.generation += 1
            self.errors = errors

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"generation": self.generation, "errors": self.errors}).encode()


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}

    def __init__(self, *args, dev: DevState, **kwargs):
        self.dev = dev
        super().__init__(*args, **kwargs)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/__livereload.js":
            return self.send_bytes(LIVE_RELOAD_JS, "text/javascript")
        if path == "/__status":
            return self.send_bytes(self.dev.as_json(), "application/json")
        return super().do_GET()

    def send_bytes(self, data: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self):
        if not self.path.startswith("/__"):
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            data = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # quiet: the terminal is for build messages
        pass


def watched_files(content_dir: Path) -> list[Path]:
    return files_under(content_dir) + files_under(TEMPLATES) + files_under(ROOT / "engine")


def snapshot(content_dir: Path) -> tuple:
    stamps = []
    for path in watched_files(content_dir):
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def settled(content_dir: Path, seen: tuple, most_polls: int = 20) -> tuple:
    """The files once two polls in a row see them unchanged.

    An editor saving in place truncates the file and then writes it; a build that read it in
    between would report an empty page. A file that never stops changing is built after
    `most_polls` polls anyway.
    """
    for _ in range(most_polls):
        time.sleep(POLL_SECONDS)
        again = snapshot(content_dir)
        if again == seen:
            break
        seen = again
    return seen


def rebuild(options: BuildOptions, dev: DevState, verb: str = "rebuilt") -> None:
    from .pipeline import build

    started = time.perf_counter()
    try:
        report = build(options)
    except ContentErrors as err:
        lines = [str(p) for p in err.problems]
        for line in lines:
            print(line, file=sys.stderr)
        print(f"{len(lines)} problem(s); still serving the last good build", file=sys.stderr, flush=True)
        dev.update(False, lines)
        return
    dev.update(report.written > 0, [])
    if not report.up_to_date:
        print(f"{verb} {report.pages} pages ({report.written} files changed, {time.perf_counter() - started:.2f}s)", flush=True)


def serve(content_dir: Path, port: int) -> int:
    key = hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:12]
    options = BuildOptions(content_dir=content_dir, out_dir=cache_root() / "sitegen" / f"serve-{key}",
                           base_url=f"http://127.0.0.1:{port}/", drafts=True, live_reload=True)
    dev = DevState()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(Handler, directory=str(options.out_dir), dev=dev)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as err:
        print(f"build.py serve: error: cannot listen on 127.0.0.1:{port} ({err.strerror}); try --port {port + 1}", file=sys.stderr)
        return 2
    # Stamped before the first build, so a file saved while it runs is rebuilt at the first poll.
    last = snapshot(content_dir)
    rebuild(options, dev, verb="built")
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {content_dir} at http://127.0.0.1:{port}/ (drafts included); edits rebuild and reload the page; Ctrl+C stops", flush=True)
    try:
        while True:
            time.sleep(POLL_SECONDS)
            current = snapshot(content_dir)
            if current != last:
                last = settled(content_dir, current)
                rebuild(options, dev)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    return 0
