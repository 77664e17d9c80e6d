"""Test helpers for the quiz: build the site once, serve it on 127.0.0.1, drive Chromium, run Pyodide in Node."""

from __future__ import annotations

import atexit
import fnmatch
import functools
import http.server
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@functools.cache
def built_site() -> Path:
    """The real site, built once per test session into a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="earnverdict-site-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    return build_site(out / "site")


def build_site(out: Path, base_url: str = "http://127.0.0.1/") -> Path:
    """The real site, built by build.py into out (fails the test with build.py's own message)."""
    result = subprocess.run(
        [sys.executable, "build.py", "build", "--out", str(out), "--base-url", base_url],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        raise AssertionError(f"build.py build failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return out


# --- Serving -----------------------------------------------------------------------------


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Netlify/Cloudflare `_headers`: an unindented path pattern, then indented `Name: value`
    lines; `! Name` drops a header an earlier rule set (value None)."""
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
    """Serves the built site with its own _headers, as the CDN would (the CSP reaches workers too)."""

    header_rules: list[tuple[str, list[tuple[str, str]]]] = []
    log: list[str]

    def send_header(self, keyword: str, value: str) -> None:
        # A header the _headers file sets replaces the server's own (e.g. Content-Type).
        if not getattr(self, "_from_rules", False) and keyword.lower() in self._rule_names():
            return
        super().send_header(keyword, value)

    def _rule_names(self) -> set[str]:
        return {name.lower() for name, _ in headers_for(self.header_rules, self.path.split("?", 1)[0])}

    def end_headers(self) -> None:
        self._from_rules = True
        for name, value in headers_for(self.header_rules, self.path.split("?", 1)[0]):
            self.send_header(name, value)
        self._from_rules = False
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # quiet test output, keep a record
        self.log.append(self.path)


class SiteServer:
    """A threaded static server for a folder, on 127.0.0.1 and a free port."""

    def __init__(self, root: Path):
        headers_file = root / "_headers"
        rules = parse_headers_file(headers_file.read_text()) if headers_file.exists() else []
        handler = type("Handler", (SiteHandler,), {"header_rules": rules, "log": []})
        handler.extensions_map = dict(SiteHandler.extensions_map, **{".wasm": "application/wasm", ".whl": "application/zip"})
        self.handler = handler
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def requests(self) -> list[str]:
        return self.handler.log

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- Chromium ----------------------------------------------------------------------------


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} not found: install Debian's chromium package (make browser)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# --- CPython and Pyodide side by side ------------------------------------------------------

NODE_BATCH = r"""
// Loads Pyodide from a built site's runtime folder and answers a batch of quiz inputs.
const fs = require("fs");
const [runtimeDir, inputsFile, outputFile, bridgeFile] = process.argv.slice(2);
const { loadPyodide } = require(runtimeDir + "/pyodide.js");
(async () => {
  const pyodide = await loadPyodide({ indexURL: runtimeDir + "/", packageCacheDir: runtimeDir + "/",
                                      stdout: () => {}, stderr: (s) => process.stderr.write(s + "\n") });
  await pyodide.loadPackage("earnverdict-engine", { messageCallback: () => {} });
  const run = pyodide.runPython(fs.readFileSync(bridgeFile, "utf8"));
  const out = run(fs.readFileSync(inputsFile, "utf8"));
  fs.writeFileSync(outputFile, out);
})().catch((error) => { console.error(String(error && error.stack || error)); process.exit(1); });
"""

# Runs in both interpreters: each input -> the CLI's JSON text, or the one-line InputError.
BATCH_BRIDGE = r"""
import json, sys
from engine import InputError, to_json, verdict

def run_batch(inputs_json):
    results = []
    for answers in json.loads(inputs_json):
        try:
            results.append({"json": to_json(verdict(answers))})
        except InputError as err:
            results.append({"error": str(err), "field": err.field})
    return json.dumps({"platform": sys.platform, "results": results})

run_batch
"""


def run_batch_cpython(inputs: list[dict]) -> dict:
    namespace: dict = {}
    exec(BATCH_BRIDGE, namespace)
    return json.loads(namespace["run_batch"](json.dumps(inputs)))


def run_batch_pyodide(runtime_dir: Path, inputs: list[dict], work: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        raise AssertionError("node not found: Node 20 runs the Pyodide parity check")
    script, bridge = work / "batch.js", work / "bridge.py"
    inputs_file, output_file = work / "inputs.json", work / "outputs.json"
    script.write_text(NODE_BATCH)
    bridge.write_text(BATCH_BRIDGE)
    inputs_file.write_text(json.dumps(inputs))
    result = subprocess.run(
        [node, str(script), str(runtime_dir.resolve()), str(inputs_file), str(output_file), str(bridge)],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        raise AssertionError(f"Pyodide in Node failed:\n{result.stderr[-3000:]}")
    return json.loads(output_file.read_text())


def generated_answers(catalog, count: int, seed: int = 20260101) -> list[dict]:
    """Valid-looking answers spread over the whole input space, plus edge values, deterministically."""
    rng = random.Random(seed)
    roles = [r["slug"] for r in catalog.roles()]
    levels = [l["slug"] for l in catalog.levels()]
    markets = [m["slug"] for m in catalog.markets()]
    skills = [s["slug"] for s in catalog.skills()]
    answers = []
    for i in range(count):
        role, level, market = rng.choice(roles), rng.choice(levels), rng.choice(markets)
        item = {"role": role, "level": level, "market": market,
                "hours_per_week": rng.choice([0, 1, 3, 5, 8, 10, 15, 20, 40, 60, rng.randint(0, 60)]),
                "urgency": rng.choice(["now", "soon", "flexible"])}
        if rng.random() < 0.7:
            band = catalog.salary_band(role, level, market)
            item["salary"] = rng.choice([band["low"], band["mid"], band["high"],
                                          rng.randint(band["low"] // 2, band["high"] * 2)])
        if rng.random() < 0.8:
            item["skills"] = rng.sample(skills, rng.randint(0, 3))
        if rng.random() < 0.6:
            item["promotion_track"] = rng.random() < 0.5
        answers.append(item)
    return answers


def wait_until(page, expression: str, arg=None, timeout_ms: int = 120_000, poll_ms: int = 50):
    """Poll a JS function until it returns something truthy.

    page.wait_for_function evaluates its predicate with eval inside the page, which the site's
    Content-Security-Policy (rightly) forbids; page.evaluate runs outside it.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {expression}")
        page.wait_for_timeout(poll_ms)
