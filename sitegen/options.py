"""What a build is asked to do: folders, the public base URL, drafts, and where caches live."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT = ROOT / "content"
DEFAULT_OUT = ROOT / "site"
TEMPLATES = ROOT / "templates"
# The production address; override per deploy with --base-url (e.g. a GitHub Pages project site).
DEFAULT_BASE_URL = "https://earnverdict.com/"
SITE_TITLE = "EarnVerdict"


class UsageError(Exception):
    """A bad command-line value: the CLI prints it as one line and exits 2."""


def parse_base_url(value: str) -> str:
    """An absolute http(s) URL ending in '/', e.g. https://example.org/careers/."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--base-url {value!r}: use an absolute http(s) URL such as https://example.org/careers/")
    if parts.query or parts.fragment:
        raise UsageError(f"--base-url {value!r}: a base URL cannot carry a query or fragment")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


# Files that mark a folder as a site this generator wrote (safe to replace on the next build).
SITE_MARKERS = ("index.html", "sitemap.xml", "_headers")


def check_output_folder(out_dir: Path, content_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy something else: the project,
    the content, or a folder of other files."""
    out, content = out_dir.resolve(), content_dir.resolve()
    for name, protected in (("the content folder", content), ("the project", ROOT), ("the templates", TEMPLATES)):
        if out == protected or protected.is_relative_to(out):
            raise UsageError(f"--out {out_dir}: the output folder would replace {name}; choose a folder of its own such as site/")
    if out.is_relative_to(content):
        raise UsageError(f"--out {out_dir}: the output folder cannot be inside the content folder")
    if out.is_dir() and any(out.iterdir()) and not all((out / marker).is_file() for marker in SITE_MARKERS):
        raise UsageError(f"--out {out_dir}: the folder holds other files and a build replaces it whole; choose an empty or new folder")


def cache_root() -> Path:
    """The shared cache folder (also holding the Pyodide download); never inside site/."""
    return Path(os.environ.get("EARNVERDICT_CACHE") or Path.home() / ".cache" / "earnverdict")


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path = DEFAULT_CONTENT
    out_dir: Path = DEFAULT_OUT
    base_url: str = DEFAULT_BASE_URL
    drafts: bool = False
    live_reload: bool = False
    templates_dir: Path = TEMPLATES
    cache_dir: Path = field(default_factory=cache_root)

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path

    @property
    def state_dir(self) -> Path:
        """This output folder's build state and render cache (one folder per output folder)."""
        key = hashlib.sha256(str(self.out_dir.resolve()).encode()).hexdigest()[:16]
        return self.cache_dir / "sitegen" / key
