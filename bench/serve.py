"""A threaded static server on 127.0.0.1 that answers like the CDN would: the site's _headers
rules (Netlify/Cloudflare format) applied, the right MIME types for wasm and modules."""
from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

EXTRA_TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
               ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
               ".webmanifest": "application/manifest+json", ".xml": "application/xml"}


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(path pattern, [(header, value), ...]), ...] from a _headers file."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules and ":" in line:
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def pattern_matches(pattern: str, path: str) -> bool:
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern or (pattern.endswith("/") and path == pattern + "index.html")


def headers_for(rules, path: str) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for pattern, headers in rules:
        if pattern_matches(pattern, path):
            for name, value in headers:
                found[name] = value   # later, more specific rules override
    return list(found.items())


class _Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}
    rules: list = []
    requests: list = []  # paths requested, in order: what the browser (and its service worker) fetched

    def do_GET(self) -> None:
        self.requests.append(self.path.split("?", 1)[0])
        super().do_GET()

    def site_headers(self) -> list[tuple[str, str]]:
        return headers_for(self.rules, self.path.split("?", 1)[0])

    def send_header(self, keyword: str, value: str) -> None:
        # A header the site sets replaces the server's own (one Content-Type, not two).
        if any(name.lower() == keyword.lower() for name, _ in self.site_headers()):
            return
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        for name, value in self.site_headers():
            super().send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A browser closing a connection mid-download (navigation, context closed) is normal.
        pass


@contextlib.contextmanager
def serve_directory(root: Path):
    """Yields (base URL ending in /, the list of paths requested so far) for root served on a
    free port of 127.0.0.1."""
    headers_file = root / "_headers"
    rules = parse_headers_file(headers_file.read_text()) if headers_file.is_file() else []
    requests: list[str] = []
    handler = type("SiteHandler", (_Handler,), {"rules": rules, "requests": requests})
    server = _QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()
