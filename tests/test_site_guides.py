"""The real guides against the engine and CONTRIBUTING.md: worked examples equal the engine's
verdict, every market's figures are on every page that shows figures, the methodology page
lists every parameter, and the writing rules hold."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import frontmatter
import pytest

from conftest import ROOT
from sitegen.directives import DIRECTIVES

GUIDES = sorted((ROOT / "content/guides").glob("*.md"))
HUBS = sorted((ROOT / "content/roles").glob("*.md"))
MARKETS = {"us": ("United States", "$"), "uk": ("United Kingdom", "£"), "in": ("India", "₹"), "ae": ("United Arab Emirates", "AED ")}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
QUIZ_DEFAULTS = {"skills": [], "promotion_track": False}  # what the quiz's form holds when a fragment leaves them out
MIN_WORDS = 700


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find(self, tag: str, **attrs) -> list["Node"]:
        return [n for n in self.walk() if n.tag == tag and all(n.attrs.get(k.replace("_", "-")) == v or
                                                                 (v is True and k.replace("_", "-") in n.attrs) for k, v in attrs.items())]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def inside(self, tag: str, css_class: str) -> bool:
        node = self.parent
        while node is not None:
            if node.tag == tag and css_class in (node.attrs.get("class") or "").split():
                return True
            node = node.parent
        return False


class Tree(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def article(site: Path, slug: str, folder: str = "guides") -> Node:
    root = Tree((site / folder / slug / "index.html").read_text(encoding="utf-8")).root
    main = root.find("main")
    assert main, f"{folder}/{slug}: no <main>"
    return main[0]


def engine_cli(answers: dict) -> dict:
    result = subprocess.run([sys.executable, "-m", "engine"], input=json.dumps(answers), capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def decode_fragment(fragment: str) -> dict:
    """The answers the quiz reads from its fragment (parseFragment and validate in quiz.js)."""
    values = {}
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        values[unquote(key)] = unquote(value)
    answers = {**QUIZ_DEFAULTS}
    for key, value in values.items():
        if key in ("hours_per_week", "salary"):
            answers[key] = int(value)
        elif key == "skills":
            answers[key] = value.split(",")
        elif key == "promotion_track":
            answers[key] = value == "true"
        else:
            answers[key] = value
    return answers


def examples(site: Path) -> list[tuple[str, Node]]:
    return [(path.stem, section) for path in GUIDES for section in article(site, path.stem).find("div", data_plan_example=True)]


def test_every_plan_example_is_the_engine_verdict_for_its_answers(real_site):
    found = examples(real_site) + [("how-the-verdict-works", s) for s in
                                   Tree((real_site / "how-the-verdict-works/index.html").read_text(encoding="utf-8")).root
                                   .find("div", data_plan_example=True)]
    assert found
    verdicts = {}
    for slug, section in found:
        answers = json.loads(section.attrs["data-answers"])
        key = json.dumps(answers, sort_keys=True)
        verdicts.setdefault(key, engine_cli(answers))
        verdict = verdicts[key]
        steps = section.find("li", data_plan_step=True)
        shown = [json.loads(li.attrs["data-plan-step"]) for li in steps]
        expected = [{k: step[k] for k in ("path", "start_month", "end_month", "hours_per_week")} for step in verdict["plan"]]
        assert shown == expected, f"{slug}: {answers}"
        for li, step in zip(steps, verdict["plan"]):
            months = (f"months {step['start_month']} to {step['end_month']}" if step["end_month"] is not None
                      else f"from month {step['start_month']} on")
            assert months in li.text() and step["summary"] in li.text(), f"{slug}: {li.text()}"
        if not verdict["plan"]:
            assert section.find("p", **{"class": "plan-example-stay"}), slug
        text = section.text()
        assert verdict["tipping_points"] == [] or verdict["tipping_points"][0]["sentence"] in text, slug
        links = [a.attrs["href"] for a in section.find("a") if a.attrs.get("href", "").startswith("/quiz/#")]
        assert len(links) == 1, f"{slug}: {links}"
        assert decode_fragment(links[0].partition("#")[2]) == {**QUIZ_DEFAULTS, **answers}, f"{slug}: {links[0]}"


def test_every_guide_has_a_worked_example_and_earn_more_guides_two_contrasting_ones(real_site):
    by_guide = {}
    for slug, section in examples(real_site):
        by_guide.setdefault(slug, []).append(section)
    for path in GUIDES:
        sections = by_guide.get(path.stem, [])
        assert sections, f"{path.stem} has no plan-example"
        if frontmatter.load(path).get("kind") == "how-to-earn-more":
            plans = {tuple(json.loads(li.attrs["data-plan-step"])["path"] for li in s.find("li", data_plan_step=True)) for s in sections}
            assert len(sections) >= 2 and len(plans) >= 2, f"{path.stem}: needs two examples whose plans differ, has {plans}"


def shows_figures(path: Path) -> bool:
    body = path.read_text(encoding="utf-8")
    market_value = re.search(r'\{\{<\s*value key="[^"]*\.(us|uk|in|ae)"', body)
    return bool(market_value or re.search(r"\{\{<\s*(salary-bands|skill-uplifts|market-bands|market-paths)\b", body))


@pytest.mark.parametrize("path", GUIDES + HUBS, ids=[f"{p.parent.name}/{p.stem}" for p in GUIDES + HUBS])
def test_every_market_is_on_every_guide_that_shows_figures(real_site, path):
    if not shows_figures(path):
        pytest.fail(f"{path.stem} shows no figures from the data; every guide and hub should place the reader in their market")
    main = article(real_site, path.stem, path.parent.name)
    currencies = set()
    for table in main.find("table"):
        text = table.text()
        money = {slug for slug, (_, symbol) in MARKETS.items() if symbol in text}
        currencies |= money
        if not money:
            continue  # a writer's table of words
        if table.inside("details", "market"):
            continue  # one market of a group checked below
        names = {slug for slug, (name, _) in MARKETS.items() if name in text}
        assert names == set(MARKETS), f"{path.stem}: a table of figures for {sorted(money)} only, outside a per-market group"
    assert currencies == set(MARKETS), f"{path.stem}: figures only in {sorted(currencies)}"
    for group in main.find("div", **{"class": "market-figures"}):
        shown = [d.attrs.get("data-market") for d in group.find("details")]
        assert shown == list(MARKETS), f"{path.stem}: a market group with {shown}"
        for details in group.find("details"):
            name, symbol = MARKETS[details.attrs["data-market"]]
            assert name in details.find("summary")[0].text() and symbol in details.text(), path.stem


def test_methodology_page_lists_the_same_keys_as_the_engine(real_site):
    result = subprocess.run([sys.executable, "-m", "engine", "parameters"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    engine_keys = {p["key"] for p in json.loads(result.stdout)}
    page = Tree((real_site / "how-the-verdict-works/index.html").read_text(encoding="utf-8")).root
    figures = [table for table in page.find("table") if "Low to high" in table.text()]
    listed = {code.text() for table in figures for code in table.find("code")}
    assert listed == engine_keys, f"missing {sorted(engine_keys - listed)[:5]}, extra {sorted(listed - engine_keys)[:5]}"


def prose_words(body: str) -> int:
    """The writer's own words: without directives, fenced code, link targets and markup."""
    body = re.sub(r"^(```|~~~).*?^\1", " ", body, flags=re.S | re.M)
    body = re.sub(r"\{\{<.*?>\}\}", " ", body)
    body = re.sub(r"\]\([^)]*\)|\{#[^}]*\}", "]", body)
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", body))


@pytest.mark.parametrize("path", GUIDES, ids=[p.stem for p in GUIDES])
def test_guides_keep_the_word_minimum_and_link_rules(path):
    post = frontmatter.load(path)
    words = prose_words(post.content)
    assert words >= MIN_WORDS, f"{path.stem}: {words} words of prose, fewer than {MIN_WORDS}"
    targets = re.findall(r"\]\(([^)\s]+)\)", post.content)
    guides = {t.partition("#")[0] for t in targets if re.fullmatch(r"[a-z0-9-]+\.md(#[\w-]+)?", t)} - {path.name}
    assert len(guides) >= 2, f"{path.stem} links to {len(guides)} other guides"
    role = post["role"]
    assert any(t.partition("#")[0] == f"../roles/{role}.md" for t in targets), f"{path.stem}: no link to its role hub"
    assert any(re.fullmatch(rf"/quiz/#(.*&)?role={role}(&.*)?", t) for t in targets), f"{path.stem}: no quiz link with role={role}"


def test_contributing_documents_every_directive():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for name in DIRECTIVES:
        assert "{{< " + name in text, f"CONTRIBUTING.md does not show {{{{< {name} >}}}}"
