"""Machine-read files: sitemap.xml, the Atom feed, robots.txt and the CDN's _headers."""

from __future__ import annotations

from .theme import CSP


def escape(text: str) -> str:
    """XML text with &, < and > escaped, as xml.sax.saxutils.escape does (whose module pulls in
    urllib and http.client: tens of milliseconds of imports for three replacements)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=0, must-revalidate"
FEED_SIZE = 20
FEED_TYPE = "application/atom+xml; charset=utf-8"
FRAME_ANCESTORS = "frame-ancestors 'none'"
# Nothing on the site uses these; a page that asks for them is not ours.
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def sitemap(base_url: str, entries: list[tuple[str, str]]) -> bytes:
    """entries: (site path, ISO last-modified date or '')."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, lastmod in sorted(entries):
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(base_url + path)}</loc>{mod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def atom_feed(base_url: str, title: str, guides: list[dict]) -> bytes:
    """guides: dicts with path, title, description, date and updated (ISO dates), newest first."""
    newest = guides[:FEED_SIZE]
    updated = max((g["updated"] or g["date"] for g in newest), default="1970-01-01")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)}</title>",
        f'  <link href="{escape(base_url)}"/>',
        f'  <link rel="self" href="{escape(base_url)}feed.xml"/>',
        f"  <id>{escape(base_url)}</id>",
        f"  <updated>{updated}T00:00:00Z</updated>",
        f"  <author><name>{escape(title)}</name></author>",
    ]
    for guide in newest:
        url = escape(base_url + guide["path"])
        lines += [
            "  <entry>",
            f"    <title>{escape(guide['title'])}</title>",
            f'    <link href="{url}"/>',
            f"    <id>{url}</id>",
            f"    <published>{guide['date']}T00:00:00Z</published>",
            f"    <updated>{guide['updated'] or guide['date']}T00:00:00Z</updated>",
            f"    <summary>{escape(guide['description'])}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode()


def robots(base_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {base_url}sitemap.xml\n".encode()


def headers(base_path: str, html_paths: list[str], runtime_paths: list[str], revalidated: set[str], copies: list[str] = ()) -> bytes:
    """Netlify / Cloudflare Pages `_headers`: security headers everywhere, short caching for
    HTML, year-long immutable caching for content-hashed assets and for the quiz runtime (whose
    folder names its version or hash) except the `revalidated` paths, and .wasm's MIME type.
    `copies` are the precompressed copies ('x.wasm.br'): each gets its original's rule.

    Cache rules never overlap (both hosts combine the values of overlapping rules), so HTML is
    named by its top folders rather than by a catch-all.
    """
    lines = [
        f"{base_path}*",
        # frame-ancestors works only as a header (a meta tag's is ignored); X-Frame-Options
        # says the same to browsers that predate it.
        f"  Content-Security-Policy: {CSP}; {FRAME_ANCESTORS}",
        "  X-Frame-Options: DENY",
        f"  Permissions-Policy: {PERMISSIONS}",
        "  X-Content-Type-Options: nosniff",
        "  Referrer-Policy: strict-origin-when-cross-origin",
    ]
    rules: dict[str, list[str]] = {}
    for pattern in sorted({html_pattern(path) for path in html_paths} | {"sitemap.xml", "feed.xml", "robots.txt", "sw.js", "pagefind/*"}):
        rules[pattern] = [f"Cache-Control: {SHORT}"]
    rules["feed.xml"].append(f"Content-Type: {FEED_TYPE}")
    rules["assets/*"] = [f"Cache-Control: {IMMUTABLE}"]
    for path in sorted(runtime_paths):
        rules[path] = [f"Cache-Control: {SHORT if path in revalidated else IMMUTABLE}"]
        if path.endswith(".wasm"):
            rules[path].append("Content-Type: application/wasm")
    for copy in sorted(copies):
        original = copy.rsplit(".", 1)[0]
        if original in rules:  # the others sit under a folder pattern (assets/*, guides/*) already
            rules[copy] = rules[original]
    for pattern, values in rules.items():
        lines += ["", f"{base_path}{pattern}"] + [f"  {value}" for value in values]
    return ("\n".join(lines) + "\n").encode()


def html_pattern(path: str) -> str:
    """'' -> '' (the home page), 'guides/x/' and 'guides/' -> 'guides/*', '404.html' -> '404.html'."""
    if "/" not in path:
        return path
    return path.split("/", 1)[0] + "/*"
