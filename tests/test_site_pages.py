"""What a built site contains: pages, links, SEO tags, CDN files, and the sub-path base URL."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.quiz import RUNTIME_DIR, RUNTIME_LOCK
from sitegen.theme import CSP, CSP_WITHOUT_WASM


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of script blocks."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script = (attributes, [])

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


def page(out: Path, path: str) -> Elements:
    return Elements((out / path).read_text(encoding="utf-8"))


def test_every_route_is_written(built):
    for path in ["index.html", "guides/alpha/index.html", "guides/beta/index.html", "guides/gamma-custom/index.html",
                 "roles/backend-developer/index.html", "roles/data-analyst/index.html", "about/index.html",
                 "guides/index.html", "tags/cloud/index.html", "tags/kubernetes/index.html", "quiz/index.html",
                 "404.html", "sitemap.xml", "robots.txt", "feed.xml", "_headers", "sw.js"]:
        assert (built / path).is_file(), path
    assert not (built / "guides/draft-note").exists()


def test_guide_page_shows_dates_reading_time_toc_breadcrumbs_related_and_quiz(built):
    html = (built / "guides/alpha/index.html").read_text()
    doc = Elements(html)
    assert "<h1>Alpha guide for backend developers</h1>" in html
    assert '<time datetime="2026-03-01">1 March 2026</time>' in html
    assert '<time datetime="2026-04-15">15 April 2026</time>' in html
    assert re.search(r"· \d+ min read", html)
    toc = html[html.index('class="toc"'):html.index("</nav>", html.index('class="toc"'))]
    assert '<a href="#cloud-heading">Cloud heading</a>' in toc and '<a href="#a-sub-heading">A sub heading</a>' in toc
    crumbs = html[html.index('class="breadcrumbs"'):html.index("</nav>", html.index('class="breadcrumbs"'))]
    assert crumbs.index('href="/"') < crumbs.index('href="/roles/backend-developer/"') < crumbs.index("Alpha guide")
    related = html[html.index('id="related-title"'):]
    # its own `related` first, then the same role (beta is another role but shares a tag)
    assert related.index("/guides/gamma-custom/") < related.index("/guides/beta/")
    assert any(a.get("href") == "/quiz/#role=backend-developer" and "button" in a.get("class", "") for a in doc.all("a"))


def test_markdown_links_become_page_urls(built):
    html = (built / "guides/alpha/index.html").read_text()
    for href in ["/guides/beta/#second-section", "/roles/backend-developer/", "/about/#who", "#cloud-heading"]:
        assert f'href="{href}"' in html, href
    assert 'href="/guides/alpha/#cloud-heading"' in (built / "guides/gamma-custom/index.html").read_text()
    assert 'href="/guides/alpha/"' in (built / "index.html").read_text()
    assert ".md" not in " ".join(a.get("href", "") for a in page(built, "guides/alpha/index.html").all("a"))


def test_markdown_features_render(built):
    html = (built / "guides/alpha/index.html").read_text()
    assert '<table tabindex="0">' in html and 'class="align-right"' in html
    assert 'class="footnote"' in html
    assert '<h2 id="uplifts">Uplifts</h2>' in html  # attribute list id
    assert "{{&lt; not-expanded-inside-code &gt;}}" in html  # directives are left alone inside code


def test_data_directives_use_the_engine_catalog(built):
    from engine import catalog

    html = (built / "guides/alpha/index.html").read_text()
    uplift = catalog.skill_uplift("backend-developer", "cloud", "us")
    assert f"${uplift['low']:,} to ${uplift['high']:,} a year" in html
    premium = next(p for p in catalog.parameters() if p["key"] == "job_switch.premium.us")
    from sitegen.directives import format_value
    assert f"A switch pays {format_value(premium)} on average" in html


def test_seo_tags_and_structured_data(built):
    doc = page(built, "guides/alpha/index.html")
    html_tag = doc.all("html")[0]
    assert html_tag["lang"] == "en"
    metas = {m.get("name") or m.get("property"): m.get("content") for m in doc.all("meta")}
    assert metas["description"] == "The alpha fixture guide, with headings, a table, footnotes and data directives."
    assert metas["og:title"] == "Alpha guide for backend developers"
    assert metas["og:url"] == "https://earnverdict.com/guides/alpha/"
    assert metas["twitter:card"] == "summary_large_image"
    card = metas["og:image"]
    assert re.fullmatch(r"https://earnverdict\.com/assets/cards/[0-9a-f]{16}\.png", card)
    assert (metas["og:image:width"], metas["og:image:height"]) == ("1200", "630")
    assert metas["og:image:alt"].startswith("Alpha guide for backend developers")
    assert [l["href"] for l in doc.all("link") if l.get("rel") == "canonical"] == ["https://earnverdict.com/guides/alpha/"]
    ld = [json.loads(text) for attrs, text in doc.scripts if attrs.get("type") == "application/ld+json"]
    assert len(ld) == 1
    types = {item["@type"]: item for item in ld[0]}
    assert types["Article"]["datePublished"] == "2026-03-01" and types["Article"]["dateModified"] == "2026-04-15"
    assert types["Article"]["image"] == card
    trail = [entry["item"] for entry in types["BreadcrumbList"]["itemListElement"]]
    assert trail == ["https://earnverdict.com/", "https://earnverdict.com/roles/backend-developer/", "https://earnverdict.com/guides/alpha/"]


def test_no_inline_script_or_style_and_wasm_only_where_compiled(built):
    headers = (built / "_headers").read_text()
    assert f"Content-Security-Policy: {CSP}" in headers
    assert "'wasm-unsafe-eval'" in CSP and "wasm" not in CSP_WITHOUT_WASM
    for html_file in built.rglob("*.html"):
        doc = Elements(html_file.read_text())
        csp = [m["content"] for m in doc.all("meta") if m.get("http-equiv") == "Content-Security-Policy"]
        compiles_wasm = html_file.parent.name in ("quiz", "search")
        assert csp == [CSP if compiles_wasm else CSP_WITHOUT_WASM], html_file
        for attrs, text in doc.scripts:
            assert attrs.get("src") or attrs.get("type") == "application/ld+json", (html_file, attrs)
            assert not attrs.get("src") or not text.strip()
        assert not [t for t, attrs in doc.tags if "style" in attrs or any(k.startswith("on") for k in attrs)], html_file
        assert "<style" not in html_file.read_text()


def test_assets_are_content_hashed_and_cached_immutably(built):
    import hashlib

    css = list((built / "assets").glob("style.*.css"))
    assert len(css) == 1
    digest = hashlib.sha256(css[0].read_bytes()).hexdigest()[:10]
    assert css[0].name == f"style.{digest}.css"
    assert f'href="/assets/{css[0].name}"' in (built / "index.html").read_text()
    rules = {block.splitlines()[0]: block.splitlines()[1:] for block in (built / "_headers").read_text().strip().split("\n\n")}
    assert rules["/assets/*"] == ["  Cache-Control: public, max-age=31536000, immutable"]
    for html in ["/", "/guides/*", "/roles/*", "/tags/*", "/quiz/*", "/about/*", "/404.html"]:
        assert rules[html] == ["  Cache-Control: public, max-age=0, must-revalidate"], html
    # no two cache rules overlap: hosts would combine their values
    cache_rules = [path for path, lines in rules.items() if any("Cache-Control" in line for line in lines)]
    assert "/*" not in cache_rules and not any(path.startswith("/assets/") for path in cache_rules if path != "/assets/*")
    # The runtime's folder names its Pyodide version and the engine file's its hash, so their files are
    # immutable; the lock keeps its name while the engine it registers changes.
    runtime = sorted(p.relative_to(built).as_posix() for p in (built / RUNTIME_DIR).rglob("*")
                     if p.is_file() and p.suffix not in (".br", ".gz"))
    assert f"{RUNTIME_DIR}/pyodide.asm.wasm" in runtime and RUNTIME_LOCK in runtime and len(runtime) == 6
    for path in runtime:
        cache = "public, max-age=0, must-revalidate" if path == RUNTIME_LOCK else "public, max-age=31536000, immutable"
        wasm = ["  Content-Type: application/wasm"] if path.endswith(".wasm") else []
        assert rules["/" + path] == [f"  Cache-Control: {cache}"] + wasm, path


def test_content_images_are_published_with_hashed_names(built):
    import hashlib

    source = (built.parent / "content/guides/chart.svg").read_bytes()
    name = f"chart.{hashlib.sha256(source).hexdigest()[:10]}.svg"
    assert (built / "assets/guides" / name).read_bytes() == source
    assert f'src="/assets/guides/{name}"' in (built / "guides/beta/index.html").read_text()


def test_sitemap_feed_and_robots(built):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "a": "http://www.w3.org/2005/Atom"}
    locs = [e.text for e in ET.parse(built / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert "https://earnverdict.com/guides/alpha/" in locs and "https://earnverdict.com/" in locs
    assert not any("404" in loc for loc in locs)
    lastmod = {e.find("s:loc", ns).text: e.find("s:lastmod", ns) for e in ET.parse(built / "sitemap.xml").getroot().findall("s:url", ns)}
    assert lastmod["https://earnverdict.com/guides/alpha/"].text == "2026-04-15"  # updated wins over date
    assert lastmod["https://earnverdict.com/roles/backend-developer/"].text == "2026-04-15"  # its newest guide
    feed = ET.parse(built / "feed.xml").getroot()
    titles = [e.text for e in feed.findall("a:entry/a:title", ns)]
    assert titles == ["Alpha guide for backend developers", "Beta guide for data analysts", "Gamma, a nested guide with its own slug"]
    assert feed.find("a:updated", ns).text == "2026-04-15T00:00:00Z"
    assert "Sitemap: https://earnverdict.com/sitemap.xml" in (built / "robots.txt").read_text()


def test_hub_index_and_tag_pages_list_guides(built):
    hub = (built / "roles/backend-developer/index.html").read_text()
    assert "/guides/alpha/" in hub and "/guides/gamma-custom/" in hub and "/guides/beta/" not in hub
    assert "Read the" in hub  # the hub's own intro from content/roles/
    index = (built / "guides/index.html").read_text()
    assert index.index('id="best-skills"') < index.index('id="how-to-earn-more"')
    tag = (built / "tags/kubernetes/index.html").read_text()
    assert "/guides/alpha/" in tag and "/guides/gamma-custom/" in tag and "/guides/beta/" not in tag


def test_quiz_page_and_service_worker(built):
    quiz = (built / "quiz/index.html").read_text()
    assert "<title>" in quiz and 'rel="canonical" href="https://earnverdict.com/quiz/"' in quiz
    worker = (built / "sw.js").read_text()
    config = json.loads(worker[worker.index("{"):worker.index("\n}") + 2])
    cached = [url for value in config.values() if isinstance(value, list) for url in value]
    assert "/quiz/" in cached
    assert any(url.startswith("/assets/style.") for url in cached)
    assert any(url.endswith(".wasm") for url in cached)  # the Pyodide runtime, for the offline quiz


def test_sub_path_base_url_prefixes_every_link(subpath_site):
    out = subpath_site
    for html_file in out.rglob("*.html"):
        doc = Elements(html_file.read_text())
        urls = [a.get("href") for a in doc.all("a")] + [l.get("href") for l in doc.all("link")] + [s.get("src") for s in doc.all("script")]
        for url in filter(None, urls):
            if url.startswith("/"):
                assert url.startswith("/careers/"), (html_file, url)
            elif url.startswith("http"):
                assert url.startswith("https://example.org/careers/") or "schema.org" in url, (html_file, url)
        canonical = [l["href"] for l in doc.all("link") if l.get("rel") == "canonical"]
        if html_file.name != "404.html":
            assert canonical and canonical[0].startswith("https://example.org/careers/"), html_file
    alpha = (out / "guides/alpha/index.html").read_text()
    assert 'href="/careers/guides/beta/#second-section"' in alpha
    assert 'href="/careers/quiz/#role=backend-developer"' in alpha
    assert "https://example.org/careers/guides/alpha/" in (out / "sitemap.xml").read_text()
    assert "/careers/assets/*" in (out / "_headers").read_text()
    assert '"basePath": "/careers/"' in (out / "sw.js").read_text()


def structured(doc: Elements) -> dict:
    blocks = [json.loads(text) for attrs, text in doc.scripts if attrs.get("type") == "application/ld+json"]
    return {item["@type"]: item for block in blocks for item in block}


def test_readers_find_the_about_page_and_consistent_names(real_site):
    # The about page, with the privacy notice, is linked from every page's footer.
    for html_file in real_site.rglob("*.html"):
        assert '<a href="/about/">About and privacy</a>' in html_file.read_text(), html_file
    # A guide calls its hub what the hub calls itself.
    guide = structured(page(real_site, "guides/best-skills-for-backend-developers/index.html"))
    hub = structured(page(real_site, "roles/backend-developer/index.html"))
    assert guide["BreadcrumbList"]["itemListElement"][1]["name"] == hub["BreadcrumbList"]["itemListElement"][-1]["name"] == "Backend developers"


def test_the_quiz_is_a_free_web_application_and_404_has_no_breadcrumb(real_site):
    app = structured(page(real_site, "quiz/index.html"))["WebApplication"]
    assert app["isAccessibleForFree"] is True and app["offers"]["price"] == "0"
    assert "offline" in app["browserRequirements"] and app["url"].endswith("/quiz/")
    assert app["image"].startswith("http://127.0.0.1/assets/cards/") or app["image"].startswith("https://")
    assert structured(page(real_site, "404.html")) == {}


def test_the_search_page_is_not_indexed_by_search_engines(real_site):
    assert '<meta name="robots" content="noindex">' in (real_site / "search/index.html").read_text()
    assert "/search/" not in (real_site / "sitemap.xml").read_text()
    assert (real_site / "pagefind/pagefind.js").is_file()
    assert not list((real_site / "pagefind").glob("pagefind-ui*"))  # Pagefind's own UI is not shipped


def test_tag_page_sections_have_headings(built):
    html = next(built.glob("tags/*/index.html")).read_text()
    assert "<section>" not in html
    assert re.search(r'<section aria-labelledby="([^"]+)">\s*<h2 id="\1">', html)


def test_templates_read_a_dicts_keys_before_its_methods_and_still_refuse_a_missing_one():
    import jinja2

    from sitegen.theme import DictFirstEnvironment

    env = DictFirstEnvironment(undefined=jinja2.StrictUndefined)
    template = env.from_string("{{ page.title }} {{ shadow.items }} {% set bands = {} %}{% set _ = bands.update({'a': 1}) %}{{ bands.a }}")
    assert template.render(page={"title": "T"}, shadow={"items": 3}) == "T 3 1"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ page.missing }}").render(page={"title": "T"})
