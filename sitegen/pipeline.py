"""The build, as one straight pipeline around a Site:

    gather -> validate and plan pages (plan.py) -> render -> check links -> assemble -> write

Everything is read, checked and rendered in memory before anything is written, so a build with
a problem leaves the previous output exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import pickle
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .contentpolicy import SourceRecord, read_content
from .fingerprint import content_digests, input_fingerprint, settings_fingerprint
from .options import SITE_TITLE, BuildOptions
from .output import FolderCheck, Staging, State, forget_made_folders, load_pages, load_state, prune_stale, save_state, sha256, write_changed
from .problems import ContentErrors, Problem, clip, display_path
from .spool import Spool

# What only a build that renders needs (the plan, the templates, the cards, the search index) is
# imported where it is used, so a build that finds nothing changed starts in less time.
if TYPE_CHECKING:
    from .content import Source
    from .markup import Rendered
    from .plan import Page

# Rough single-core costs (ms) of rendering one page's markdown and one page's template; a
# process pool pays for its start and for pickling results only above about POOL_WORTH_MS of work.
MARKDOWN_MS, TEMPLATE_MS, POOL_WORTH_MS = 1.6, 0.8, 250
# Pages handed to a worker at a time: some 30 ms of work, so the workers finish within that of
# each other, and dispatching costs little.
CHUNK_PAGES = 16
MARKDOWN_CACHE = "renderings"  # a folder of pack files (markup.MarkdownCache)
PARSED_CACHE = "frontmatter.pickle"
STATE_MAX_AGE_DAYS = 7  # the build state of an output folder not built for this long is dropped
# ids the templates give their own elements; a heading may not take one of them
TEMPLATE_IDS = frozenset({"main", "toc-title", "cta-title", "related-title", "hub-guides", "home-roles", "home-latest"})


@dataclass
class PageRecord:
    """What the build state remembers of a rendered page, so an unchanged page is skipped."""

    md_key: str  # hash of its expanded markdown ('' for pages without one)
    toc: tuple
    minutes: int
    ids: frozenset  # every id in its body: the anchors other pages may link to
    refs: tuple  # its internal links, checked again on every build
    key: str  # hash of everything its bytes depend on
    digest: str  # sha256 of its bytes
    source: str = ""  # sha256 of the content file it was made from ('' for the pages the build adds)


@dataclass
class PageResult:
    out: str
    data: bytes | None  # None: unchanged since the last build; b"" once handed to a sink
    digest: str
    record: PageRecord
    problems: list = field(default_factory=list)
    rendered: Rendered | None = None  # its markdown when rendered afresh, for the cache
    card: tuple | None = None  # (output path, sha256, PNG) of its card, when drawn with the page


@dataclass
class Report:
    pages: int = 0
    written: int = 0
    rendered: int = 0  # pages rendered afresh (the rest were unchanged since the last build)
    up_to_date: bool = False
    build_id: str = ""


class Site:
    """The whole site in memory: options, sources, pages, problems, and what was rendered."""

    def __init__(self, options: BuildOptions, write: bool = True):
        self.options = options
        self.write = write  # False for `check`, which leaves even the caches as they were
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
        self.md_cache = None
        self.parsed: dict = {}
        self.parsed_before: frozenset = frozenset()  # the keys of parsed as the last build kept it
        self.media: dict[str, bytes] = {}  # images and other files beside the markdown, by rel path
        self.summaries: dict = {}  # guide path -> how it appears in lists (see context.summary)
        self.previous: dict = {}
        self.settings = ""
        self.hub_titles: dict[str, str] = {}  # role slug -> its hub's title, for guides' breadcrumbs
        self.about_url = ""  # the about page (with the privacy notice), linked from every footer
        self.indexed: dict[str, bytes | None] = {}  # search-indexed page -> its bytes if rendered
        self.digests: dict[str, str] = {}  # sha256 of every file the build writes but sw.js, from assemble
        self.drawn_cards = Spool(options.state_dir)  # card digest -> PNG, drawn with the pages
        self.draw_cards = False  # the render workers draw each page's card (cold builds)
        self.indexer = None  # search.Indexer taking the indexed pages as they are rendered (cold builds)
        self.changed_index = None  # search.Indexer given the pages an edit changed, once rendered (start_changed_index)
        self.ahead = None  # ahead.Ahead rendering markdown while the build gathers and plans (cold builds)
        self.previous_files: dict = {}
        self.fields_key = ""  # fields_key(): the plan is made for it
        self.made_plan: bytes | None = None  # the plan, made afresh and without problems, to keep (plan.plan_bytes)

    # -- gather ---------------------------------------------------------------------------

    def gather(self, contents: dict, digests: dict[str, str] | None = None) -> None:
        """contents: contentpolicy.read_content's, each file's bytes (or a Known) by its path
        in the content folder; digests: their sha256, when already made (content_digests)."""
        from . import content as content_mod
        from .contentpolicy import Known, shown, suffix

        digests = digests or {}
        content_dir = self.options.content_dir
        self.catalog = load_catalog(self.problems)
        if self.catalog is not None:
            self.role_names = {r["slug"]: r["name"] for r in self.catalog.roles()}
            self.role_plurals = {r["slug"]: r["plural"] for r in self.catalog.roles()}
        self.parsed = load_pickle(self.options.state_dir / PARSED_CACHE)
        self.parsed_before = frozenset(self.parsed)
        display_root = display_path(content_dir)
        for rel, raw in contents.items():
            if suffix(rel) != ".md":
                self.media[rel] = raw
                continue
            digest = digests.get(rel, "")
            if isinstance(raw, Known):
                source = content_mod.known_source(rel, raw, display_root, self.parsed)
                if source is not None:
                    self.sources.append(source)
                    continue
                # Its fields are no longer in the parse cache (damaged, or removed by hand): it is
                # read after all, and its digest is that of what is read now.
                try:
                    raw, digest = Path(raw.path).read_bytes(), ""
                except OSError as err:
                    self.problems.append(Problem(shown(rel, display_root), 1, f"cannot be read ({err.strerror or err})"))
                    self.unreadable.add(rel)
                    continue
            source, problems = content_mod.read_source(rel, raw, display_root, self.parsed, digest)
            self.problems += problems
            if problems:  # still known by name, so links to it do not each report it again
                self.unreadable.add(source.rel)
            else:
                self.sources.append(source)

    # -- validate and plan -----------------------------------------------------------------

    def plan(self) -> None:
        """Validate every source's fields and give each one its page; the last build's plan is
        taken when every file's fields (and the settings) are as they were for it."""
        from .cacheguard import read_sealed
        from .plan import PLAN_CACHE, load_plan, plan_bytes

        self.settings = self.settings or settings_fingerprint(self.options)
        self.fields_key = fields_key(self.settings, self.sources)
        if self.write and not self.problems and load_plan(read_sealed(self.options.state_dir / PLAN_CACHE), self.fields_key, self):
            return
        self.plan_pages()
        if self.write and not self.problems:
            self.made_plan = plan_bytes(self.fields_key, self)

    def plan_pages(self) -> None:
        from .plan import check_related, generated_pages, page_for, related_guides

        by_path: dict[str, Page] = {}
        guide_slugs: dict[str, Page] = {}
        for source in self.sources:
            page = page_for(self, source)
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
        check_related(self, guide_slugs)
        self.pages += generated_pages(self)
        self.pages.sort(key=lambda p: p.path)
        self.hub_titles = {p.role: p.title for p in self.pages if p.kind == "hub"}
        self.about_url = next((self.options.base_path + p.path for p in self.pages if p.path == "about/"), "")
        for page in self.pages:
            if page.kind == "guide":
                page.extra["related_pages"] = related_guides(self, page, guide_slugs)

    # -- render ----------------------------------------------------------------------------

    def prepare_render(self, state: State, output_trusted: bool) -> None:
        from . import links, theme
        from .markup import MarkdownCache

        options = self.options
        self.assets = theme.collect_assets(options.templates_dir / "assets")
        # Content images get content-hashed names under assets/, so they are cached like the theme.
        self.media_paths = {rel: theme.hashed_path(rel, data) for rel, data in self.media.items()}
        site_vars = {"title": SITE_TITLE, "base_url": options.base_url, "base_path": options.base_path,
                     "lang": "en", "live_reload": options.live_reload}
        bytecode = options.state_dir / "jinja" if self.write else None
        self.env = theme.environment(options.templates_dir, bytecode, site_vars, self.assets, self.catalog)
        file_urls = {p.source.rel: p.path for p in self.pages if p.source is not None}
        site_paths = {p.path for p in self.pages} | {"feed.xml", "sitemap.xml", "robots.txt"}
        self.link_table = links.LinkTable(
            file_urls=file_urls, drafts=frozenset(self.drafts), broken=frozenset(self.unreadable), site_paths=frozenset(site_paths),
            content_paths={p.path: p.source.rel for p in self.pages if p.source is not None},
            media=self.media_paths, base_path=options.base_path,
        )
        self.links_fp = self.link_table.fingerprint()
        self.md_cache = MarkdownCache(options.state_dir / MARKDOWN_CACHE)
        self.plan_key = hashlib.sha256(f"{self.fields_key}\0{self.links_fp}".encode()).hexdigest()
        # A page whose inputs are unchanged under unchanged settings is neither rendered nor
        # written, provided the output folder still holds exactly what the last build wrote.
        self.output_trusted = output_trusted
        self.previous = load_pages(options.state_dir, state) if self.output_trusted and state.settings == self.settings else {}
        # Under the last build's plan and link targets, a page made from the same file has the
        # same context.
        self.plan_unchanged = bool(self.previous) and state.plan == self.plan_key
        self.previous_files = state.files if self.output_trusted else {}  # what the output folder holds: path -> (sha256, size, mtime)
        for name in sorted({p.template for p in self.pages}):
            try:
                self.env.get_template(name)  # compile once, before worker processes fork
            except Exception as err:
                self.problems.append(template_problem(err, options.templates_dir, name))

    def render(self, sink=None, stream_index: bool = False) -> list[PageResult]:
        """Render every page (in worker processes when that pays). `sink(out, data, digest)` takes
        each page's bytes (and each card drawn with a page) as they arrive, so a full build never
        holds the whole site in memory. With stream_index, a build that renders every page afresh
        feeds Pagefind as pages arrive and has the workers draw the cards."""
        from .compact import compact_html  # noqa: F401  (imported before the workers fork)
        from .content import ContentChanged
        from .markup import cache_key
        from .search import INDEXED_KINDS

        global _SITE
        if self.ahead is not None:  # done with the cache's packs before this build reads them
            self.ahead.stop()
        unrendered, templates = 0, 0
        for page in self.pages:
            previous = self.previous.get(page.out)
            if page.source is not None:
                if previous is not None and previous.source == page.source.digest:
                    # The same file under the same settings (the catalog is code): the same
                    # markdown, expanded again only if its rendering must be made again.
                    page.markdown_key = previous.md_key
                else:
                    try:
                        page.markdown, page.markdown_problems = expand(page.source, self.catalog)
                    except ContentChanged as err:  # the page fails; "" is cached under its own key
                        page.markdown, page.markdown_problems = "", [err.problem]
                    page.markdown_key = cache_key(page.markdown)
                    page.expanded = True
            if previous is None or previous.md_key != page.markdown_key:
                templates += 1
                unrendered += page.source is not None and not self.md_cache.has(page.markdown_key)
        self.indexed = {p.out: None for p in self.pages if p.kind in INDEXED_KINDS}
        if stream_index and not self.previous and self.indexed:
            self.start_index()
        # Every page is rendered afresh: its card is drawn with it, in the same worker, while
        # other pages render, rather than all the cards after the pages.
        self.draw_cards = stream_index and not self.previous
        _SITE = self
        workers = min(os.cpu_count() or 1, 8)
        results = []
        if workers > 1 and worth_a_pool(unrendered, templates) and fork_available():
            import multiprocessing

            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                for result in pool.imap(render_page_at, range(len(self.pages)), chunksize=CHUNK_PAGES):
                    results.append(self.take(result, sink))
        else:
            results = [self.take(render_page_at(i), sink) for i in range(len(self.pages))]
        _SITE = None
        return results

    def take(self, result: PageResult, sink) -> PageResult:
        """Keep a page's problems, cache its fresh rendering, hand its bytes to the sink."""
        self.problems += result.problems
        if result.data and result.out in self.indexed:
            if self.indexer is not None:
                self.indexer.add(result.out, result.data)
            else:
                self.indexed[result.out] = result.data
        if result.rendered is not None:
            if self.write:
                self.md_cache.put(result.record.md_key, result.rendered)
            result.rendered = None
        if result.card is not None:
            path, digest, png = result.card
            self.drawn_cards[digest] = png
            if sink is not None:
                sink(path, png, None)
            result.card = None
        if sink is not None and result.data is not None:
            sink(result.out, result.data, result.digest)
            result.data = b""  # written; only its digest is kept
        return result

    def render_page(self, page: Page) -> PageResult:
        previous = self.previous.get(page.out)
        same_markdown = previous is not None and previous.md_key == page.markdown_key
        if same_markdown and self.plan_unchanged and (page.source is None or previous.source == page.source.digest):
            return PageResult(page.out, None, previous.digest, previous)
        # Imported past the check above, which an edit's unchanged pages stop at: a thousand
        # imports of loaded modules cost some 6 ms.
        from . import links
        from .compact import compact_html
        from .context import page_context
        from .markup import render_markdown

        problems: list[Problem] = list(page.markdown_problems)
        body_id = page.markdown_key + self.links_fp if page.source is not None else ""
        if same_markdown:
            # Same markdown and same link targets: same body, so its outline and links stand.
            context = page_context(self, page, "", previous.toc, previous.minutes)
            key = context_key(self.settings, page.template, context, body_id)
            if key == previous.key:
                return PageResult(page.out, None, previous.digest, previous)
        body, toc, ids, minutes, refs = "", (), frozenset(), 0, ()
        rendered = fresh = None
        if page.source is not None:
            source = page.source
            rendered = self.md_cache.get(page.markdown_key)
            if rendered is None:
                if not page.expanded:  # its key was the last build's: expanded only now
                    page.markdown, page.markdown_problems = expand(source, self.catalog)
                    page.expanded = True
                    problems += page.markdown_problems
                rendered = fresh = render_markdown(page.markdown)
            body, found = links.rewrite_links(rendered.html, source.rel, self.link_table)
            refs = tuple(found)
            toc, ids, minutes = rendered.toc, rendered.ids, rendered.reading_minutes
            for clash in sorted(ids & TEMPLATE_IDS):
                line = links.find_line(source.body, source.body_line, "{#" + clash) if "{#" + clash in source.body else source.body_line
                problems.append(Problem(source.display, line, f"id '#{clash}' is used by the page template; give this heading another id with {{#another-id}}"))
            if rendered.unsafe:
                reason, needles = rendered.unsafe
                problems.append(Problem(source.display, links.first_line(source.body, source.body_line, needles), reason))
        context = page_context(self, page, "", toc, minutes)
        key = context_key(self.settings, page.template, context, body_id)
        record = PageRecord(page.markdown_key, toc, minutes, ids, refs, key, "", page.source.digest if page.source else "")
        try:
            context["page"]["body"] = body
            data = compact_html(self.env.get_template(page.template).render(context)).encode()
        except Exception as err:
            problems.append(template_problem(err, self.options.templates_dir, page.template))
            return PageResult(page.out, None, "", record, problems, fresh)
        record.digest = sha256(data)
        return PageResult(page.out, data, record.digest, record, problems, fresh, self.page_card(page))

    def page_card(self, page: Page) -> tuple | None:
        """The page's card as (output path, digest, PNG), when the workers draw the cards."""
        if not self.draw_cards:
            return None
        from .cards import draw
        from .context import card_of

        card = card_of(self, page)
        return (card.path, card.digest(), draw(card)) if card is not None else None

    # -- check links -----------------------------------------------------------------------

    def check_links(self, results: list[PageResult]) -> None:
        from .content import ContentChanged
        from .links import find_line

        ids = {page.source.rel: result.record.ids for page, result in zip(self.pages, results) if page.source is not None}
        for page, result in zip(self.pages, results):
            for ref in result.record.refs:
                message = ref.problem
                if message is None and ref.anchor and ref.target is not None and ref.anchor not in ids.get(ref.target, ()):
                    where = "on this page" if ref.target == page.source.rel else f"in {ref.target}"
                    message = f"link '{clip(ref.raw)}': no heading or anchor '#{clip(ref.anchor, 60)}' {where}"
                if message:
                    try:
                        line = find_line(page.source.body, page.source.body_line, ref.raw)
                    except ContentChanged as err:
                        self.problems.append(err.problem)
                        line = 1
                    self.problems.append(Problem(page.source.display, line, message))

    # -- assemble --------------------------------------------------------------------------

    def assemble(self, results: list[PageResult], with_runtime: bool) -> dict[str, bytes]:
        """Every file besides the pages: assets, content images, the quiz runtime, feeds,
        _headers, and last the service worker, named after all the others."""
        from . import feeds
        from .cards import CACHE as CARDS_CACHE
        from .context import card_of
        from .plan import newest_first
        from .precompress import precompressed, start_precompressing
        from .quiz import RUNTIME_LOCK
        from .runtime import quiz_runtime, service_worker

        options = self.options
        files: dict[str, bytes] = {a.path: a.data for a in self.assets.values()}
        files.update({self.media_paths[rel]: data for rel, data in self.media.items()})
        listed = [p for p in self.pages if p.kind not in ("not-found", "search")]
        guides = sorted((p for p in self.pages if p.kind == "guide"), key=newest_first)
        feed_items = [{"path": g.path, "title": g.title, "description": g.description, "date": iso(g.date), "updated": iso(g.updated)} for g in guides]
        site_feeds = {"sitemap.xml": feeds.sitemap(options.base_url, [(p.path, iso(p.last_modified)) for p in listed]),
                      "feed.xml": feeds.atom_feed(options.base_url, SITE_TITLE, sorted(feed_items, key=lambda g: (g["updated"] or g["date"]), reverse=True)),
                      "robots.txt": feeds.robots(options.base_url)}
        deployable = with_runtime and not options.live_reload  # precompressed copies: not for serve
        # The feeds' copies (the sitemap's grows with the site) are made while the cards and the
        # index are finished.
        feed_copies = start_precompressing(site_feeds, options.cache_dir) if deployable else dict
        if with_runtime:  # `check` leaves the index and the cards, and their caches, alone
            # Cards not drawn with their pages (an edit's new title) are drawn in other processes
            # while Pagefind indexes the pages.
            cards = card_files([c for c in (card_of(self, p) for p in self.pages) if c], options.state_dir / CARDS_CACHE, self.drawn_cards,
                               self.previous_files)
            try:
                files.update(self.search_index(results))
            finally:
                files.update(cards())
        runtime = quiz_runtime(options, self.problems, self.previous_files) if with_runtime else {}
        files.update(runtime)
        files.update(site_feeds)
        made = feed_copies()
        if deployable:
            files.update(precompressed(files, options.cache_dir, made, self.previous_files,
                                       lambda rel: (options.out_dir / rel).read_bytes()))
        files["_headers"] = feeds.headers(options.base_path, [p.path for p in self.pages], list(runtime), {RUNTIME_LOCK},
                                          [rel for rel in files if rel.endswith((".br", ".gz"))])
        self.digests = {r.out: r.digest for r in results}
        # Written with the files, not hashed again; a file given as None is as the output holds it.
        self.digests.update((rel, sha256(data) if data is not None else self.previous_files[rel][0]) for rel, data in files.items())
        # The service worker's cache is named after everything else the build wrote.
        self.build_id = hashlib.sha256("".join(f"{rel}\0{digest}\n" for rel, digest in sorted(self.digests.items())).encode()).hexdigest()[:16]
        if with_runtime:
            precache = ["quiz/"] + sorted(a.path for a in self.assets.values()) + sorted(runtime)
            worker = service_worker(options.base_path, self.build_id, precache, self.problems, sorted(runtime))
            if worker is not None:
                files["sw.js"] = worker
        return files

    def start_changed_index(self, results: list[PageResult]) -> None:
        """The pages an edit's search index needs indexed anew go to Pagefind as soon as they
        are rendered: it indexes them while the build checks links, writes the feeds and reads
        the last index, which is then cut around them (search.updated_shards). Not for a build
        without a last build's pages, whose Pagefind took every page as it was rendered."""
        from .search import SearchIndexError, new_pages, start_pagefind

        if not self.previous:
            return
        digests = self.indexed_digests(results)
        unchanged = {out for out, digest in digests.items() if out in self.previous and self.previous[out].digest == digest}
        fresh = new_pages(digests, unchanged)
        if fresh and all(self.indexed[out] for out in fresh):
            try:
                self.changed_index = start_pagefind({out: self.indexed[out] for out in fresh})
            except SearchIndexError:  # search_index runs Pagefind again, and says why
                pass

    def indexed_digests(self, results: list[PageResult]) -> dict[str, str]:
        """The sha256 of each page the search index covers, by its output path."""
        return {r.out: r.digest for r in results if r.out in self.indexed}

    def start_index(self) -> None:
        """When every page is rendered afresh, Pagefind takes each indexed page as it comes back
        from rendering, while the others are still being rendered."""
        from .search import SearchIndexError, ShardedIndexer

        try:
            self.indexer = ShardedIndexer(list(self.indexed))
        except SearchIndexError as err:
            self.problems.append(Problem(display_path(Path(__file__).with_name("search.py")), 1, str(err)))

    def search_index(self, results: list[PageResult]) -> dict[str, bytes]:
        """The search index of the indexed pages; a page unchanged since the last build is read
        back from the output folder, which still holds exactly what that build wrote, and a
        fragment file it holds as the index has it is given as None."""
        from .search import SearchIndexError, search_index

        digests = self.indexed_digests(results)

        def read_page(out: str) -> bytes:
            return self.indexed[out] or (self.options.out_dir / out).read_bytes()

        try:
            return search_index(digests, read_page, self.options.state_dir, self.indexer, self.changed_index, self.previous_files)
        except SearchIndexError as err:
            self.problems.append(Problem(display_path(Path(__file__).with_name("search.py")), 1, str(err)))
            return {}


_SITE: Site | None = None


def card_files(cards: list, folder: Path, drawn: dict, present: dict):
    """cards.card_files: the social cards, those not drawn yet drawn in other processes while
    the build goes on; None for those the output folder holds (present)."""
    from .cards import card_files as start_drawing

    return start_drawing(cards, folder, drawn, present)


def fields_key(settings: str, sources: list) -> str:
    """What the plan, and every page's context but its own body's outline and reading time,
    depend on: the settings and every content file's fields, named by the hash of the
    frontmatter they were read from."""
    fields = "".join(f"{s.rel}\0{s.fields_digest}\n" for s in sources)
    return hashlib.sha256(f"{settings}\0{fields}".encode()).hexdigest()


def context_key(settings: str, template: str, context: dict, body_id: str) -> str:
    """What a page's bytes depend on: the settings, its template, its context, and its body,
    which is named by the hash of its markdown and of the link targets rather than hashed whole.
    The context is pickled, a quarter of the time of JSON: equal bytes still mean an equal
    context, and a context built in another order only renders its page once more."""
    data = pickle.dumps(context, protocol=5)
    return hashlib.sha256(f"{settings}\0{template}\0{body_id}\0".encode() + data).hexdigest()


def fork_available() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def worth_a_pool(markdown_pages: int, template_pages: int) -> bool:
    return markdown_pages * MARKDOWN_MS + template_pages * TEMPLATE_MS > POOL_WORTH_MS


def render_page_at(index: int) -> PageResult:
    site = _SITE
    page = site.pages[index]
    try:
        return site.render_page(page)
    except Exception as err:  # a bug must still come out as one line, never a traceback
        where = page.source.display if page.source else page.template
        record = PageRecord("", (), 0, frozenset(), (), "", "")
        from .content import ContentChanged

        # Nothing made from a file that changed under the build is kept, in a worker or not.
        problem = err.problem if isinstance(err, ContentChanged) else Problem(where, 1, f"cannot render /{page.path}: {type(err).__name__}: {err}")
        return PageResult(page.out, None, "", record, [problem])


def expand(source: Source, catalog) -> tuple[str, list[Problem]]:
    from .directives import expand_directives

    return expand_directives(source.body, catalog, source.display, source.body_line)


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


def load_pickle(path: Path) -> dict:
    """A cache dict from an earlier build, or {} when there is none or it fails its hash."""
    from .cacheguard import read_sealed

    data = read_sealed(path)
    try:
        cache = pickle.loads(data) if data is not None else {}
        return cache if isinstance(cache, dict) else {}
    except Exception:
        return {}


def save_cache(path: Path, cache: dict, used: set, kept: frozenset) -> None:
    """Keep only what this build used, so caches never outgrow the site; kept: the keys the
    file holds, which is not written again when they are still exactly the ones used."""
    from .cacheguard import write_sealed_pickle

    if used == kept:  # nothing added, nothing dropped (an entry's value follows from its key)
        return
    write_sealed_pickle(path, {key: value for key, value in cache.items() if key in used})


# -- the commands' entry points --------------------------------------------------------------


def build(options: BuildOptions, write: bool = True) -> Report:
    """Build (or, with write=False, only check) the site; raise ContentErrors listing every problem."""
    if not options.content_dir.is_dir():
        raise ContentErrors([Problem(display_path(options.content_dir), 0, "content folder not found")])
    forget_made_folders()
    state = load_state(options.state_dir) if write else State()
    # Whether the output (and the spare folder beside it) still hold what the last build wrote
    # is checked in another process while this one reads the content.
    folders = FolderCheck(options.out_dir, state.files, state.spare) if write and state.files else None
    ahead = None
    try:
        settings = settings_fingerprint(options) if write else ""
        # A markdown file the last build read is not read again while its signature is the same,
        # under the same generator, which decides what reading a file finds in it.
        settled: dict = {}
        contents, refused = read_content(options.content_dir, state.sources if state.settings == settings else None, settled)
        digests = content_digests(contents)
        fingerprint = input_fingerprint(options, digests, settings) if write else ""
        trusted = folders is not None and folders.output_matches()
        if trusted and state.inputs == fingerprint and not refused:
            os.utime(options.state_dir)  # in use: keeps it from being pruned as stale
            return Report(pages=state.page_count, up_to_date=True)
        # A first build (no page of the last build to reuse) renders markdown ahead, on the core
        # left idle while this process gathers and plans.
        from .ahead import start as start_ahead

        ahead = (start_ahead(contents, options.state_dir / MARKDOWN_CACHE)
                 if write and not (trusted and state.page_count) else None)
        # The sources, the pages, the plan and the results live until the build ends: kept out of
        # the cyclic collector's full passes, which otherwise walk all of them again and again as
        # the build allocates (1.4 of 1.7 s of collection at N=10,000), and out of the pages a
        # collection would dirty in the forked workers. Unfrozen however the build ends, so `serve`
        # collects them later.
        return build_site(options, write, contents, refused, state, fingerprint, trusted, ahead, settings,
                          folders.spare_matches if folders is not None else None, digests, settled)
    finally:
        if ahead is not None:
            ahead.stop()
        if folders is not None:
            folders.close()  # the checking process stopped and reaped, whatever happened
        gc.unfreeze()


def build_site(options: BuildOptions, write: bool, contents, refused: list, state: State, fingerprint: str, trusted: bool,
               ahead=None, settings: str = "", spare_matches=None, digests: dict | None = None, settled: dict | None = None) -> Report:
    """build's pipeline once it knows the site must be built or checked: gather, plan, render,
    assemble, write. settings: settings_fingerprint(options), when already computed;
    spare_matches: whether the spare folder holds what the state says (FolderCheck); digests:
    content_digests(contents); settled: the markdown files' signatures to keep (read_content)."""
    digests, settled = digests or {}, settled or {}
    site = Site(options, write)
    site.settings = settings
    site.problems += refused
    site.ahead = ahead
    site.gather(contents, digests)
    # Every file's bytes now live on as its source's text (or the media): the bytes themselves
    # would be held to the end of the build beside them, some 40 MB at 10,000 guides.
    contents.clear()
    gc.freeze()
    site.plan()
    gc.freeze()
    # Carry on past content problems so links and directives are checked too: one run, all problems.
    content_problems = len(site.problems)
    site.prepare_render(state, trusted)
    if len(site.problems) > content_problems:  # a broken template would fail every page
        raise ContentErrors(site.problems)

    # A first build (or one over an output folder changed by hand) is written whole into a
    # folder beside the output and swapped in at the end; later builds write only changed files.
    staging = Staging(options.out_dir) if write and not trusted and not site.problems else None
    try:
        results = site.render(sink=staging.put if staging else (None if write and not site.problems else discard), stream_index=write)
        if write and not site.problems:
            site.start_changed_index(results)
        gc.freeze()
        if write:  # parsed frontmatter is kept by its hash, the plan by its fields' key: right whatever this build's outcome
            save_cache(options.state_dir / PARSED_CACHE, site.parsed, {s.fields_digest for s in site.sources}, site.parsed_before)
            if site.made_plan is not None:
                from .cacheguard import write_sealed
                from .plan import PLAN_CACHE

                write_sealed(options.state_dir / PLAN_CACHE, site.made_plan)
        site.check_links(results)
        if site.problems:
            raise ContentErrors(site.problems)
        files = site.assemble(results, with_runtime=write)
        if site.problems:
            raise ContentErrors(site.problems)
        report = Report(pages=len(site.pages), build_id=site.build_id, rendered=sum(r.data is not None for r in results))
        if not write:
            return report
        if staging is not None:
            for rel, data in files.items():
                staging.put(rel, data, site.digests.get(rel))
            records = staging.swap()
            report.written = len(records)
        else:
            files.update({r.out: r.data for r in results})
            records, report.written = write_changed(options.out_dir, files, state.files, state.spare, site.digests, spare_matches)
    finally:
        site.drawn_cards.close()
        for indexer in (site.indexer, site.changed_index):
            if indexer is not None:
                indexer.close()
        if staging is not None:
            staging.discard()
        if write and site.md_cache is not None:  # renderings are right whatever the outcome
            site.md_cache.close({page.markdown_key for page in site.pages if page.markdown_key})

    # A file read in gather after read_content took its signature (its fields not cached) may
    # hold other bytes than that signature stood for: it is not kept.
    sources = {s.rel: SourceRecord(settled[s.rel], s.digest, s.fields_digest, s.body_line) for s in site.sources
               if s.rel in settled and s.digest == digests.get(s.rel)}
    save_state(options.state_dir, State(inputs=fingerprint, settings=site.settings, plan=site.plan_key, files=records,
                                        spare=state.files if staging is None else records, pages={r.out: r.record for r in results},
                                        sources=sources))
    prune_stale(options.state_dir.parent, keep=options.state_dir, max_age_days=STATE_MAX_AGE_DAYS)
    return report


def discard(out: str, data: bytes, digest: str = "") -> None:
    """`check` renders every page to find problems and keeps none of the bytes."""
