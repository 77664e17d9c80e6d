"""The build, as one straight pipeline around a Site:

    gather -> validate -> plan pages -> render -> check links -> assemble -> write

Everything is read, checked and rendered in memory before anything is written, so a build with
a problem leaves the previous output exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import content as content_mod
from .content import REQUIRED, SLUG, SLUG_HINT, Source, tag_slug
from .fingerprint import input_fingerprint, settings_fingerprint
from .options import SITE_TITLE, BuildOptions
from .output import State, load_state, output_matches, save_state, sha256, write_changed, write_full
from .problems import ContentErrors, Problem, display_path

RELATED_MAX = 5
RELATED_POOL = 20  # newest guides considered per role and per tag: keeps large sites linear
HOME_LATEST = 8
# Below this many pages a process pool costs more (fork, pickling) than it saves.
PARALLEL_MIN_PAGES = 48
RESERVED = {"guides", "roles", "tags", "quiz", "assets", "pyodide", "404", "index"}
MARKDOWN_CACHE = "markdown.pickle"
# ids the templates give their own elements; a heading may not take one of them
TEMPLATE_IDS = frozenset({"main", "toc-title", "cta-title", "related-title", "hub-guides", "home-roles", "home-latest"})
RAW_UNSAFE = re.compile(r"<script\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


@dataclass
class Page:
    """One output page: where it goes, which template draws it, and what it says."""

    kind: str  # guide, hub, page, home, guides, tag, quiz, not-found
    path: str  # site path: '' (home), 'guides/x/', '404.html'
    template: str
    title: str
    description: str
    source: Source | None = None
    slug: str = ""
    date: dt.date | None = None
    updated: dt.date | None = None
    role: str | None = None
    guide_kind: str | None = None
    tags: list = field(default_factory=list)
    related: list = field(default_factory=list)
    draft: bool = False
    extra: dict = field(default_factory=dict)  # listings a template needs (guides of a hub...)

    @property
    def out(self) -> str:
        return self.path + "index.html" if self.path == "" or self.path.endswith("/") else self.path

    @property
    def last_modified(self) -> dt.date | None:
        return self.updated or self.date


@dataclass
class PageResult:
    out: str
    data: bytes | None  # None: unchanged since the last build, keep the file
    key: str
    refs: list = field(default_factory=list)
    ids: frozenset = frozenset()
    md_key: str = ""  # cache key of the page's markdown rendering ('' for pages without one)
    rendered: object = None  # the Rendered markdown when it was rendered afresh
    problems: list = field(default_factory=list)


@dataclass
class Report:
    pages: int = 0
    written: int = 0
    up_to_date: bool = False
    build_id: str = ""


class Site:
    """The whole site in memory: options, sources, pages, problems, and what was rendered."""

    def __init__(self, options: BuildOptions):
        self.options = options
        self.problems: list[Problem] = []
        self.sources: list[Source] = []
        self.pages: list[Page] = []
        self.drafts: set[str] = set()  # content rel paths left out of this build
        self.unreadable: set[str] = set()  # content rel paths with problems already reported
        self.catalog = None
        self.role_names: dict[str, str] = {}
        self.role_plurals: dict[str, str] = {}
        self.env = None
        self.assets = {}
        self.link_table = None
        self.md_cache: dict = {}
        self.previous_keys: dict = {}
        self.settings = ""

    # -- gather ---------------------------------------------------------------------------

    def gather(self) -> None:
        content_dir = self.options.content_dir
        if not content_dir.is_dir():
            self.problems.append(Problem(display_path(content_dir), 0, "content folder not found"))
            return
        self.catalog = load_catalog(self.problems)
        if self.catalog is not None:
            self.role_names = {r["slug"]: r["name"] for r in self.catalog.roles()}
            self.role_plurals = {r["slug"]: r["plural"] for r in self.catalog.roles()}
        for path in sorted(content_dir.rglob("*.md")):
            source, problems = content_mod.read_source(path, content_dir)
            self.problems += problems
            if problems:  # still known by name, so links to it do not each report it again
                self.unreadable.add(source.rel)
            else:
                self.sources.append(source)

    # -- validate and plan -----------------------------------------------------------------

    def plan(self) -> None:
        """Validate every source's fields and give each one its page."""
        by_path: dict[str, Page] = {}
        guide_slugs: dict[str, Page] = {}
        for source in self.sources:
            page = self.page_for(source)
            if page is None:
                continue
            if page.draft and not self.options.drafts:
                self.drafts.add(source.rel)
                continue
            other = by_path.get(page.path)
            if other is not None:
                key = "slug" if "slug" in source.meta else "title"
                what = f"slug '{page.slug}'" if page.kind == "guide" else f"page /{page.path}"
                self.problems.append(Problem(source.display, source.line_of(key), f"{what} is already used by {other.source.display}; give one of them another slug"))
                self.unreadable.add(source.rel)
                continue
            by_path[page.path] = page
            if page.kind == "guide":
                guide_slugs[page.slug] = page
            self.pages.append(page)
        self.check_related(guide_slugs)
        self.pages += self.generated_pages()
        self.pages.sort(key=lambda p: p.path)
        for page in self.pages:
            if page.kind == "guide":
                page.extra["related_pages"] = self.related_guides(page, guide_slugs)

    def page_for(self, source: Source) -> Page | None:
        parts = source.rel.split("/")
        stem = parts[-1][: -len(".md")]
        if source.rel == "index.md":
            kind, required = "home", ("title", "description")
        elif parts[0] == "roles" and len(parts) == 2:
            kind, required = "hub", ("title", "description")
        elif parts[0] == "pages" and len(parts) == 2:
            kind, required = "page", ("title", "description")
        else:
            kind, required = "guide", REQUIRED
        problems = content_mod.validate_fields(source, required, set(self.role_names))
        meta = source.meta
        slug = meta.get("slug") if isinstance(meta.get("slug"), str) else stem
        if "slug" not in meta and kind in ("guide", "page", "hub") and not SLUG.fullmatch(stem):
            problems.append(Problem(source.display, 1, f"file name '{parts[-1]}' is not a valid slug; rename it using {SLUG_HINT}, or set slug:"))
        if kind == "hub":
            if stem not in self.role_names:
                problems.append(Problem(source.display, 1, f"roles/{parts[-1]}: '{stem}' is not a role; known roles: {', '.join(sorted(self.role_names))}"))
            elif meta.get("role", stem) != stem:
                problems.append(Problem(source.display, source.line_of("role"), f"role: a role hub's role must be its file name '{stem}'"))
            slug = stem
        if kind == "page" and slug in RESERVED:
            problems.append(Problem(source.display, source.line_of("slug"), f"slug '{slug}' is reserved for the site's own pages ({', '.join(sorted(RESERVED))})"))
        if problems:
            self.problems += problems
            self.unreadable.add(source.rel)
            return None
        path = {"home": "", "hub": f"roles/{slug}/", "page": f"{slug}/", "guide": f"guides/{slug}/"}[kind]
        template = {"home": "home.html", "hub": "hub.html", "page": "page.html", "guide": "guide.html"}[kind]
        return Page(
            kind=kind, path=path, template=template, title=meta["title"], description=meta["description"],
            source=source, slug=slug, date=meta.get("date"), updated=meta.get("updated"),
            role=meta.get("role") or (slug if kind == "hub" else None), guide_kind=meta.get("kind"),
            tags=list(dict.fromkeys(meta.get("tags") or [])), related=list(meta.get("related") or []),
            draft=bool(meta.get("draft", False)),
        )

    def check_related(self, guide_slugs: dict[str, Page]) -> None:
        draft_slugs = {Path(rel).stem for rel in self.drafts}
        unreadable = {Path(rel).stem for rel in self.unreadable}
        for page in self.pages:
            for index, slug in enumerate(page.related):
                if (slug in guide_slugs and slug != page.slug) or slug in unreadable:
                    continue
                source = page.source
                if slug == page.slug:
                    reason = "a guide cannot list itself as related"
                elif slug in draft_slugs:
                    reason = "that guide is a draft and is left out of this build (use --drafts to preview)"
                else:
                    close = difflib.get_close_matches(slug, list(guide_slugs), n=1)
                    reason = "no guide has that slug" + (f"; did you mean '{close[0]}'?" if close else "")
                self.problems.append(Problem(source.display, source.line_of(f"related[{index}]"), f"related: '{slug}': {reason}"))

    def generated_pages(self) -> list[Page]:
        guides = sorted((p for p in self.pages if p.kind == "guide"), key=newest_first)
        hubs = {p.role: p for p in self.pages if p.kind == "hub"}
        pages = []
        for slug, name in self.role_names.items():
            role_guides = [g for g in guides if g.role == slug]
            hub = hubs.get(slug)
            if hub is None and role_guides:
                plural = self.role_plurals[slug]
                hub = Page(kind="hub", path=f"roles/{slug}/", template="hub.html", title=f"Guides for {plural}",
                           description=f"Every EarnVerdict guide for {plural}: skills that pay, switching jobs and side income.",
                           slug=slug, role=slug)
                pages.append(hub)
            if hub is not None:
                hub.extra["guides"] = role_guides
        kinds: dict[str, list[Page]] = {}
        for guide in guides:
            kinds.setdefault(guide.guide_kind or "", []).append(guide)
        pages.append(Page(kind="guides", path="guides/", template="list.html", title="All guides",
                          description="Every EarnVerdict career-income guide, grouped by kind: earning more, skills, switching jobs.",
                          extra={"groups": sorted(kinds.items(), key=lambda item: (item[0] == "", item[0]))}))
        tags: dict[str, tuple[str, list[Page]]] = {}
        for guide in guides:
            for tag in guide.tags:
                tags.setdefault(tag_slug(tag), (tag, []))[1].append(guide)
        for slug, (name, tagged) in sorted(tags.items()):
            pages.append(Page(kind="tag", path=f"tags/{slug}/", template="list.html", title=f"Guides tagged “{name}”",
                              description=f"EarnVerdict guides about {name}.", slug=slug, extra={"groups": [("", tagged)]}))
        pages.append(Page(kind="quiz", path="quiz/", template="quiz.html", title="What's your best path?",
                          description="Upgrade a skill, switch jobs or start a side hustle? Eight questions, 30 seconds, "
                                      "no signup: the verdict is worked out in your browser."))
        pages.append(Page(kind="not-found", path="404.html", template="404.html", title="Page not found",
                          description="This page does not exist. Try the guides or the 30-second quiz."))
        home = next((p for p in self.pages if p.kind == "home"), None)
        if home is None:
            home = Page(kind="home", path="", template="home.html", title=SITE_TITLE,
                        description="Career-income guides for software people, and a 30-second quiz: upgrade a skill, switch jobs, or start a side hustle?")
            pages.append(home)
        home.extra["latest"] = guides[:HOME_LATEST]
        home.extra["hubs"] = sorted((p for p in self.pages + pages if p.kind == "hub"), key=lambda p: p.title)
        return pages

    def related_guides(self, page: Page, guide_slugs: dict[str, Page]) -> list[Page]:
        """Its `related` first, then the closest guides by role and shared tags, newest first."""
        chosen = [guide_slugs[s] for s in page.related if s in guide_slugs]
        if len(chosen) >= RELATED_MAX:
            return chosen
        index = self.guide_index()
        pool: dict[str, Page] = {}
        for group in ([index["role"].get(page.role, [])] if page.role else []) + [index["tag"].get(tag_slug(t), []) for t in page.tags]:
            for guide in group[:RELATED_POOL]:
                pool[guide.slug] = guide
        mine = {tag_slug(t) for t in page.tags}
        taken = {page.slug} | {g.slug for g in chosen}

        def closeness(guide: Page) -> tuple:
            shared = len(mine & {tag_slug(t) for t in guide.tags})
            return (-(2 * (guide.role == page.role and page.role is not None) + shared), *newest_first(guide))

        rest = sorted((g for s, g in pool.items() if s not in taken), key=closeness)
        return chosen + rest[: RELATED_MAX - len(chosen)]

    def guide_index(self) -> dict:
        if not hasattr(self, "_guide_index"):
            index: dict = {"role": {}, "tag": {}}
            for guide in sorted((p for p in self.pages if p.kind == "guide"), key=newest_first):
                if guide.role:
                    index["role"].setdefault(guide.role, []).append(guide)
                for tag in guide.tags:
                    index["tag"].setdefault(tag_slug(tag), []).append(guide)
            self._guide_index = index
        return self._guide_index

    # -- render ----------------------------------------------------------------------------

    def prepare_render(self, state: State) -> None:
        from . import links, theme

        options = self.options
        self.assets = theme.collect_assets(options.templates_dir / "assets")
        site_vars = {"title": SITE_TITLE, "base_url": options.base_url, "base_path": options.base_path,
                     "lang": "en", "live_reload": options.live_reload}
        self.env = theme.environment(options.templates_dir, options.state_dir / "jinja", site_vars, self.assets, self.catalog)
        file_urls = {p.source.rel: p.path for p in self.pages if p.source is not None}
        site_paths = {p.path for p in self.pages} | {"feed.xml", "sitemap.xml", "robots.txt"}
        self.link_table = links.LinkTable(
            file_urls=file_urls, drafts=frozenset(self.drafts), broken=frozenset(self.unreadable), site_paths=frozenset(site_paths),
            content_paths={p.path: p.source.rel for p in self.pages if p.source is not None},
            base_path=options.base_path,
        )
        self.md_cache = load_markdown_cache(options.state_dir)
        self.settings = settings_fingerprint(options)
        trusted = state.settings == self.settings and output_matches(options.out_dir, state)
        self.previous_keys = state.page_keys if trusted else {}
        for name in sorted({p.template for p in self.pages}):
            try:
                self.env.get_template(name)  # compile once, before worker processes fork
            except Exception as err:
                self.problems.append(template_problem(err, options.templates_dir, name))

    def render(self) -> list[PageResult]:
        global _SITE
        _SITE = self
        indices = range(len(self.pages))
        workers = min(os.cpu_count() or 1, 8)
        if workers > 1 and len(self.pages) >= PARALLEL_MIN_PAGES and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            chunk = max(1, len(self.pages) // (workers * 8))
            with context.Pool(workers) as pool:
                results = pool.map(render_page_at, indices, chunksize=chunk)
        else:
            results = [render_page_at(i) for i in indices]
        _SITE = None
        for result in results:
            self.problems += result.problems
            if result.rendered is not None:
                self.md_cache[result.md_key] = result.rendered
        return results

    def render_page(self, page: Page) -> PageResult:
        from . import links
        from .context import page_context

        problems: list[Problem] = []
        body, toc, ids, minutes, refs, rendered, md_key = "", (), frozenset(), 0, [], None, ""
        if page.source is not None:
            source = page.source
            markdown_text, problems = expand(source, self.catalog)
            md_key, result, fresh = self.markdown(markdown_text)
            rendered = result if fresh else None
            body, refs = links.rewrite_links(result.html, source.rel, self.link_table)
            toc, ids, minutes = result.toc, result.ids, result.reading_minutes
            for clash in sorted(ids & TEMPLATE_IDS):
                line = links.find_line(source.body, source.body_line, "{#" + clash) if "{#" + clash in source.body else source.body_line
                problems.append(Problem(source.display, line, f"id '#{clash}' is used by the page template; give this heading another id with {{#another-id}}"))
            unsafe = RAW_UNSAFE.search(body)
            if unsafe:
                line = links.find_line(source.body, source.body_line, unsafe.group(0).strip())
                problems.append(Problem(source.display, line, f"raw HTML '{unsafe.group(0).strip()}' is not allowed: the site's Content-Security-Policy blocks inline scripts and styles"))
        context = page_context(self, page, body, toc, minutes)
        key = hashlib.sha256((self.settings + page.template + json.dumps(context, sort_keys=True, default=str)).encode()).hexdigest()
        data = None
        if self.previous_keys.get(page.out) != key:
            try:
                data = self.env.get_template(page.template).render(context).encode()
            except Exception as err:
                problems.append(template_problem(err, self.options.templates_dir, page.template))
        return PageResult(page.out, data, key, refs, ids, md_key, rendered, problems)

    def markdown(self, text: str):
        """(cache key, Rendered, rendered afresh?) for a page's expanded markdown."""
        from .markup import cache_key, render_markdown

        key = cache_key(text)
        cached = self.md_cache.get(key)
        if cached is not None:
            return key, cached, False
        return key, render_markdown(text), True

    # -- check links -----------------------------------------------------------------------

    def check_links(self, results: list[PageResult]) -> None:
        from .links import find_line

        ids = {self.pages[i].source.rel: results[i].ids for i in range(len(results)) if self.pages[i].source is not None}
        for page, result in zip(self.pages, results):
            for ref in result.refs:
                message = ref.problem
                if message is None and ref.anchor and ref.target is not None and ref.anchor not in ids.get(ref.target, ()):
                    where = "on this page" if ref.target == page.source.rel else f"in {ref.target}"
                    message = f"link '{ref.raw}': no heading or anchor '#{ref.anchor}' {where}"
                if message:
                    line = find_line(page.source.body, page.source.body_line, ref.raw)
                    self.problems.append(Problem(page.source.display, line, message))

    # -- assemble --------------------------------------------------------------------------

    def assemble(self, results: list[PageResult], state: State, with_runtime: bool) -> dict[str, bytes | None]:
        from . import feeds
        from .runtime import quiz_runtime, service_worker

        options = self.options
        files: dict[str, bytes | None] = {r.out: r.data for r in results}
        files.update({a.path: a.data for a in self.assets.values()})
        runtime = quiz_runtime(options, self.problems) if with_runtime else {}
        files.update(runtime)
        listed = [p for p in self.pages if p.kind != "not-found"]
        files["sitemap.xml"] = feeds.sitemap(options.base_url, [(p.path, iso(p.last_modified)) for p in listed])
        guides = sorted((p for p in self.pages if p.kind == "guide"), key=newest_first)
        feed_items = [{"path": g.path, "title": g.title, "description": g.description, "date": iso(g.date), "updated": iso(g.updated)} for g in guides]
        files["feed.xml"] = feeds.atom_feed(options.base_url, SITE_TITLE, sorted(feed_items, key=lambda g: (g["updated"] or g["date"]), reverse=True))
        files["robots.txt"] = feeds.robots(options.base_url)
        files["_headers"] = feeds.headers(options.base_path, [p for p in runtime if p.endswith(".wasm")])
        digests = {rel: (sha256(data) if data is not None else state.files[rel][0]) for rel, data in files.items()}
        self.build_id = hashlib.sha256("".join(f"{rel}\0{digests[rel]}\n" for rel in sorted(digests)).encode()).hexdigest()[:16]
        if with_runtime:
            precache = ["quiz/"] + sorted(a.path for a in self.assets.values()) + sorted(runtime)
            worker = service_worker(options.base_path, self.build_id, precache, self.problems)
            if worker is not None:
                files["sw.js"] = worker
        return dict(sorted(files.items()))


_SITE: Site | None = None


def render_page_at(index: int) -> PageResult:
    site = _SITE
    page = site.pages[index]
    try:
        return site.render_page(page)
    except Exception as err:  # a bug must still come out as one line, never a traceback
        where = page.source.display if page.source else page.template
        return PageResult(page.out, None, "", problems=[Problem(where, 1, f"cannot render /{page.path}: {type(err).__name__}: {err}")])


def expand(source: Source, catalog) -> tuple[str, list[Problem]]:
    from .directives import expand_directives

    return expand_directives(source.body, catalog, source.display, source.body_line)


def newest_first(page: Page) -> tuple:
    modified = page.last_modified or dt.date.min
    return (-modified.toordinal(), page.title.lower(), page.slug)


def iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def load_catalog(problems: list[Problem]):
    try:
        from engine import catalog

        catalog.roles()
        return catalog
    except Exception as err:
        problems.append(Problem(display_path(Path(__file__).resolve().parent.parent / "engine" / "catalog.py"), 1,
                                f"cannot load the engine catalog: {type(err).__name__}: {err}"))
        return None


def template_problem(err: Exception, templates_dir: Path, name: str) -> Problem:
    """A template error as `templates/x.html:line: message`, from the template's own frame."""
    import jinja2

    if isinstance(err, jinja2.TemplateSyntaxError):
        path = err.filename or str(templates_dir / (err.name or name))
        return Problem(display_path(path), err.lineno or 1, f"template error: {err.message}")
    path, line = str(templates_dir / name), 1
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename and Path(frame.filename).suffix in (".html", ".xml", ".txt") and Path(frame.filename).is_relative_to(templates_dir):
            path, line = frame.filename, frame.lineno or 1
            break
    return Problem(display_path(path), line, f"template error: {err}")


def load_markdown_cache(state_dir: Path) -> dict:
    try:
        with open(state_dir / MARKDOWN_CACHE, "rb") as fh:
            cache = pickle.load(fh)
        return cache if isinstance(cache, dict) else {}
    except Exception:
        return {}


def save_markdown_cache(state_dir: Path, cache: dict, used: set) -> None:
    from .output import atomic_write

    kept = {key: value for key, value in cache.items() if key in used}
    atomic_write(state_dir / MARKDOWN_CACHE, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))


# -- the commands' entry points --------------------------------------------------------------


def build(options: BuildOptions, write: bool = True) -> Report:
    """Build (or, with write=False, only check) the site; raise ContentErrors listing every problem."""
    state = load_state(options.state_dir) if write else State()
    fingerprint = input_fingerprint(options) if write else ""
    if write and state.inputs == fingerprint and output_matches(options.out_dir, state):
        return Report(pages=len(state.page_keys), up_to_date=True)
    site = Site(options)
    site.gather()
    site.plan()
    # Carry on past content problems so links and directives are checked too: one run, all problems.
    content_problems = len(site.problems)
    site.prepare_render(state)
    if len(site.problems) > content_problems:  # a broken template would fail every page
        raise ContentErrors(site.problems)
    results = site.render()
    used = {result.md_key for result in results if result.md_key}
    save_markdown_cache(options.state_dir, site.md_cache, used)
    site.check_links(results)
    if site.problems:
        raise ContentErrors(site.problems)
    files = site.assemble(results, state, with_runtime=write)
    if site.problems:
        raise ContentErrors(site.problems)
    report = Report(pages=len(site.pages), build_id=getattr(site, "build_id", ""))
    if not write:
        return report
    if site.previous_keys:
        records, report.written = write_changed(options.out_dir, files, state.files)
    else:
        files = {rel: data for rel, data in files.items()}
        missing = [rel for rel, data in files.items() if data is None]
        if missing:  # cannot happen: untrusted output means every page was rendered
            raise RuntimeError(f"unrendered pages for a full write: {missing[:3]}")
        records = write_full(options.out_dir, files)
        report.written = len(files)
    page_keys = {r.out: r.key for r in results}
    save_state(options.state_dir, State(inputs=fingerprint, settings=site.settings, files=records, page_keys=page_keys))
    return report

