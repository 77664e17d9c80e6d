"""The same corpus as a Pelican, MkDocs and Hugo project, each set up to do comparable work: one
full HTML page per guide with its headings, lists, table and resolved internal links, a home page
listing every guide, tag pages and one feed. Extras a tool adds by default that this project does
not do (search indexes, author and category archives, per-section feeds) are switched off."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from corpus import Guide, body_markdown, relative_link, write_files, yaml_frontmatter

VENV_BIN = Path(sys.executable).parent


@dataclass
class Tool:
    name: str
    project: Path
    command: list[str]
    # Paths removed before a cold build: output and any cache the tool keeps between builds.
    cold_paths: list[Path] = field(default_factory=list)
    env: dict | None = None
    on_clear: Callable[[], None] | None = None   # extra cache clearing for a cold build

    def clear(self) -> None:
        if self.on_clear is not None:
            self.on_clear()
        for path in self.cold_paths:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


# --- Pelican -------------------------------------------------------------------------------

PELICANCONF = '''\
AUTHOR = "Bench"
SITENAME = "Bench"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
RELATIVE_URLS = True
DEFAULT_PAGINATION = False
ARTICLE_URL = "guides/{slug}/"
ARTICLE_SAVE_AS = "guides/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
# One Atom feed, like this project's feed.xml; no per-category, per-author or translation feeds.
FEED_ALL_ATOM = "feed.xml"
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
# No archives, author or category pages: this project has none.
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = True
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}
'''


def pelican_files(corpus: list[Guide]) -> dict[str, str]:
    def link(target: Guide, anchor: str | None) -> str:
        return f"{{filename}}/guides/{target.slug}.md" + (f"#{anchor}" if anchor else "")

    files = {"pelicanconf.py": PELICANCONF}
    for g in corpus:
        meta = (f"Title: {g.title}\nDate: {g.date}\nSlug: {g.slug}\nCategory: guides\n"
                f"Tags: {', '.join(g.tags)}\nSummary: {g.description}\n\n")
        files[f"content/guides/{g.slug}.md"] = meta + body_markdown(g, corpus, link)
    return files


def pelican(root: Path, corpus: list[Guide]) -> Tool:
    project = root / "pelican"
    write_files(pelican_files(corpus), project)
    out = project / "output"
    return Tool("Pelican", project,
                [str(VENV_BIN / "pelican"), "content", "-s", "pelicanconf.py", "-o", str(out), "-q"],
                cold_paths=[out, project / "cache", project / "__pycache__"])


# --- MkDocs --------------------------------------------------------------------------------

MKDOCS_YML = """\
site_name: Bench
docs_dir: docs
use_directory_urls: true
# No nav key: MkDocs builds the navigation from the files, as a new site would.
# The search plugin is switched off: this project builds no search index.
plugins: []
markdown_extensions:
  - toc
  - tables
"""


def mkdocs_files(corpus: list[Guide]) -> dict[str, str]:
    files = {"mkdocs.yml": MKDOCS_YML,
             "docs/index.md": "# Bench\n\nCareer guides.\n"}
    for g in corpus:
        front = yaml_frontmatter({"title": g.title, "description": g.description, "tags": g.tags})
        files[f"docs/guides/{g.slug}.md"] = front + body_markdown(g, corpus, relative_link)
    return files


def mkdocs(root: Path, corpus: list[Guide]) -> Tool:
    project = root / "mkdocs"
    write_files(mkdocs_files(corpus), project)
    out = project / "site"
    return Tool("MkDocs", project,
                [str(VENV_BIN / "mkdocs"), "build", "-q", "-f", "mkdocs.yml", "-d", str(out)],
                cold_paths=[out])


# --- Hugo ----------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "http://127.0.0.1/"
languageCode = "en"
title = "Bench"
disableKinds = []
enableRobotsTXT = true
[taxonomies]
  tag = "tags"
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML"]
  taxonomy = ["HTML"]
  term = ["HTML"]
"""

HUGO_LAYOUTS = {
    "layouts/_default/baseof.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} | {{ site.Title }}</title>
<meta name="description" content="{{ .Description }}">
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a> <a href="{{ "guides/" | relURL }}">Guides</a></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ now.Year }}</footer>
</body>
</html>
""",
    "layouts/_default/single.html": """\
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>
{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>{{ end }}
""",
    "layouts/_default/list.html": """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>
{{ end }}
""",
    "layouts/index.html": """\
{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul>{{ range site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>
{{ end }}
""",
    "static/style.css": "body{font-family:system-ui,sans-serif;max-width:42rem;margin:auto}\n",
}


def hugo_files(corpus: list[Guide]) -> dict[str, str]:
    def link(target: Guide, anchor: str | None) -> str:
        ref = f"guides/{target.slug}.md" + (f"#{anchor}" if anchor else "")
        return f'{{{{< relref "{ref}" >}}}}'

    files = {"hugo.toml": HUGO_CONFIG, **HUGO_LAYOUTS,
             "content/guides/_index.md": '---\ntitle: "Guides"\n---\n'}
    for g in corpus:
        front = yaml_frontmatter({"title": g.title, "description": g.description,
                                  "date": g.date, "tags": g.tags})
        files[f"content/guides/{g.slug}.md"] = front + body_markdown(g, corpus, link)
    return files


def ensure_hugo() -> str:
    """Hugo from Debian's hugo package; installs it when missing (root) or says how."""
    found = shutil.which("hugo")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("hugo is not installed: run `sudo apt-get install -y hugo`")
    print("hugo not found: installing Debian's hugo package (apt-get install -y hugo)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=True, env=env)
    found = shutil.which("hugo")
    if not found:
        raise RuntimeError("apt-get install hugo finished but no hugo on PATH")
    return found


def hugo_version(binary: str) -> str:
    out = subprocess.run([binary, "version"], capture_output=True, text=True).stdout
    return out.split()[1] if out else "unknown"


def hugo(root: Path, corpus: list[Guide]) -> Tool:
    binary = ensure_hugo()
    project = root / "hugo"
    write_files(hugo_files(corpus), project)
    out, cache = project / "public", project / ".hugo-cache"
    return Tool("Hugo", project,
                [binary, "--quiet", "--source", str(project), "--destination", str(out),
                 "--cacheDir", str(cache)],
                cold_paths=[out, cache, project / "resources"])


# The minimal Hugo site: the same content with one single and one list layout (the list one
# also draws the home page), no taxonomies, no feed, no sitemap: what Hugo costs at its least.
HUGO_MINIMAL_CONFIG = """\
baseURL = "http://127.0.0.1/"
languageCode = "en"
title = "Bench"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]
[taxonomies]
"""

HUGO_MINIMAL_LAYOUTS = {
    "layouts/_default/single.html": """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1>
{{ .Content }}
</main></body></html>
""",
    "layouts/_default/list.html": """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
</main></body></html>
""",
}


def hugo_minimal_files(corpus: list[Guide]) -> dict[str, str]:
    files = {path: text for path, text in hugo_files(corpus).items()
             if path.startswith("content/") or path.startswith("static/")}
    return {"hugo.toml": HUGO_MINIMAL_CONFIG, **HUGO_MINIMAL_LAYOUTS, **files}


def hugo_minimal(root: Path, corpus: list[Guide]) -> Tool:
    binary = ensure_hugo()
    project = root / "hugo-minimal"
    write_files(hugo_minimal_files(corpus), project)
    out, cache = project / "public", project / ".hugo-cache"
    return Tool(HUGO_MINIMAL, project,
                [binary, "--quiet", "--source", str(project), "--destination", str(out),
                 "--cacheDir", str(cache)],
                cold_paths=[out, cache, project / "resources"])


HUGO_MINIMAL = "Hugo (minimal)"

PEERS: dict[str, Callable[[Path, list[Guide]], Tool]] = {
    "pelican": pelican, "mkdocs": mkdocs, "hugo": hugo, "hugo-minimal": hugo_minimal,
}
