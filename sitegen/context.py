"""What each template is given: plain data about the page, its neighbours and its structured data.

Contexts are plain JSON-able data, so a page's context also fingerprints it: an unchanged
context under unchanged templates renders to unchanged bytes and is not rendered again.
"""

from __future__ import annotations

import datetime as dt
import functools

from .cards import HEIGHT, WIDTH, card_for
from .content import tag_slug
from .options import SITE_TITLE


@functools.lru_cache(maxsize=4096)
def long_date(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def kind_name(kind: str | None) -> str:
    return (kind or "other guides").replace("-", " ").capitalize()


def summary(site, guide) -> dict:
    """How a guide appears in lists: hubs, related guides, the home page, tag pages."""
    cached = site.summaries.get(guide.path)
    if cached is None:
        cached = site.summaries[guide.path] = make_summary(site, guide)
    return cached


def make_summary(site, guide) -> dict:
    return {
        "title": guide.title,
        "description": guide.description,
        "url": site.options.base_path + guide.path,
        "date": guide.date.isoformat() if guide.date else "",
        "date_text": long_date(guide.date),
        "updated": guide.updated.isoformat() if guide.updated else "",
        "updated_text": long_date(guide.updated),
    }


def card_of(site, page):
    """The page's social card (cards.Card), or None for pages that get none."""
    return card_for(page.kind, page.title, site.role_plurals.get(page.role), SITE_TITLE)


def hub_title(site, role: str) -> str:
    """What a role's hub calls itself, so a guide's breadcrumb names it the same way."""
    return site.hub_titles.get(role) or f"{site.role_names[role]} guides"


def crumbs(site, page) -> list[dict]:
    base = site.options.base_path
    trail = [{"name": "Home", "url": base}]
    if page.kind == "guide":
        if page.role:
            trail.append({"name": hub_title(site, page.role), "url": f"{base}roles/{page.role}/"})
        else:
            trail.append({"name": "Guides", "url": f"{base}guides/"})
    elif page.kind == "tag":
        trail.append({"name": "Guides", "url": f"{base}guides/"})
    if page.kind != "home":
        trail.append({"name": page.title, "url": base + page.path})
    return trail


def structured_data(site, page, trail: list[dict], image: str | None = None) -> list[dict]:
    base_url = site.options.base_url
    origin = base_url[: len(base_url) - len(site.options.base_path)]  # https://example.org
    organization = {"@type": "Organization", "name": SITE_TITLE, "url": base_url}
    data = []
    if page.kind == "guide":
        data.append({
            "@context": "https://schema.org", "@type": "Article",
            "headline": page.title, "description": page.description,
            "datePublished": page.date.isoformat(),
            "dateModified": (page.updated or page.date).isoformat(),
            "mainEntityOfPage": base_url + page.path, "inLanguage": "en",
            "author": organization, "publisher": organization,
            **({"image": image} if image else {}),
        })
    elif page.kind == "home":
        data.append({"@context": "https://schema.org", "@type": "WebSite", "name": SITE_TITLE, "url": base_url, "inLanguage": "en"})
    elif page.kind == "quiz":
        data.append({
            "@context": "https://schema.org", "@type": "WebApplication",
            "name": f"{SITE_TITLE} income quiz", "description": page.description, "url": base_url + page.path,
            "applicationCategory": "FinanceApplication", "operatingSystem": "Any",
            "browserRequirements": "Runs in the browser (JavaScript, WebAssembly); answers never leave it; works offline after the first visit",
            "isAccessibleForFree": True, "inLanguage": "en",
            "offers": {"@type": "Offer", "price": "0", "priceCurrency": "USD"},
            **({"image": image} if image else {}),
        })
    if len(trail) > 1 and page.kind != "not-found":
        data.append({
            "@context": "https://schema.org", "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": i, "name": c["name"], "item": origin + c["url"]}
                for i, c in enumerate(trail, start=1)
            ],
        })
    return data


def page_context(site, page, body: str, toc: tuple, minutes: int) -> dict:
    base = site.options.base_path
    trail = crumbs(site, page)
    card = card_of(site, page)
    image = {"url": site.options.base_url + card.path, "alt": card.alt, "width": WIDTH, "height": HEIGHT} if card else None
    info = {
        "kind": page.kind,
        "draft": page.draft,
        "title": page.title,
        "description": page.description,
        "path": page.path,
        "url": site.options.base_url + page.path,
        "body": body,
        "toc": [{"id": i, "title": t, "children": [{"id": ci, "title": ct} for ci, ct in kids]} for i, t, kids in toc],
        "breadcrumbs": trail,
        "jsonld": structured_data(site, page, trail, image and image["url"]),
        "image": image,
        "about_url": site.about_url,
        "quiz_url": f"{base}quiz/" + (f"#role={page.role}" if page.role else ""),
        "role": {"slug": page.role, "name": site.role_names[page.role], "plural": site.role_plurals[page.role],
                 "url": f"{base}roles/{page.role}/"} if page.role else None,
    }
    if page.kind == "guide":
        info.update(
            date=page.date.isoformat(), date_text=long_date(page.date),
            updated=page.updated.isoformat() if page.updated else "", updated_text=long_date(page.updated),
            reading_minutes=minutes,
            guide_kind={"slug": page.guide_kind, "name": kind_name(page.guide_kind), "url": f"{base}guides/#{page.guide_kind}"} if page.guide_kind else None,
            tags=[{"name": t, "url": f"{base}tags/{tag_slug(t)}/"} for t in page.tags],  # noqa: few per page
            related=[summary(site, g) for g in page.extra.get("related_pages", [])],
        )
    if "guides" in page.extra:
        info["guides"] = [summary(site, g) for g in page.extra["guides"]]
    if "groups" in page.extra:
        info["groups"] = [{"slug": kind or "other", "name": kind_name(kind), "guides": [summary(site, g) for g in guides]}
                          for kind, guides in page.extra["groups"]]
    if page.kind == "home":
        info["latest"] = [summary(site, g) for g in page.extra.get("latest", [])]
        info["hubs"] = [{"title": h.title, "url": base + h.path, "description": h.description} for h in page.extra.get("hubs", [])]
    return {"page": info}

