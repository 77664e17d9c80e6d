"""The quiz end to end in headless Chromium, against the built site served on 127.0.0.1."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from engine.money import money_range
from sitegen import quiz
from tests import quizkit

ANSWERS = {"role": "backend-developer", "level": "mid", "market": "us", "salary": 120000, "hours_per_week": 5,
           "urgency": "soon", "skills": ["cloud", "sql"], "promotion_track": True}
FRAGMENT = "role=backend-developer&level=mid&market=us&salary=120000&hours_per_week=5&urgency=soon&skills=cloud,sql&promotion_track=true"
READY_MS = 120_000
SHOWN = "#quiz-app[data-verdict=shown]"
WASM_ROUTE = f"**/{quiz.RUNTIME_DIR}/pyodide.asm.wasm"

# Runs before the page's own scripts: records every CSP violation the document reports.
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def cli(answers: dict) -> str:
    result = subprocess.run([sys.executable, "-m", "engine"], input=json.dumps(answers), capture_output=True,
                            text=True, cwd=quizkit.ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def server(site_server):
    return site_server  # conftest's; the quiz tests' own name for it


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


class Visit:
    """One cold browser context, recording every request and every console message."""

    def __init__(self, browser, server, **context_options):
        self.server = server
        self.context = browser.new_context(**context_options)
        self.context.add_init_script(CSP_PROBE)
        self.requests: list[str] = []  # every request, the service worker's included
        self.page_requests: list[str] = []  # the page's and its quiz worker's only
        self.console: list[str] = []
        self.context.on("request", self.record)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.worker_console: list[str] = []
        self.page.on("worker", lambda w: w.on("console", lambda m: self.worker_console.append(m.text)))

    def record(self, request) -> None:
        self.requests.append(request.url)
        if request.service_worker is None:
            self.page_requests.append(request.url)

    def open(self, path: str) -> None:
        self.page.goto(self.server.origin + path, wait_until="domcontentloaded")

    def wait_ready(self) -> None:
        self.page.wait_for_selector("#quiz-app[data-engine]", state="attached", timeout=READY_MS)
        assert self.page.evaluate("document.getElementById('quiz-app').dataset.engine") == "ready", self.console
        self.page.evaluate("window.earnverdict.ready")

    def csp_violations(self) -> list[str]:
        seen = self.page.evaluate("window.__csp")
        return seen + [m for m in self.console if "Content Security Policy" in m or "Content-Security-Policy" in m]

    def foreign_requests(self) -> list[str]:
        origin = self.server.origin
        return [u for u in self.requests if not (u.startswith(origin + "/") or u.startswith(("data:", "blob:")))]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, server):
    opened = []

    def make(server=server, **options):
        v = Visit(browser, server, **options)
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.close()


def headline(page) -> str:
    return page.locator("#verdict-headline").inner_text()


def tab_to(page, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def tab_to_input(page, name: str, value: str, limit: int = 40) -> None:
    for _ in range(limit):
        here = page.evaluate("[document.activeElement.name, document.activeElement.value]")
        if here == [name, value]:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {name}={value}")


def choose_radio(page, name: str, value: str) -> None:
    """Tab into a radio group (none chosen yet: focus lands on its first radio), then arrow to value."""
    values = page.evaluate(f"Array.from(document.querySelectorAll('input[name={name}]'), r => r.value)")
    tab_to_input(page, name, values[0])
    index = values.index(value)
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(f"document.querySelector('input[name={name}]:checked').value") == value


def answer_with_keyboard(page, answers: dict) -> None:
    tab_to(page, "q-role")
    options = page.evaluate("Array.from(document.getElementById('q-role').options, o => o.value)")
    for _ in range(options.index(answers["role"])):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.getElementById('q-role').value") == answers["role"]
    choose_radio(page, "level", answers["level"])
    choose_radio(page, "market", answers["market"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-salary"
    page.keyboard.type(str(answers["salary"]))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-hours"
    page.keyboard.press("Control+A")
    page.keyboard.type(str(answers["hours_per_week"]))
    choose_radio(page, "urgency", answers["urgency"])
    boxes = page.evaluate("Array.from(document.querySelectorAll('input[name=skills]'), b => b.value)")
    for skill in boxes:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.value") == skill
        if skill in answers["skills"]:
            page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-promotion"
    if answers["promotion_track"]:
        page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")


def test_keyboard_alone_gets_the_cli_verdict_with_nothing_sent_elsewhere(visit, server):
    v = visit()
    v.open("/quiz/")
    # The questions are usable before the engine is ready.
    assert v.page.evaluate("document.getElementById('q-role').disabled") is False
    answer_with_keyboard(v.page, ANSWERS)
    v.page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    expected = cli(ANSWERS)
    verdict = json.loads(expected)
    page = v.page
    assert headline(page) == verdict["headline"]
    # The verdict is announced, focus moves to it, and the answers are in the fragment.
    assert page.locator("#quiz-announce").inner_text() == verdict["headline"]
    assert page.evaluate("document.activeElement.id") == "verdict-title"
    assert urlsplit(page.url).fragment == FRAGMENT
    assert page.get_attribute("#verdict-link", "href") == "#" + FRAGMENT
    # The plan, and the three paths with the CLI's likely ranges.
    assert page.get_attribute("#quiz-result", "data-best-path") == verdict["best_path"]
    assert [step.get_attribute("data-plan-step") for step in page.locator("[data-plan-step]").all()] == \
        [step["path"] for step in verdict["plan"]]
    cards = page.locator(".verdict-path")
    assert cards.count() == 3
    for i, path in enumerate(verdict["paths"]):
        text = cards.nth(i).inner_text()
        assert path["name"] in text
        span = path["range_36m"]
        assert money_range(span["p10"], span["p90"], verdict["currency"]) in text
    assert page.locator(".verdict-chart svg").count() == 1
    assert verdict["skill_to_learn"]["name"] in page.locator("#quiz-result").inner_text()
    assert page.locator('#quiz-result a[href="/roles/backend-developer/"]').count() == 1
    # The page API gives exactly what the CLI prints, as text and as data.
    assert page.evaluate("(a) => window.earnverdict.verdictJSON(a)", ANSWERS) == expected
    assert page.evaluate("(a) => window.earnverdict.verdict(a)", ANSWERS) == verdict
    assert v.foreign_requests() == []
    assert v.csp_violations() == []
    assert not [m for m in v.console if m.startswith("pageerror")]


def test_no_request_at_all_once_the_engine_is_ready(visit, server):
    v = visit()
    v.open("/quiz/")
    v.wait_ready()
    # From the moment the engine is ready nothing is fetched by the page or its worker, and once
    # the service worker has installed nothing goes over the network. It registers only after the
    # engine has started, so on a first visit its install fetches the page and its assets after
    # "ready". It may also copy a runtime script the quiz worker imported before the service
    # worker took over the page, out of the HTTP cache.
    requests_before, page_requests_before = len(v.requests), len(v.page_requests)
    page = v.page
    page.evaluate("window.earnverdict.offline")
    served_before = len(server.requests)
    page.select_option("#q-role", "data-analyst")
    page.check("input[name=level][value=entry]")
    page.check("input[name=market][value=uk]")
    page.fill("#q-salary", "38000")
    page.check("input[name=urgency][value=now]")
    page.click("button[type=submit]")
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    page.fill("#q-hours", "12")
    for answers in [ANSWERS, dict(ANSWERS, market="in", salary=2_000_000), dict(ANSWERS, hours_per_week=0)]:
        page.evaluate("(a) => window.earnverdict.verdict(a)", answers)
    page.evaluate("window.earnverdict.offline")
    page.wait_for_timeout(1000)
    assert v.page_requests[page_requests_before:] == []
    assert [u for u in v.requests[requests_before:] if not u.startswith(server.origin + "/pyodide/")] == []
    assert server.requests[served_before:] == []
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert v.csp_violations() == []


def test_the_start_requests_the_lock_file_and_the_engine_file_once_each(visit, server):
    v = visit()
    v.open("/quiz/")
    v.wait_ready()
    runtime = [u.removeprefix(server.origin) for u in v.page_requests if f"/{quiz.RUNTIME_DIR}/" in u]
    lock = json.loads((quizkit.built_site() / quiz.RUNTIME_LOCK).read_text())
    engine = f"/{quiz.RUNTIME_DIR}/" + lock["packages"]["earnverdict-engine"]["file_name"]
    # The worker reads the lock first and hands Pyodide the same response.
    assert runtime.count(f"/{quiz.RUNTIME_LOCK}") == 1, runtime
    assert runtime.count(engine) == 1 and engine.endswith(".zip"), runtime
    assert not [u for u in runtime if u.endswith(".whl")]


def test_works_offline_after_one_visit(visit, server):
    v = visit()
    v.open("/quiz/")
    v.wait_ready()
    v.page.evaluate("window.earnverdict.offline")  # the runtime is in the service worker's cache
    v.context.set_offline(True)
    served_before = len(server.requests)
    v.page.goto(server.origin + "/quiz/#" + FRAGMENT, wait_until="domcontentloaded")
    v.wait_ready()
    v.page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    expected = cli(ANSWERS)
    assert headline(v.page) == json.loads(expected)["headline"]
    assert v.page.evaluate("(a) => window.earnverdict.verdictJSON(a)", ANSWERS) == expected
    # Everything came from the service worker's cache: the server saw nothing.
    assert server.requests[served_before:] == []
    assert v.csp_violations() == []


def test_a_service_worker_arriving_after_the_engine_gets_the_runtime_without_a_second_download(visit, server):
    # A first visit on a slow line: the service worker installs only after the engine is ready,
    # so nothing the quiz worker downloaded passed through it.
    late = server.hold("/sw.js")
    try:
        v = visit()
        v.open("/quiz/")
        v.wait_ready()
        assert v.page.evaluate("navigator.serviceWorker.controller") is None
        served_before = len(server.requests)
    finally:
        late.set()
    v.page.evaluate("window.earnverdict.offline")
    served = server.requests[served_before:]
    assert "/sw.js" in served
    assert [path for path in served if path.startswith("/pyodide/")] == []
    # The worker's copies moved into the build's cache, and the staging cache is gone.
    caches = v.page.evaluate("caches.keys()")
    assert len(caches) == 1 and caches[0].startswith(quiz.CACHE_PREFIX) and quiz.STAGING_CACHE not in caches
    # The copy is whole: the next visit works offline.
    v.context.set_offline(True)
    v.page.goto(server.origin + "/quiz/#" + FRAGMENT, wait_until="domcontentloaded")
    v.wait_ready()
    v.page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    assert v.page.evaluate("(a) => window.earnverdict.verdictJSON(a)", ANSWERS) == cli(ANSWERS)
    assert v.csp_violations() == []


def test_a_share_link_opens_the_same_verdict_readable_on_a_360_pixel_screen(visit, server):
    v = visit(viewport={"width": 360, "height": 740})
    v.open("/quiz/#" + FRAGMENT)
    page = v.page
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    assert headline(page) == json.loads(cli(ANSWERS))["headline"]
    assert page.input_value("#q-role") == "backend-developer"
    assert page.input_value("#q-salary") == "120000"
    assert page.is_checked("input[name=skills][value=sql]") and page.is_checked("#q-promotion")
    assert not page.is_checked("input[name=skills][value=kubernetes]")
    # The salary box names the midpoint a blank answer stands for, from the engine's own band.
    from engine import catalog
    mid = catalog.salary_band("backend-developer", "mid", "us")["mid"]
    assert page.get_attribute("#q-salary", "placeholder") == f"Typical: {mid:,}"
    # Nothing scrolls sideways on a small phone, every control has a label, no inline styles.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    unlabelled = page.evaluate("""Array.from(document.querySelectorAll('#quiz-form input, #quiz-form select'))
        .filter(c => c.labels.length === 0).map(c => c.name)""")
    assert unlabelled == []
    assert page.evaluate("document.querySelectorAll('[style]').length") == 0


def test_a_guide_link_chooses_the_role_and_names_the_values_it_did_not_use(visit, server):
    v = visit()
    v.open("/quiz/#%E0%A4%A=1&role=data-analyst&level=astronaut&market=uk&hours_per_week=61&bogus=1&__proto__=1")
    page = v.page
    # What fits is filled in at once, before the engine is ready; what does not, never.
    assert page.input_value("#q-role") == "data-analyst"
    assert page.evaluate("document.querySelector('input[name=level]:checked')") is None
    assert page.is_checked("input[name=market][value=uk]")
    assert page.input_value("#q-hours") != "61"
    # Once the engine has checked the link, each value it refused is named, at the top and beside its question.
    page.wait_for_selector("#quiz-link-problems:not([hidden])", state="attached", timeout=READY_MS)
    alert = page.locator("#quiz-link-problems").inner_text()
    for pair in ["%E0%A4%A=1", "level=astronaut", "hours_per_week=61", "bogus=1", "__proto__=1"]:
        assert pair + " not used" in alert, pair
    assert page.locator("#q-level-error").is_visible() and page.locator("#q-hours-per-week-error").is_visible()
    assert page.input_value("#q-hours") == ""
    assert page.is_hidden("#quiz-result")
    assert not [m for m in v.console if m.startswith("pageerror")]


def test_what_if_changes_recompute_the_verdict_at_once(visit, server):
    v = visit()
    v.open("/quiz/#" + FRAGMENT)
    page = v.page
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    for change, answers in [
        (lambda: page.fill("#q-hours", "25"), dict(ANSWERS, hours_per_week=25)),
        (lambda: page.check("input[name=urgency][value=now]"), dict(ANSWERS, hours_per_week=25, urgency="now")),
        (lambda: page.fill("#q-salary", "60000"), dict(ANSWERS, hours_per_week=25, urgency="now", salary=60000)),
    ]:
        change()
        wanted = json.loads(cli(answers))["headline"]
        quizkit.wait_until(page, "(h) => document.getElementById('verdict-headline').textContent === h", wanted)
        quizkit.wait_until(page, "(f) => location.hash === '#' + f", fragment_for(answers))


def fragment_for(answers: dict) -> str:
    parts = []
    for key in ["role", "level", "market", "salary", "hours_per_week", "urgency"]:
        parts.append(f"{key}={answers[key]}")
    parts.append("skills=" + ",".join(answers["skills"]))
    parts.append("promotion_track=true")
    return "&".join(parts)


BAD_INPUTS = [
    ("#q-salary", "-5", "more than zero"),
    ("#q-salary", "lots", "as a number"),
    ("#q-salary", "120000000", "far above"),
    ("#q-hours", "61", "0 to 60"),
    ("#q-hours", "", "0 to 60"),
    ("#q-hours", "-1", "0 to 60"),
]


def test_bad_input_gets_a_message_beside_the_field(visit, server):
    v = visit()
    v.open("/quiz/#role=backend-developer&level=mid&market=us&urgency=soon")
    page = v.page
    for field, value, message in BAD_INPUTS:
        page.fill("#q-salary", "")
        page.fill("#q-hours", "5")
        page.fill(field, value)
        page.click("button[type=submit]")
        error_id = page.get_attribute(field, "aria-describedby").split()[-1]
        error = page.locator("#" + error_id)
        assert error.is_visible() and message in error.inner_text(), (field, value)
        assert page.get_attribute(field, "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == field[1:]
        assert page.is_hidden("#quiz-result")
    # Fixing it clears the message and gives a verdict.
    page.fill("#q-hours", "5")
    page.click("button[type=submit]")
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    for field in ("#q-salary", "#q-hours"):
        assert page.get_attribute(field, "aria-invalid") is None
    assert page.locator(".quiz-error:visible").count() == 0
    assert not [m for m in v.console if m.startswith("pageerror")]


def test_missing_choices_are_named_and_engine_errors_reach_the_caller(visit, server):
    v = visit()
    v.open("/quiz/")
    page = v.page
    page.click("button[type=submit]")
    for slot in ["q-role-error", "q-level-error", "q-market-error", "q-urgency-error"]:
        assert page.locator("#" + slot).is_visible(), slot
    assert page.evaluate("document.activeElement.id") == "q-role"
    v.wait_ready()
    error = page.evaluate("""(a) => window.earnverdict.verdict(a).then(() => null, (e) => [e.field, e.message])""",
                          dict(ANSWERS, hours_per_week=61))
    assert error[0] == "hours_per_week" and error[1].startswith("hours_per_week:")


def test_without_webassembly_the_page_says_so(visit, server):
    v = visit()
    v.context.add_init_script("delete window.WebAssembly;")
    v.open("/quiz/#" + FRAGMENT)
    page = v.page
    page.wait_for_selector("#quiz-app[data-engine=failed]", state="attached", timeout=30_000)
    assert "WebAssembly" in page.locator("#quiz-status").inner_text()
    assert page.is_hidden("#quiz-result")


# Records, for each call of navigator.serviceWorker.register, the quiz engine's state at that moment.
REGISTER_PROBE = """
window.__registered = [];
if (navigator.serviceWorker) {
  const register = navigator.serviceWorker.register.bind(navigator.serviceWorker);
  navigator.serviceWorker.register = (...args) => {
    const app = document.getElementById("quiz-app");
    window.__registered.push(app ? (app.dataset.engine || "starting") : "no quiz");
    return register(...args);
  };
}
"""


@pytest.mark.parametrize("webassembly", [True, False])
def test_the_quiz_registers_its_service_worker_only_once_the_engine_has_settled(visit, server, webassembly):
    v = visit()
    v.context.add_init_script(REGISTER_PROBE)
    if not webassembly:
        v.context.add_init_script("delete window.WebAssembly;")
    v.open("/quiz/")
    if webassembly:
        v.wait_ready()
    else:
        v.page.wait_for_selector("#quiz-app[data-engine=failed]", state="attached", timeout=30_000)
    quizkit.wait_until(v.page, "() => window.__registered.length > 0", timeout_ms=30_000)
    assert v.page.evaluate("window.__registered") == ["ready" if webassembly else "failed"]


@pytest.mark.parametrize("width", [360, 390])
def test_the_header_fits_one_row_on_a_phone(visit, server, width):
    v = visit(viewport={"width": width, "height": 740})
    v.open("/guides/")
    rows = v.page.evaluate("""Array.from(document.querySelectorAll('.masthead .nav a'),
        (a) => [a.textContent.trim(), Math.round(a.getBoundingClientRect().top + a.getBoundingClientRect().height / 2)])""")
    assert len(rows) == 3 and len({middle for _, middle in rows}) == 1, rows
    assert v.page.evaluate("document.documentElement.scrollWidth") <= width


def test_guide_pages_load_no_pyodide_and_only_the_service_worker_script(visit, server):
    sitemap = ET.parse(quizkit.built_site() / "sitemap.xml")
    guides = [e.text for e in sitemap.iter() if e.tag.endswith("loc") and "/guides/" in (e.text or "")
              and not (e.text or "").endswith("/guides/")]
    assert guides, "the site has no guide pages"
    v = visit()
    scripts: list[str] = []
    v.page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    v.open(urlsplit(guides[0]).path)
    v.page.wait_for_load_state("load")
    quizkit.wait_until(v.page, "() => navigator.serviceWorker.controller !== null", timeout_ms=30_000)
    v.page.wait_for_timeout(500)
    # The service worker's and the search box's (which loads nothing more until it is focused).
    assert [re.sub(r"\.[0-9a-f]{6,}\.js$", ".js", urlsplit(s).path.rsplit("/", 1)[-1]) for s in scripts] == ["sw-register.js", "search-box.js"]
    assert [u for u in v.requests if "/pyodide/" in u] == []
    assert v.csp_violations() == []


def test_a_runtime_that_cannot_load_is_reported_plainly(visit, server):
    v = visit()
    v.context.route(WASM_ROUTE,
                    lambda route: route.fulfill(status=200, body=b"truncated", headers={"Content-Type": "application/wasm"}))
    v.open("/quiz/#" + FRAGMENT)
    page = v.page
    page.wait_for_selector("#quiz-app[data-engine=failed]", state="attached", timeout=60_000)
    assert "could not load" in page.locator("#quiz-status").inner_text()
    rejected = page.evaluate("() => window.earnverdict.ready.then(() => null, (e) => e.message)")
    assert rejected and "could not load" in rejected


def test_answering_before_the_engine_is_ready_shows_progress_then_the_verdict(visit, server):
    v = visit()
    release = []

    def hold_wasm(route):
        release.append(route)

    v.context.route(WASM_ROUTE, hold_wasm)
    v.open("/quiz/#role=backend-developer&level=mid&market=us&urgency=soon")
    page = v.page
    page.click("button[type=submit]")
    assert page.locator("#quiz-progress").is_visible()
    assert page.locator("#quiz-status-text").inner_text().strip() != ""
    assert page.is_hidden("#quiz-result")
    deadline = 200  # let the worker ask for the runtime
    while not release and deadline:
        page.wait_for_timeout(50)
        deadline -= 1
    assert release, "the worker never requested the runtime"
    for route in release:
        route.continue_()
    v.context.unroute(WASM_ROUTE)
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    assert page.locator("#quiz-progress").is_hidden()
    expected = dict(ANSWERS, salary=None, skills=[], promotion_track=False)
    del expected["salary"]
    assert headline(page) == json.loads(cli(expected))["headline"]


def test_the_worker_refuses_an_engine_file_that_does_not_match_the_lock(visit, server):
    def serve_engine(extra: bytes):
        def handler(route):
            response = route.fetch()
            # Trailing bytes leave a zip that still opens, with a different sha256.
            route.fulfill(response=response, body=response.body() + extra)
        return handler

    outcomes = {}
    for name, extra in [("intact", b""), ("tampered", b"\0" * 16)]:
        v = visit()
        v.context.route("**/engine-*/*.zip", serve_engine(extra))
        delivered = []
        v.context.on("response", lambda r: delivered.append(r.status) if "/engine-" in r.url else None)
        v.open("/quiz/")
        v.page.wait_for_selector("#quiz-app[data-engine]", state="attached", timeout=READY_MS)
        outcomes[name] = (v.page.evaluate("document.getElementById('quiz-app').dataset.engine"), delivered)
    assert outcomes["intact"] == ("ready", [200])
    # The file was delivered whole, and the browser refused it on its integrity (the lock's sha256).
    assert outcomes["tampered"] == ("failed", [200])
    assert "could not load (Failed to fetch)" in v.page.locator("#quiz-status").inner_text()


def cache_state(page) -> dict:
    return page.evaluate("""async () => {
        const out = {};
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname).sort();
        }
        return out;
    }""")


def test_a_new_build_replaces_the_cache_cleanly(visit, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(quizkit.built_site(), site)
    sw = (site / "sw.js").read_text()
    [old_name] = re.findall(r'"cacheName": "([^"]+)"', sw)
    with quizkit.SiteServer(site) as deploy:
        v = visit(server=deploy)
        v.open("/quiz/")
        v.wait_ready()
        v.page.evaluate("window.earnverdict.offline")  # the runtime is in the service worker's cache
        first = cache_state(v.page)
        assert list(first) == [old_name]
        runtime = f"/{quiz.RUNTIME_DIR}/"
        lock = json.loads((site / quiz.RUNTIME_LOCK).read_text())
        engine = runtime + lock["packages"]["earnverdict-engine"]["file_name"]
        for path in ["/quiz/", runtime + "pyodide.asm.wasm", runtime + "python_stdlib.zip", runtime + "pyodide-lock.json", engine]:
            assert path in first[old_name], path
        # The next deploy: a new build id, so a new service worker and a new cache.
        (site / "sw.js").write_text(sw.replace(old_name, "earnverdict-nextbuild"))
        v.page.reload(wait_until="domcontentloaded")
        quizkit.wait_until(v.page, """async () => {
            const names = await caches.keys();
            return names.length === 1 && names[0] === 'earnverdict-nextbuild';
        }""", timeout_ms=60_000)
        assert sorted(cache_state(v.page)["earnverdict-nextbuild"]) == sorted(first[old_name])


def test_the_quiz_works_under_a_sub_path(visit, tmp_path):
    quizkit.build_site(tmp_path / "root" / "careers", base_url="http://127.0.0.1/careers/")
    with quizkit.SiteServer(tmp_path / "root") as deploy:
        v = visit(server=deploy)
        v.open("/careers/quiz/#" + FRAGMENT)
        page = v.page
        page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
        assert headline(page) == json.loads(cli(ANSWERS))["headline"]
        assert page.locator('#quiz-result a[href="/careers/roles/backend-developer/"]').count() == 1
        quizkit.wait_until(page, "() => navigator.serviceWorker.controller !== null")
        scope = page.evaluate("navigator.serviceWorker.ready.then((r) => new URL(r.scope).pathname)")
        assert scope == "/careers/"
        assert [u for u in v.requests if "/careers/" not in u] == []
        assert v.csp_violations() == []


def test_a_guide_plan_example_link_opens_the_quiz_on_exactly_its_answers(visit, server):
    import html as html_module

    site = quizkit.built_site()
    found = {}
    for page_file in sorted((site / "guides").glob("*/index.html")):
        text = page_file.read_text(encoding="utf-8")
        for answers, href in re.findall(r'data-answers="([^"]*)".*?href="(/quiz/#[^"]*)"', text, re.S):
            found.setdefault(html_module.unescape(href), json.loads(html_module.unescape(answers)))
    # The links that carry a salary, skills and a promotion track: the fields a fragment most easily loses.
    chosen = [next(href for href, answers in found.items() if field in answers) for field in ("salary", "skills", "promotion_track")]
    for href in chosen:
        v = visit()
        v.open(href)
        v.page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
        # Once shown, the quiz rewrites its fragment from the answers it read: equal only if none was lost.
        assert v.page.evaluate("location.hash") == "#" + href.partition("#")[2]
        assert v.page.evaluate("(a) => window.earnverdict.verdictJSON(a)", found[href]) == cli(found[href])
        assert v.csp_violations() == []
