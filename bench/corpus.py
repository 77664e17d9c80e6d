"""A synthetic corpus of career guides, generated once as data and emitted per tool.

Every tool builds the same words, headings, lists, table and links; only the link syntax and the
frontmatter dialect differ, so build times compare like with like.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("backend-developer", "software-engineer", "data-analyst", "data-scientist",
         "devops-engineer", "ml-engineer")
TAGS = ("salary", "skills", "job-switch", "side-hustle", "cloud", "interviews", "negotiation", "career")
SECTION_HEADINGS = ("Overview", "Where the money is", "What to learn first", "How long it takes",
                    "Switching jobs", "Side income", "Negotiating the offer", "Next steps")
VOCABULARY = (
    "salary raise offer market skill cloud kubernetes design system interview recruiter manager "
    "promotion budget equity bonus contract freelance client rate hour week month year project "
    "portfolio certificate course practice mentor team company startup enterprise remote office "
    "backend data pipeline model deploy service api security database query latency scale "
    "review feedback level senior lead architect growth income savings plan goal risk runway "
    "learn build ship measure compare negotiate switch stay apply accept decline weigh choose"
).split()
# The anchor every guide carries and every third link targets; a single lowercase word slugs the
# same way in Python-Markdown, Goldmark and MkDocs.
ANCHOR = "overview"
WORDS_TARGET = 600


@dataclass(frozen=True)
class Link:
    target: int          # index of the linked guide
    anchor: str | None   # heading anchor in the target, or None
    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[tuple[str | Link, ...], ...]   # each paragraph: text runs and links
    bullets: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()          # first row is the header


@dataclass(frozen=True)
class Guide:
    index: int
    slug: str
    title: str
    description: str
    date: str
    role: str
    tags: tuple[str, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def links(self) -> list[Link]:
        return [part for s in self.sections for p in s.paragraphs for part in p if isinstance(part, Link)]


def guide_slug(index: int) -> str:
    return f"guide-{index:05d}"


def link_targets(index: int, n: int) -> list[int]:
    """Three distinct other guides: a neighbour, a near one and a far one (wrapping around)."""
    targets: list[int] = []
    for step in (1, 7, 31, 2, 3, 5):
        t = (index + step) % n
        if t != index and t not in targets:
            targets.append(t)
        if len(targets) == 3:
            return targets
    raise ValueError(f"a corpus needs at least 4 guides to link three others, got n={n}")


def _sentence(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(VOCABULARY) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def _paragraph(rng: random.Random, words: int) -> str:
    out, left = [], words
    while left > 0:
        k = min(left, rng.randint(8, 16))
        out.append(_sentence(rng, k))
        left -= k
    return " ".join(out)


def make_guide(index: int, n: int, seed: int = 6) -> Guide:
    rng = random.Random(seed * 1_000_003 + index)
    role = ROLES[index % len(ROLES)]
    topic = " ".join(rng.choice(VOCABULARY) for _ in range(3))
    title = f"Guide {index}: {topic} for {role.replace('-', ' ')}s"
    description = _sentence(rng, 14)[:150]
    targets = link_targets(index, n)
    headings = (ANCHOR.capitalize(),) + tuple(rng.sample(SECTION_HEADINGS[1:], 3))
    # About 600 words: four sections of ~110 words of prose plus lists and a table.
    sections = []
    for k, heading in enumerate(headings):
        paragraphs: list[tuple[str | Link, ...]] = [(_paragraph(rng, 72),)]
        if k < 3:
            t = targets[k]
            link = Link(t, ANCHOR if k == 2 else None, f"guide {t}")
            paragraphs.append((_paragraph(rng, 30) + " See ", link, " for more. " + _paragraph(rng, 24)))
        else:
            paragraphs.append((_paragraph(rng, 60),))
        bullets = tuple(_sentence(rng, 7) for _ in range(4)) if k == 1 else ()
        steps = tuple(_sentence(rng, 7) for _ in range(3)) if k == 2 else ()
        table = ()
        if k == 3:
            table = (("Level", "Low", "High", "Months"),) + tuple(
                (lvl, f"${rng.randint(40, 90)},000", f"${rng.randint(91, 200)},000", str(rng.randint(2, 24)))
                for lvl in ("Entry", "Mid", "Senior", "Lead"))
        sections.append(Section(heading, tuple(paragraphs), bullets, steps, table))
    day = 1 + index % 28
    month = 1 + (index // 28) % 12
    return Guide(index=index, slug=guide_slug(index), title=title, description=description,
                 date=f"2025-{month:02d}-{day:02d}", role=role,
                 tags=tuple(sorted({TAGS[index % len(TAGS)], TAGS[(index * 3 + 1) % len(TAGS)]})),
                 sections=tuple(sections))


def make_corpus(n: int, seed: int = 6) -> list[Guide]:
    return [make_guide(i, n, seed) for i in range(n)]


def relative_link(target: Guide, anchor: str | None) -> str:
    """A link to another guide's markdown file beside it, as this project and MkDocs write it."""
    return f"{target.slug}.md" + (f"#{anchor}" if anchor else "")


def body_markdown(guide: Guide, corpus: list[Guide], link_url) -> str:
    """The guide's markdown body; link_url(target_guide, anchor) gives each tool's link syntax."""
    out: list[str] = []
    for section in guide.sections:
        out.append(f"## {section.heading}\n")
        for paragraph in section.paragraphs:
            runs = [part if isinstance(part, str)
                    else f"[{part.text}]({link_url(corpus[part.target], part.anchor)})"
                    for part in paragraph]
            out.append("".join(runs) + "\n")
        if section.bullets:
            out.append("".join(f"- {b}\n" for b in section.bullets))
        if section.steps:
            out.append("".join(f"{i}. {s}\n" for i, s in enumerate(section.steps, 1)))
        if section.table:
            header, *rows = section.table
            lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def word_count(markdown_text: str) -> int:
    return len([w for w in markdown_text.split() if any(c.isalnum() for c in w)])


def yaml_frontmatter(fields: dict) -> str:
    """Frontmatter as YAML; values are quoted so titles with colons stay strings."""
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, (list, tuple)):
            lines.append(f"{key}: [{', '.join(value)}]")
        elif key == "date":
            lines.append(f"{key}: {value}")
        else:
            lines.append(f'{key}: "{value}"')
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def write_files(files: dict[str, str], root: Path) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
