"""The visitor's wait, in headless Chromium: the quiz page against bare Pyodide 0.25.1 starting in a
worker, served from 127.0.0.1 in the same run, with a cold cache (a new browser context) and a warm
one (a second navigation in the same context)."""
from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.hosting import SiteServer
from sitegen.quiz import PYODIDE_FILES, PYODIDE_LOCK, RUNTIME_DIR as PYODIDE_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
READY_TIMEOUT_MS = 120_000
API_TIMEOUT_MS = 15_000
# How long a guide page is watched after load: its service worker registers on load and then
# precaches in the background.
GUIDE_SETTLE_MS = 8_000
FORM_CHANGES = 5
# A question is interactive once a form control is in the document, enabled and laid out, and
# DOMContentLoaded has fired (deferred scripts have run and attached their handlers).
CONTROL_SELECTOR = ("form input:not([disabled]), form select:not([disabled]), "
                    "form button:not([disabled]), form textarea:not([disabled])")

# Runs in every document before its own scripts. It records, on performance.now()'s clock (zero
# at navigation start), when the first question became interactive and when
# window.earnverdict.ready resolved; polling every 2 ms attaches to the promise long before
# Pyodide (hundreds of milliseconds) could resolve it.
PROBE_JS = """
(() => {
  const m = window.__bench = {dcl: null, interactive: null, ready: null, readyError: null};
  const control = () => {
    for (const el of document.querySelectorAll(%r)) {
      if (el.getClientRects().length > 0) return el;
    }
    return null;
  };
  const check = () => {
    if (m.interactive === null && m.dcl !== null && control()) m.interactive = performance.now();
  };
  document.addEventListener('DOMContentLoaded', () => { m.dcl = performance.now(); check(); });
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
  const poll = setInterval(() => {
    const ev = window.earnverdict;
    if (ev && ev.ready && typeof ev.ready.then === 'function') {
      clearInterval(poll);
      ev.ready.then(() => { m.ready = performance.now(); },
                    (e) => { m.readyError = String(e && e.message || e); });
    }
  }, 2);
})();
""" % CONTROL_SELECTOR

BARE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare Pyodide</title>
<script src="bare.js"></script></head><body><p>Bare Pyodide 0.25.1 in a worker.</p></body></html>
"""
# Exposes the same {ready} shape as the quiz page so one probe measures both.
BARE_JS = """
window.earnverdict = {ready: new Promise((resolve, reject) => {
  const worker = new Worker('worker.js');
  worker.onmessage = (e) => e.data.ok ? resolve() : reject(new Error(e.data.error));
  worker.onerror = (e) => reject(new Error(e.message));
  worker.postMessage({indexURL: new URL('pyodide/', location.href).href});
})};
"""
# The same start-up the quiz's worker does, minus the engine: importScripts + loadPyodide.
BARE_WORKER_JS = """
self.onmessage = async (event) => {
  try {
    const indexURL = event.data.indexURL;
    importScripts(indexURL + 'pyodide.js');
    const pyodide = await self.loadPyodide({indexURL});
    pyodide.runPython('1 + 1');
    postMessage({ok: true});
  } catch (error) {
    postMessage({ok: false, error: String(error && error.message || error)});
  }
};
"""

SAMPLE_ANSWERS = [
    {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 5,
     "urgency": "soon", "skills": ["cloud"]},
    {"role": "data-analyst", "level": "entry", "market": "uk", "hours_per_week": 10,
     "urgency": "now", "skills": ["sql"]},
    {"role": "devops-engineer", "level": "senior", "market": "in", "hours_per_week": 0,
     "urgency": "flexible", "skills": []},
    {"role": "ml-engineer", "level": "lead", "market": "ae", "hours_per_week": 20,
     "urgency": "soon", "skills": ["ai-ml", "kubernetes"], "promotion_track": True},
]


def write_bare_site(site: Path, target: Path, upstream: Path) -> Path:
    """A tiny page + worker starting the site's own copy of Pyodide, with Pyodide's upstream lock
    file (bare Pyodide as distributed, not the site's engine-only lock)."""
    runtime = target / "pyodide"  # BARE_JS's indexURL
    runtime.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(site / PYODIDE_DIR / name, runtime / name)
    shutil.copyfile(upstream / PYODIDE_LOCK, runtime / PYODIDE_LOCK)
    (target / "index.html").write_text(BARE_HTML)
    (target / "bare.js").write_text(BARE_JS)
    (target / "worker.js").write_text(BARE_WORKER_JS)
    return target


@dataclass
class PageTiming:
    interactive_ms: float | None
    ready_ms: float | None
    error: str | None = None
    # The quiz worker's own clock: from Python started (loadPyodide resolved) to the engine
    # ready (the quiz page's data-engine-load-ms); None for bare Pyodide.
    engine_load_ms: float | None = None


@dataclass
class QuizResults:
    quiz_cold: list[PageTiming] = field(default_factory=list)
    quiz_warm: list[PageTiming] = field(default_factory=list)
    bare_cold: list[PageTiming] = field(default_factory=list)
    bare_warm: list[PageTiming] = field(default_factory=list)
    quiz_cold_no_sw: list[PageTiming] = field(default_factory=list)
    verdict_ms: list[float] = field(default_factory=list)
    verdict_first_ms: list[float] = field(default_factory=list)
    form_submit_ms: list[float] = field(default_factory=list)   # answers submitted -> verdict shown
    form_change_ms: list[float] = field(default_factory=list)   # one answer changed -> verdict redrawn
    guide_scripts: list[str] = field(default_factory=list)
    guide_pyodide_requests: list[str] = field(default_factory=list)
    guide_page_requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _navigate(page, url: str, want_ready: bool) -> PageTiming:
    page.goto(url, wait_until="load")
    if want_ready:
        # A page without the API fails in seconds, not after the full ready timeout.
        page.wait_for_function("window.earnverdict && window.earnverdict.ready", timeout=API_TIMEOUT_MS)
        page.wait_for_function("window.__bench.ready !== null || window.__bench.readyError !== null",
                               timeout=READY_TIMEOUT_MS, polling=20)
    m = page.evaluate("window.__bench")
    load = page.evaluate("(() => { const app = document.getElementById('quiz-app'); "
                         "return app && app.dataset.engineLoadMs ? Number(app.dataset.engineLoadMs) : null; })()")
    return PageTiming(m["interactive"], m["ready"], m["readyError"], load)


def _verdict_latencies(page, answers: list[dict], repeats: int) -> list[float]:
    return page.evaluate("""async ([answers, repeats]) => {
        const out = [];
        for (let i = 0; i < repeats; i++) {
            const t0 = performance.now();
            await window.earnverdict.verdict(answers[i % answers.length]);
            out.push(performance.now() - t0);
        }
        return out;
    }""", [answers, repeats])


# Submit the filled form, or change the hours answer once a verdict shows, and time it until the
# result section has been redrawn (the observer fires after the handler's DOM updates).
FORM_VERDICT_JS = """async ([mode, hours]) => {
    const form = document.getElementById('quiz-form');
    const result = document.getElementById('quiz-result');
    const done = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
            if (!result.hidden) { observer.disconnect(); resolve(performance.now()); }
        });
        observer.observe(result, {attributes: true, childList: true, subtree: true, characterData: true});
    });
    const t0 = performance.now();
    if (mode === 'submit') {
        form.requestSubmit();
    } else {
        const input = form.elements.namedItem('hours_per_week');
        input.value = String(hours);
        input.dispatchEvent(new Event('input', {bubbles: true}));
    }
    return (await done) - t0;
}"""
FORM_ANSWERS = (("select", "#q-role", "backend-developer"), ("check", 'input[name="level"][value="mid"]', None),
                ("check", 'input[name="market"][value="us"]', None),
                ("check", 'input[name="urgency"][value="soon"]', None))


def _form_verdict_latencies(page, changes: int) -> list[float]:
    """[first verdict after submitting the answers, then each what-if change]; [] when the page
    has no quiz form of the expected shape."""
    if not page.evaluate("!!(document.getElementById('quiz-form') && document.getElementById('quiz-result'))"):
        return []
    for action, selector, value in FORM_ANSWERS:
        if action == "select":
            page.select_option(selector, value)
        else:
            page.check(selector)
    times = [page.evaluate(FORM_VERDICT_JS, ["submit", 0])]
    for k in range(changes):
        times.append(page.evaluate(FORM_VERDICT_JS, ["change", 6 + k]))
    return times


def _cold_without_service_worker(browser, url: str, results: QuizResults) -> None:
    """A diagnostic: the quiz cold with service workers blocked, so the precache the page starts
    at once does not compete with the engine's own start."""
    context = browser.new_context(service_workers="block")
    try:
        context.add_init_script(PROBE_JS)
        results.quiz_cold_no_sw.append(_navigate(context.new_page(), url, want_ready=True))
    finally:
        context.close()


def _cold_and_warm(browser, url: str, verdicts: int, results: QuizResults, quiz: bool) -> None:
    context = browser.new_context()
    try:
        context.add_init_script(PROBE_JS)
        page = context.new_page()
        cold = _navigate(page, url, want_ready=True)
        if quiz and cold.ready_ms is not None and verdicts:
            times = _verdict_latencies(page, SAMPLE_ANSWERS, verdicts)
            results.verdict_first_ms.append(times[0])
            results.verdict_ms.extend(times)
            form_times = _form_verdict_latencies(page, FORM_CHANGES)
            if form_times:
                results.form_submit_ms.append(form_times[0])
                results.form_change_ms.extend(form_times[1:])
        warm = _navigate(page, url, want_ready=True)
    finally:
        context.close()
    (results.quiz_cold if quiz else results.bare_cold).append(cold)
    (results.quiz_warm if quiz else results.bare_warm).append(warm)


def _guide_page_loads(browser, url: str, server_log: list[str], results: QuizResults) -> None:
    """The scripts a guide page loads itself, and what the server sees fetched in the seconds
    after load by anyone in its context (the service worker included)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        scripts: list[str] = []
        page.on("response", lambda r: scripts.append(r.url)
                if r.request.resource_type == "script" else None)
        start = len(server_log)
        page.goto(url, wait_until="load")
        page.wait_for_timeout(GUIDE_SETTLE_MS)
        results.guide_scripts = sorted(set(scripts))
        results.guide_pyodide_requests = sorted({p for p in server_log[start:] if f"/{PYODIDE_DIR}/" in p})
        results.guide_page_requests = list(server_log[start:])
    finally:
        context.close()


def measure_quiz(site: Path, workdir: Path, upstream: Path, runs: int, guide_path: str | None,
                 verdicts: int = 20) -> QuizResults:
    from playwright.sync_api import sync_playwright

    results = QuizResults()
    bare = write_bare_site(site, workdir / "bare-pyodide", upstream)
    with SiteServer(site) as site_server, SiteServer(bare) as bare_server, sync_playwright() as pw:
        site_url, site_requests, bare_url = site_server.origin + "/", site_server.requests, bare_server.origin + "/"
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for run in range(runs):
                # Alternate which goes first, so neither always meets a warmer machine.
                order = [("quiz", lambda: _cold_and_warm(browser, site_url + "quiz/", verdicts, results, True)),
                         ("bare", lambda: _cold_and_warm(browser, bare_url, verdicts, results, False)),
                         ("quiz without service worker",
                          lambda: _cold_without_service_worker(browser, site_url + "quiz/", results))]
                shift = run % len(order)
                for name, measure_once in order[shift:] + order[:shift]:
                    try:
                        measure_once()
                    except Exception as err:  # a broken page is a result, not a crash
                        line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                        results.problems.append(f"{name} run {run}: {line}")
            if guide_path:
                _guide_page_loads(browser, site_url + guide_path.lstrip("/"), site_requests, results)
        finally:
            browser.close()
    return results


def median_of(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None
