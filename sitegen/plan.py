"""Planning the site: which page each content file becomes, the pages the build adds (role hubs,
the guide index, tag pages, the quiz, 404), and each guide's related guides."""

from __future__ import annotations

import datetime as dt
import heapq
import io
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .options import SITE_TITLE
from .problems import Problem

if TYPE_CHECKING:
    from .content import Source
    from .pipeline import Site

RELATED_MAX = 5
RELATED_POOL = 20  # newest guides considered per role and per tag: keeps large sites linear
HOME_LATEST = 8
RESERVED = {"guides", "roles", "tags", "quiz", "assets", "pyodide", "404", "index", "search", "pagefind"}


@dataclass
class Page:
    """One output page: where it goes, which template draws it, and what it says."""

    kind: str  # guide, hub, page, home, guides, tag, quiz, search, not-found
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
    tag_slugs: frozenset = frozenset()
    markdown: str = ""  # the body with data directives expanded
    markdown_problems: tuple = ()
    markdown_key: str = ""
    expanded: bool = False  # markdown holds this build's expansion (not so when the key is the last build's)

    @property
    def out(self) -> str:
        return self.path + "index.html" if self.path == "" or self.path.endswith("/") else self.path

    @property
    def last_modified(self) -> dt.date | None:
        """Its own date, or for a listing the newest of the guides it lists (for the sitemap)."""
        listed = self.extra.get("guides") or [g for _, group in self.extra.get("groups", []) for g in group] or self.extra.get("latest")
        newest = max((g.updated or g.date for g in listed or [] if g.date), default=None)
        own = self.updated or self.date
        return max(filter(None, (own, newest)), default=None)


def page_for(site: Site, source: Source) -> Page | None:
    """The page a content file becomes, or None (its problems added to the site's) when its
    fields are wrong: guides/ -> /guides/<slug>/, roles/ -> /roles/<role>/, pages/ -> /<slug>/."""
    from . import content as content_mod
    from .content import REQUIRED, SLUG, SLUG_HINT, tag_slug

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
    problems = content_mod.validate_fields(source, required, set(site.role_names))
    meta = source.meta
    slug = meta.get("slug") if isinstance(meta.get("slug"), str) else stem
    if "slug" not in meta and kind in ("guide", "page", "hub") and not SLUG.fullmatch(stem):
        problems.append(Problem(source.display, 1, f"file name '{parts[-1]}' is not a valid slug; rename it using {SLUG_HINT}, or set slug:"))
    if kind == "hub":
        if stem not in site.role_names:
            problems.append(Problem(source.display, 1, f"roles/{parts[-1]}: '{stem}' is not a role; known roles: {', '.join(sorted(site.role_names))}"))
        elif meta.get("role", stem) != stem:
            problems.append(Problem(source.display, source.line_of("role"), f"role: a role hub's role must be its file name '{stem}'"))
        slug = stem
    if kind == "page" and slug in RESERVED:
        problems.append(Problem(source.display, source.line_of("slug"), f"slug '{slug}' is reserved for the site's own pages ({', '.join(sorted(RESERVED))})"))
    if problems:
        site.problems += problems
        site.unreadable.add(source.rel)
        return None
    path = {"home": "", "hub": f"roles/{slug}/", "page": f"{slug}/", "guide": f"guides/{slug}/"}[kind]
    template = {"home": "home.html", "hub": "hub.html", "page": "page.html", "guide": "guide.html"}[kind]
    return Page(
        kind=kind, path=path, template=template, title=meta["title"], description=meta["description"],
        source=source, slug=slug, date=meta.get("date"), updated=meta.get("updated"),
        role=meta.get("role") or (slug if kind == "hub" else None), guide_kind=meta.get("kind"),
        tags=list(dict.fromkeys(meta.get("tags") or [])), related=list(meta.get("related") or []),
        draft=bool(meta.get("draft", False)),
        tag_slugs=frozenset(tag_slug(t) for t in meta.get("tags") or []),
    )


def check_related(site: Site, guide_slugs: dict[str, Page]) -> None:
    """Every `related` slug must name a published guide other than the page itself."""
    draft_slugs = {Path(rel).stem for rel in site.drafts}
    unreadable = {Path(rel).stem for rel in site.unreadable}
    for page in site.pages:
        for index, slug in enumerate(page.related):
            if (slug in guide_slugs and slug != page.slug) or slug in unreadable:
                continue
            source = page.source
            if slug == page.slug:
                reason = "a guide cannot list itself as related"
            elif slug in draft_slugs:
                reason = "that guide is a draft and is left out of this build (use --drafts to preview)"
            else:
                import difflib  # only for a suggestion, when a build fails

                close = difflib.get_close_matches(slug, list(guide_slugs), n=1)
                reason = "no guide has that slug" + (f"; did you mean '{close[0]}'?" if close else "")
            site.problems.append(Problem(source.display, source.line_of(f"related[{index}]"), f"related: '{slug}': {reason}"))


def generated_pages(site: Site) -> list[Page]:
    """The pages no content file describes: hubs for roles without one, the guide index, tag
    pages, the quiz, 404, and a home page when content/index.md is missing."""
    from .content import tag_slug

    guides = sorted((p for p in site.pages if p.kind == "guide"), key=newest_first)
    hubs = {p.role: p for p in site.pages if p.kind == "hub"}
    pages = []
    for slug, name in site.role_names.items():
        role_guides = [g for g in guides if g.role == slug]
        hub = hubs.get(slug)
        if hub is None and role_guides:
            plural = site.role_plurals[slug]
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
    pages.append(Page(kind="search", path="search/", template="search.html", title="Search the guides",
                      description="Search every EarnVerdict guide, role hub and page, and narrow the results to one role."))
    pages.append(Page(kind="not-found", path="404.html", template="404.html", title="Page not found",
                      description="This page does not exist. Try the guides or the 30-second quiz."))
    home = next((p for p in site.pages if p.kind == "home"), None)
    if home is None:
        home = Page(kind="home", path="", template="home.html", title=SITE_TITLE,
                    description="Career-income guides for software people, and a 30-second quiz: upgrade a skill, switch jobs, or start a side hustle?")
        pages.append(home)
    home.extra["latest"] = guides[:HOME_LATEST]
    home.extra["hubs"] = sorted((p for p in site.pages + pages if p.kind == "hub"), key=lambda p: p.title)
    return pages


def related_guides(site: Site, page: Page, guide_slugs: dict[str, Page]) -> list[Page]:
    """Its `related` first, then the closest guides by role and shared tags, newest first."""
    chosen = [guide_slugs[s] for s in page.related if s in guide_slugs]
    if len(chosen) >= RELATED_MAX:
        return chosen
    index = guide_index(site)
    pool: dict[str, Page] = {}
    for group in ([index["role"].get(page.role, [])] if page.role else []) + [index["tag"].get(t, []) for t in sorted(page.tag_slugs)]:
        for guide in group[:RELATED_POOL]:
            pool[guide.slug] = guide
    for taken in [page, *chosen]:
        pool.pop(taken.slug, None)

    def closeness(guide: Page) -> tuple:
        same_role = page.role is not None and guide.role == page.role
        return (-(2 * same_role + len(page.tag_slugs & guide.tag_slugs)), index["order"][guide.slug])

    return chosen + heapq.nsmallest(RELATED_MAX - len(chosen), pool.values(), key=closeness)


def guide_index(site: Site) -> dict:
    """Guides by role and by tag, newest first, built once per site."""
    if not hasattr(site, "_guide_index"):
        index: dict = {"role": {}, "tag": {}, "order": {}}  # order: slug -> rank, newest first
        for rank, guide in enumerate(sorted((p for p in site.pages if p.kind == "guide"), key=newest_first)):
            index["order"][guide.slug] = rank
            if guide.role:
                index["role"].setdefault(guide.role, []).append(guide)
            for tag in guide.tag_slugs:
                index["tag"].setdefault(tag, []).append(guide)
        site._guide_index = index
    return site._guide_index


def newest_first(page: Page) -> tuple:
    modified = page.last_modified or dt.date.min
    return (-modified.toordinal(), page.title.lower(), page.slug)


# -- the plan kept between builds ------------------------------------------------------------
#
# The plan depends on the settings and on every file's fields, never on a body: a build whose
# files' fields are all as the last plan's takes that plan (some 10 ms to read at N=1,000,
# against 60-80 ms to make), so an edit to a guide's text does not plan the site again.

PLAN_CACHE = "plan.pickle"


def source_at(rel: str):
    """Stands for a content file in a kept plan; load_plan gives each its Source."""
    raise LookupError(f"{rel}: a kept plan's content file, read only by load_plan")


def _by_path(source) -> tuple:
    return source_at, (source.rel,)


class _PlanPickler(pickle.Pickler):
    """Pickles a plan with each content file as its path, not its text. A reducer for Source
    alone: a persistent_id method would be called for every object of the plan (some 100 ms at
    N=1,000, against 12 for the whole plan)."""

    def __init__(self, file):
        from .content import Source

        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = {Source: _by_path}


class _PlanUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, sources: dict):
        super().__init__(io.BytesIO(data))
        self.sources = sources

    def find_class(self, module, name):
        if (module, name) == (__name__, "source_at"):
            return self.sources.__getitem__
        return super().find_class(module, name)


def plan_bytes(key: str, site: Site) -> bytes:
    """The plan made for the fields named by key: the pages (each with its content file's path)
    and what the plan tells the build besides them."""
    buffer = io.BytesIO()
    _PlanPickler(buffer).dump((key, site.pages, site.drafts, site.hub_titles, site.about_url))
    return buffer.getvalue()


def load_plan(data: bytes | None, key: str, site: Site) -> bool:
    """Take a kept plan (plan_bytes) into site when it was made for these fields (key), each
    page given this build's content file of its path; False when there is none to take."""
    if data is None:
        return False
    try:
        kept, pages, drafts, hub_titles, about_url = _PlanUnpickler(data, {s.rel: s for s in site.sources}).load()
    except Exception:  # damaged or from an older release: planned again
        return False
    if kept != key:
        return False
    site.pages, site.drafts, site.hub_titles, site.about_url = pages, drafts, hub_titles, about_url
    return True
