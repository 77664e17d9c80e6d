"""Data directives: figures from the engine's catalog written into guides at build time.

A guide says `{{< salary-bands role="backend-developer" market="us" >}}` and the build puts the
engine's own figures there, so a guide and the quiz can never disagree. Tables are emitted as
markdown, so they render (and are styled) like any table a writer types.
"""

from __future__ import annotations

import math
import re
from typing import Callable

from engine.money import SYMBOLS, full_money as money

from .problems import Problem

DIRECTIVE = re.compile(r"\{\{<\s*(?P<name>[\w-]*)(?P<args>[^>]*?)\s*>\}\}")
ARGUMENT = re.compile(r'\s*(?P<key>[a-z_]+)="(?P<value>[^"]*)"')
FENCE = re.compile(r"^\s*(```|~~~)")
SPARE_HOURS_PER_WEEK = 5
WEEKS_PER_MONTH = 52 / 12


class DirectiveError(Exception):
    """A directive that cannot be expanded; the message names what is allowed."""


def expand_directives(body: str, catalog, display: str, first_line: int) -> tuple[str, list[Problem]]:
    """Replace every directive outside fenced code; report each bad one with its file line."""
    if "{{<" not in body:
        return body, []
    lines, problems, in_fence = body.split("\n"), [], None
    for index, line in enumerate(lines):
        fence = FENCE.match(line)
        if fence:
            in_fence = None if in_fence == fence.group(1) else (in_fence or fence.group(1))
            continue
        if in_fence or "{{<" not in line:
            continue

        def replace(match: re.Match) -> str:
            try:
                return expand_one(match, line, catalog)
            except DirectiveError as err:
                problems.append(Problem(display, first_line + index, str(err)))
                return ""

        lines[index] = DIRECTIVE.sub(replace, line)
        if "{{<" in lines[index]:
            problems.append(Problem(display, first_line + index, "malformed directive: write it as {{< name key=\"value\" >}}"))
    return "\n".join(lines), problems


def expand_one(match: re.Match, line: str, catalog) -> str:
    name, raw_args = match.group("name"), match.group("args")
    if name not in DIRECTIVES:
        raise DirectiveError(f"unknown directive '{name}'; known directives: {', '.join(sorted(DIRECTIVES))}")
    args = parse_arguments(name, raw_args)
    handler, keys, is_table = DIRECTIVES[name]
    if set(args) != set(keys):
        wanted = " ".join(f'{k}="..."' for k in keys) or "no arguments"
        raise DirectiveError(f"{{{{< {name} >}}}} takes {wanted}; got {', '.join(sorted(args)) or 'none'}")
    if is_table and line.strip() != match.group(0):
        raise DirectiveError(f"{{{{< {name} >}}}} makes a table: put it on a line of its own")
    try:
        return handler(catalog, **args)
    except DirectiveError:
        raise
    except Exception as err:  # the catalog's InputError names the field and what is allowed
        message = getattr(err, "message", None) or str(err)
        field = getattr(err, "field", None)
        text = message if not field or field in message else f"{field}: {message}"
        raise DirectiveError(f"{{{{< {name} >}}}}: {text}") from None


def parse_arguments(name: str, raw: str) -> dict[str, str]:
    args, position = {}, 0
    for match in ARGUMENT.finditer(raw):
        if raw[position : match.start()].strip():
            break
        args[match.group("key")] = match.group("value")
        position = match.end()
    if raw[position:].strip():
        raise DirectiveError(f"{{{{< {name} >}}}}: cannot read arguments {raw.strip()!r}; write them as key=\"value\"")
    return args


def cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def source_line(rows: list[dict]) -> str:
    """One line naming every distinct source behind a table, its latest date, and estimates."""
    sources = list(dict.fromkeys(part.strip() for row in rows for part in str(row.get("source", "")).split("; ") if part.strip()))
    latest = max((str(row.get("date")) for row in rows if row.get("date")), default="")
    estimate = any(row.get("estimate") for row in rows)
    text = f"Sources: {'; '.join(cell(s) for s in sources)}" + (f" (as of {latest})" if latest else "")
    if estimate:
        text += ". Some figures are estimates"
    return f"\n*{text}.*\n"


def table(header: list[str], rows: list[list[str]], align: list[str]) -> str:
    marks = {"l": "---", "r": "---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n" + "\n".join(lines) + "\n"


def salary_bands(catalog, role: str, market: str) -> str:
    bands = [(level, catalog.salary_band(role, level["slug"], market)) for level in catalog.levels()]
    rows = [[level["name"], money(b["low"], b["currency"]), money(b["high"], b["currency"]), money(b["mid"], b["currency"])] for level, b in bands]
    return table(["Level", "Low", "High", "Midpoint"], rows, ["l", "r", "r", "r"]) + source_line([b for _, b in bands])


def market_bands(catalog, role: str, level: str) -> str:
    bands = [(market, catalog.salary_band(role, level, market["slug"])) for market in catalog.markets()]
    rows = [[market["name"], b["currency"], money(b["low"], b["currency"]), money(b["high"], b["currency"])] for market, b in bands]
    return table(["Market", "Currency", "Low", "High"], rows, ["l", "l", "r", "r"]) + source_line([b for _, b in bands])


def skill_uplifts(catalog, role: str, market: str) -> str:
    uplifts = [(skill, catalog.skill_uplift(role, skill["slug"], market)) for skill in catalog.skills()]
    uplifts.sort(key=lambda pair: (-pair[1]["high"], pair[0]["slug"]))
    rows = [
        [skill["name"], f"{money(u['low'], u['currency'])} to {money(u['high'], u['currency'])} a year",
         f"{u['hours_to_marketable']:,}", str(months_of_spare_time(u["hours_to_marketable"]))]
        for skill, u in uplifts
    ]
    header = ["Skill", "Uplift range", "Hours to marketable", f"Months at {SPARE_HOURS_PER_WEEK} spare hours a week"]
    return table(header, rows, ["l", "r", "r", "r"]) + source_line([u for _, u in uplifts])


def months_of_spare_time(hours: int) -> int:
    return math.ceil(hours / (SPARE_HOURS_PER_WEEK * WEEKS_PER_MONTH))


def parameters(catalog) -> str:
    groups: dict[str, list[dict]] = {}
    for parameter in catalog.parameters():
        groups.setdefault(parameter["group"], []).append(parameter)
    parts = []
    for group, items in groups.items():
        rows = []
        for p in items:
            source = f"[{cell(p['source'])}]({p['url']})" if p.get("url") else cell(p["source"])
            rows.append([f"{p['label']} (`{p['key']}`)", format_value(p), value_range(p),
                         source + (" (estimate)" if p.get("estimate") else ""), str(p["date"])])
        parts.append(f"\n### {cell(group)}\n" + table(["Figure", "Value", "Low to high", "Source", "Date"], rows,
                                                        ["l", "r", "r", "l", "l"]))
    return "\n".join(parts)


def value_range(parameter: dict) -> str:
    """The low and high values of an uncertain figure, in its unit; a dash for a fixed one."""
    if parameter.get("low") is None:
        return "–"
    low, high = (format_value({**parameter, "value": parameter[end]}) for end in ("low", "high"))
    return f"{low} to {high}"


def value(catalog, key: str) -> str:
    for parameter in catalog.parameters():
        if parameter["key"] == key:
            return format_value(parameter)
    known = sorted(p["key"] for p in catalog.parameters())
    raise DirectiveError(f"{{{{< value >}}}}: unknown key {key!r}; known keys include {', '.join(known[:8])}{' ...' if len(known) > 8 else ''}")


def format_value(parameter: dict) -> str:
    """A figure with its unit as a reader says it: 7.5%, 3.2% a year, $44 an hour, 1.35x, 12 months."""
    number, unit = parameter["value"], str(parameter.get("unit") or "").strip()
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return f"{number} {unit}".strip()
    head, _, per = unit.partition("/")
    per_text = f" {'an' if per[:1] in 'aeiouh' and per == 'hour' else 'a'} {per}" if per else ""
    if head in ("share", "percent", "%"):
        scaled = number * 100 if head == "share" else number
        return f"{scaled:,.4g}%{per_text}"
    if head == "currency" or head.upper() in SYMBOLS:
        currency = parameter.get("currency") or (head.upper() if head != "currency" else "")
        if float(number).is_integer():
            text = money(number, currency) if currency else f"{number:,.0f}"
        else:
            text = f"{SYMBOLS.get(currency, currency + ' ')}{number:,.2f}"
        return text + per_text
    if head == "ratio":
        return f"{number:g}\u00d7"
    if head == "count" or not head:
        return f"{number:,}" if isinstance(number, int) else f"{number:,.4g}"
    shown = f"{number:,}" if isinstance(number, int) else f"{number:,.4g}"
    label = head[:-1] if number == 1 and head.endswith("s") else head
    return f"{shown} {label}{per_text}"


DIRECTIVES: dict[str, tuple[Callable[..., str], tuple[str, ...], bool]] = {
    "salary-bands": (salary_bands, ("role", "market"), True),
    "market-bands": (market_bands, ("role", "level"), True),
    "skill-uplifts": (skill_uplifts, ("role", "market"), True),
    "parameters": (parameters, (), True),
    "value": (value, ("key",), False),
}
