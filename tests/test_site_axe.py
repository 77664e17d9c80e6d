"""axe-core (npm, pinned in package.json) over the site's kinds of page in Chromium, in the
light and the dark colour scheme: no violation of any rule axe runs by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
QUIZ_ANSWERS = "role=backend-developer&level=mid&market=us&salary=120000&hours_per_week=5&urgency=soon&skills=cloud,sql&promotion_track=true"
PAGES = {
    "home": "/",
    "guide": "/guides/best-skills-for-devops-engineers/",
    "hub": "/roles/devops-engineer/",
    "guide index": "/guides/",
    "tag page": "/tags/kubernetes/",
    "methodology": "/how-the-verdict-works/",
    "search results": "/search/?q=kubernetes",
    "quiz": "/quiz/",
    "quiz verdict": "/quiz/#" + QUIZ_ANSWERS,
}
READY = {"search results": "#search-results li a", "quiz verdict": "#quiz-app[data-verdict=shown]"}


def axe_source() -> str:
    if not AXE.is_file():
        raise AssertionError(f"{AXE} not found: `make test` installs axe-core with npm ci (package.json)")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_accessibility_violations(chromium, site_server, name, scheme):
    context = chromium.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site_server.origin + PAGES[name])
        if name in READY:
            page.wait_for_selector(READY[name], state="attached", timeout=120_000)
        page.wait_for_load_state("load")
        # Evaluated by the test, outside the page's CSP, which rightly forbids injected scripts.
        page.evaluate(axe_source() + "\n;undefined")
        result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        violations = [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                      for v in result["violations"]]
        assert violations == [], json.dumps(violations, indent=1)
    finally:
        context.close()
