"""`build.py new "Title"`: a new guide with valid frontmatter, ready to write in."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import yaml

from .content import DESCRIPTION_MAX, SLUG, SLUG_HINT, tag_slug
from .problems import display_path

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def slug_for(title: str) -> str:
    return tag_slug(title)


def guide_text(title: str, role: str | None, kind: str | None, today: dt.date) -> str:
    description = f"{title}: what it pays, what it takes and where to start."
    if len(description) > DESCRIPTION_MAX:
        description = title[: DESCRIPTION_MAX - 1].rstrip() + "."
    meta = {"title": title, "description": description, "date": today}
    if role:
        meta["role"] = role
    if kind:
        meta["kind"] = kind
    meta["tags"] = []
    meta["draft"] = True
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()
    quiz = f"/quiz/#role={role}" if role else "/quiz/"
    return (
        f"---\n{front}\n---\n\n"
        "Write the opening here: who this guide is for and what they will get from it.\n\n"
        "## First section\n\n"
        "Link to another guide by its file name, like other-guide.md, and to the quiz with "
        f"[the 30-second quiz]({quiz}).\n"
    )


def new_guide(content_dir: Path, title: str, role: str | None, kind: str | None) -> int:
    title = " ".join(title.split())
    slug = slug_for(title)
    if not slug:
        print(f"build.py new: error: title {title!r} has no letters or digits to make a file name from", file=sys.stderr)
        return EXIT_USAGE
    if kind is not None and not SLUG.fullmatch(kind):
        print(f"build.py new: error: --kind {kind!r} is not valid; use {SLUG_HINT}", file=sys.stderr)
        return EXIT_USAGE
    if role is not None:
        from engine import catalog

        roles = [r["slug"] for r in catalog.roles()]
        if role not in roles:
            print(f"build.py new: error: --role {role!r} is not a known role; known roles: {', '.join(roles)}", file=sys.stderr)
            return EXIT_USAGE
    path = content_dir / "guides" / f"{slug}.md"
    if path.exists():
        print(f"{display_path(path)}:1: a guide with this file name already exists; choose another title or edit it", file=sys.stderr)
        return EXIT_CONTENT
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(guide_text(title, role, kind, dt.date.today()))
    print(display_path(path))
    print("It starts as a draft: `serve` shows it, `build` leaves it out until you delete the line 'draft: true'.", file=sys.stderr)
    return EXIT_OK
