"""The built site served on 127.0.0.1 as a static host serves it: the site's own `_headers`
applied the way Netlify and Cloudflare Pages read them, and .wasm as application/wasm.

The browser tests and the benchmark both use it, so what they check and time is the site with
its real Content-Security-Policy and cache rules, not a bare file server.
"""

from __future__ import annotations

import fnmatch
import functools
import http.server
import threading
from pathlib import Path

EXTRA_TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
               ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
               ".xml": "application/xml"}
HOLD_LIMIT_SECONDS = 120  # a held path is answered after this long even if never released


def parse_headers(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """`_headers`: an unindented path pattern, then indented `Name: value` lines; `! Name`
    drops a header an earlier rule set (value None)."""
    rules: list[tuple[str, list[tuple[str, str | None]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules and line.strip().startswith("!"):
            rules[-1][1].append((line.strip()[1:].strip(), None))
        elif rules and ":" in line:
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def headers_for(rules, path: str) -> list[tuple[str, str]]:
    """Every rule whose pattern matches adds its headers, in file order."""
    headers: list[tuple[str, str]] = []
    for pattern, lines in rules:
        if fnmatch.fnmatchcase(path, pattern):
            for name, value in lines:
                if value is None:
                    headers = [h for h in headers if h[0].lower() != name.lower()]
                else:
                    headers.append((name, value))
    return headers


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real host and the browser use it
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}
    header_rules: list = []
    requests: list[str]  # every path asked for, in order: what the browser and its service worker fetched
    held: dict[str, threading.Event]  # path -> answered only once the event is set (SiteServer.hold)

    def do_GET(self) -> None:
        gate = self.held.get(self.path.split("?", 1)[0])
        if gate is not None:
            gate.wait(HOLD_LIMIT_SECONDS)
        super().do_GET()

    def site_headers(self) -> list[tuple[str, str]]:
        return headers_for(self.header_rules, self.path.split("?", 1)[0])

    def send_header(self, keyword: str, value: str) -> None:
        # A header the site sets replaces the server's own: one Content-Type, not two.
        if not getattr(self, "_from_rules", False) and keyword.lower() in {n.lower() for n, _ in self.site_headers()}:
            return
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        self._from_rules = True
        for name, value in self.site_headers():
            self.send_header(name, value)
        self._from_rules = False
        super().end_headers()

    def log_request(self, code="-", size="-") -> None:
        self.requests.append(self.path.split("?", 1)[0])

    def log_message(self, format: str, *args) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a browser dropping a connection mid-download (navigation, closed context) is normal


class SiteServer:
    """`with SiteServer(site) as server:` serves site on a free port; server.origin is
    'http://127.0.0.1:PORT' and server.requests lists the paths asked for so far.
    server.hold(path) keeps that path's responses waiting until the returned event is set:
    a slow network for one file, such as a service worker that arrives late."""

    def __init__(self, root: Path):
        headers_file = root / "_headers"
        rules = parse_headers(headers_file.read_text()) if headers_file.is_file() else []
        self.requests: list[str] = []
        self.held: dict[str, threading.Event] = {}
        handler = type("Handler", (SiteHandler,), {"header_rules": rules, "requests": self.requests, "held": self.held})
        self.httpd = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def hold(self, path: str) -> threading.Event:
        return self.held.setdefault(path, threading.Event())

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for gate in self.held.values():
            gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()
