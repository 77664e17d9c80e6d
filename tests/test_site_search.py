"""Search in headless Chromium: the header's box, the results page, the role filter, the
sub-path build, offline use, and nothing loaded or sent elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests import quizkit

DEVOPS_SKILLS = "/guides/best-skills-for-devops-engineers/"


class Visit:
    """One cold browser context that records every request (the service worker's too)."""

    def __init__(self, browser, server, **options):
        self.server = server
        self.context = browser.new_context(**options)
        self.context.add_init_script(quizkit.CSP_PROBE)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, path: str) -> None:
        self.page.goto(self.server.origin + path)

    def results(self) -> list[str]:
        self.page.wait_for_selector("#search-results li a", timeout=30_000)
        return self.page.evaluate("Array.from(document.querySelectorAll('#search-results li a'), (a) => new URL(a.href).pathname)")

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__csp")

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.server.origin + "/")]


@pytest.fixture
def visit(chromium, site_server):
    opened = []

    def make(server=site_server, **options):
        v = Visit(chromium, server, **options)
        opened.append(v)
        return v

    yield make
    for v in opened:
        v.context.close()


def found_count(page) -> int:
    """How many results the status line reports (more than the ten listed, sometimes)."""
    return int(page.locator("#search-status").inner_text().split()[0])


def tab_to(page, element_id: str, limit: int = 30) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_search_from_the_header_finds_and_opens_the_devops_skills_guide(visit):
    v = visit(viewport={"width": 360, "height": 740})
    v.open("/guides/how-to-earn-more-as-a-data-analyst/")
    page = v.page
    tab_to(page, "site-search")
    page.keyboard.type("kubernetes")
    page.keyboard.press("Enter")
    found = v.results()
    assert DEVOPS_SKILLS in found[:3], found
    assert urlsplit(page.url).path == "/search/" and "q=kubernetes" in page.url
    # From the query, by keyboard alone, to the first result that is the DevOps guide.
    tab_to(page, "search-q")
    for _ in range(found.index(DEVOPS_SKILLS) + 3):  # past the role filter and the button
        page.keyboard.press("Tab")
    assert page.evaluate("new URL(document.activeElement.href).pathname") == DEVOPS_SKILLS
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{DEVOPS_SKILLS}")
    assert page.locator("h1").inner_text() == "Best skills for DevOps engineers to earn more"
    # Fits a 360 px phone, nothing went to another origin, nothing broke the CSP.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert v.foreign_requests() == []
    assert v.csp_violations() == [] and v.errors == []


def test_the_role_filter_narrows_the_results(visit):
    v = visit()
    v.open("/search/?q=kubernetes")
    everything = v.results()
    total = found_count(v.page)
    v.page.select_option("#search-role", "data analysts")
    quizkit.wait_until(v.page, "() => document.getElementById('search-status').textContent.includes('data analysts')", timeout_ms=30_000)
    narrowed = v.results()
    assert 0 < found_count(v.page) < total
    assert DEVOPS_SKILLS in everything and DEVOPS_SKILLS not in narrowed
    assert all("data-analyst" in path for path in narrowed), narrowed
    assert "role=data+analysts" in v.page.url  # the filter is part of the shareable address
    assert v.csp_violations() == [] and v.foreign_requests() == []


def test_a_guide_loads_nothing_of_the_search_until_the_box_is_focused(visit):
    v = visit()
    v.open(DEVOPS_SKILLS)
    v.page.wait_for_load_state("load")
    v.page.wait_for_timeout(300)
    assert [u for u in v.requests if "/pagefind/" in u or "/search/" in u] == []
    v.page.focus("#site-search")
    quizkit.wait_until(v.page, "() => document.querySelector('link[rel=prefetch]') !== null", timeout_ms=10_000)
    assert [u for u in v.requests if "/pagefind/" in u] == []


def test_without_javascript_the_box_is_a_link_to_the_guides(visit):
    v = visit(java_script_enabled=False)
    v.open("/")
    box = v.page.locator(".masthead a.search-box")
    assert box.count() == 1 and box.get_attribute("href") == "/guides/"
    assert v.page.locator("#site-search").count() == 0


def test_search_works_offline_for_the_chunks_already_fetched(visit):
    v = visit()
    v.open("/search/")
    quizkit.wait_until(v.page, "() => navigator.serviceWorker.controller !== null", timeout_ms=30_000)
    v.open("/search/?q=kubernetes")  # now through the service worker, which keeps what it fetches
    online = v.results()
    v.context.set_offline(True)
    v.page.reload()
    assert v.results() == online
    assert v.csp_violations() == []


def test_search_works_under_a_sub_path(visit, tmp_path):
    quizkit.build_site(tmp_path / "root" / "careers", base_url="http://127.0.0.1/careers/")
    with quizkit.SiteServer(tmp_path / "root") as deploy:
        v = visit(server=deploy)
        v.open("/careers/")
        v.page.fill("#site-search", "kubernetes")
        v.page.press("#site-search", "Enter")
        found = v.results()
        assert "/careers" + DEVOPS_SKILLS in found[:3], found
        v.page.click(f'#search-results a[href="/careers{DEVOPS_SKILLS}"]')
        v.page.wait_for_url(f"**/careers{DEVOPS_SKILLS}")
        assert [u for u in v.requests if "/careers/" not in u] == []
        assert v.csp_violations() == [] and v.errors == []
