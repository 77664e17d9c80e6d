"""Test helpers for the quiz: build the site once, serve it on 127.0.0.1, drive Chromium, run Pyodide in Node."""

from __future__ import annotations

import atexit
import functools
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sitegen.hosting import SiteServer  # noqa: F401  (the tests serve the site through it)

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


# --- Serving: the site as its host serves it (sitegen.hosting) ----------------------------

# --- Chromium ----------------------------------------------------------------------------

# Runs before a page's own scripts: records every CSP violation the document reports.
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        raise AssertionError(f"{CHROMIUM} not found: install Debian's chromium package (make browser)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# --- CPython and Pyodide side by side ------------------------------------------------------

# Pyodide from a built site's runtime folder, with the engine loaded as the site's quiz worker
# loads it: the file its lock lists, checked against the lock's sha256, written where the worker's
# ENGINE_ZIP says (the constants are read from the built worker script itself).
NODE_ENGINE = r"""
const fs = require("fs");
const vm = require("vm");
const crypto = require("crypto");

function workerConstants(workerFile) {
  const context = vm.createContext({ self: { addEventListener() {} }, console: { warn() {}, error() {} } });
  vm.runInContext(fs.readFileSync(workerFile, "utf8"), context);
  const [bridge, zipPath, dist] = vm.runInContext("[BRIDGE, ENGINE_ZIP, ENGINE_DIST]", context);
  return { bridge, zipPath, dist };
}

async function startPyodide(runtimeDir) {
  const { loadPyodide } = require(runtimeDir + "/pyodide.js");
  return loadPyodide({ indexURL: runtimeDir + "/", stdout: () => {}, stderr: (s) => process.stderr.write(s + "\n") });
}

function writeEngine(pyodide, runtimeDir, worker) {
  const lock = JSON.parse(fs.readFileSync(runtimeDir + "/pyodide-lock.json", "utf8"));
  const entry = lock.packages[worker.dist];
  const bytes = fs.readFileSync(runtimeDir + "/" + entry.file_name);
  if (crypto.createHash("sha256").update(bytes).digest("hex") !== entry.sha256) throw new Error(entry.file_name + ": not the lock's sha256");
  pyodide.FS.writeFile(worker.zipPath, bytes);
}
"""

NODE_BATCH = NODE_ENGINE + r"""
// Answers a batch of quiz inputs with the engine on sys.path, as the worker's bridge puts it.
const [runtimeDir, workerFile, inputsFile, outputFile, bridgeFile] = process.argv.slice(2);
(async () => {
  const pyodide = await startPyodide(runtimeDir);
  const worker = workerConstants(workerFile);
  writeEngine(pyodide, runtimeDir, worker);
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(worker.zipPath)})`);
  const run = pyodide.runPython(fs.readFileSync(bridgeFile, "utf8"));
  const out = run(fs.readFileSync(inputsFile, "utf8"));
  fs.writeFileSync(outputFile, out);
})().catch((error) => { console.error(String(error && error.stack || error)); process.exit(1); });
"""

# The worker's own start: its bridge, noting where every module imported since Pyodide started
# came from once the engine is ready, and again after the warm-up that follows "ready".
NODE_START = NODE_ENGINE + r"""
const [runtimeDir, workerFile, outputFile] = process.argv.slice(2);
// Read without importing anything (json would be imported by the probe itself).
const ORIGINS = "import sys; {n: getattr(getattr(m, '__spec__', None), 'origin', None) for n, m in list(sys.modules.items())}";
const origins = (pyodide) => pyodide.runPython(ORIGINS).toJs({ dict_converter: Object.fromEntries });
(async () => {
  const pyodide = await startPyodide(runtimeDir);
  const worker = workerConstants(workerFile);
  const before = origins(pyodide);
  writeEngine(pyodide, runtimeDir, worker);
  const [, , warmUp] = pyodide.runPython(worker.bridge);
  const after = origins(pyodide);
  warmUp();
  const warmed = origins(pyodide);
  fs.writeFileSync(outputFile, JSON.stringify({ before, after, warmed, zipPath: worker.zipPath }));
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


def built_worker(site: Path) -> Path:
    """The quiz worker script as the site ships it (compacted, under its hashed name)."""
    [worker] = (site / "assets").glob("quiz-worker.*.js")
    return worker


def run_node(script: str, args: list[str], work: Path) -> None:
    node = shutil.which("node")
    if node is None:
        raise AssertionError("node not found: Node 20 runs the Pyodide checks")
    path = work / "pyodide-check.js"
    path.write_text(script)
    result = subprocess.run([node, str(path), *args], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"Pyodide in Node failed:\n{result.stderr[-3000:]}")


def run_batch_pyodide(site: Path, runtime_dir: Path, inputs: list[dict], work: Path) -> dict:
    bridge, inputs_file, output_file = work / "bridge.py", work / "inputs.json", work / "outputs.json"
    bridge.write_text(BATCH_BRIDGE)
    inputs_file.write_text(json.dumps(inputs))
    run_node(NODE_BATCH, [str(runtime_dir.resolve()), str(built_worker(site)), str(inputs_file), str(output_file), str(bridge)], work)
    return json.loads(output_file.read_text())


def start_worker_bridge_in_node(site: Path, runtime_dir: Path, work: Path) -> dict:
    """{before, after}: each module's origin once Pyodide started, and after the worker's bridge ran
    with the engine file in place (the engine ready); and zipPath, where the engine file was written."""
    output_file = work / "start.json"
    run_node(NODE_START, [str(runtime_dir.resolve()), str(built_worker(site)), str(output_file)], work)
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
