"""Data directives: figures from the engine's catalog written into guides at build time.

A guide says `{{< salary-bands role="backend-developer" market="us" >}}` and the build puts the
engine's own figures there, so a guide and the quiz can never disagree. Tables are emitted as
markdown, so they render (and are styled) like any table a writer types.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable
from urllib.parse import quote

from engine.money import SYMBOLS, full_money as money, money_range, one_decimal, signed_money

from .problems import Problem, quoted

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
    spec = DIRECTIVES[name]
    unknown = [key for key in args if key not in spec.required + spec.optional]
    missing = [key for key in spec.required if key not in args]
    if unknown or missing:
        wanted = " ".join(f'{k}="..."' for k in spec.required) or "no arguments"
        if spec.optional:
            wanted += " and optionally " + " ".join(f'{k}="..."' for k in spec.optional)
        what = f"unknown argument '{unknown[0]}'" if unknown else f"missing argument '{missing[0]}'"
        raise DirectiveError(f"{{{{< {name} >}}}}: {what}; it takes {wanted}")
    if spec.block and line.strip() != match.group(0):
        raise DirectiveError(f"{{{{< {name} >}}}} makes {spec.block}: put it on a line of its own")
    try:
        return spec.handler(catalog, **args)
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
        raise DirectiveError(f"{{{{< {name} >}}}}: cannot read arguments {quoted(raw.strip())}; write them as key=\"value\"")
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


def salary_bands(catalog, role: str, market: str | None = None) -> str:
    return per_market(catalog, market, lambda slug: salary_band_table(catalog, role, slug))


def salary_band_table(catalog, role: str, market: str) -> str:
    bands = [(level, catalog.salary_band(role, level["slug"], market)) for level in catalog.levels()]
    rows = [[level["name"], money(b["low"], b["currency"]), money(b["high"], b["currency"]), money(b["mid"], b["currency"])] for level, b in bands]
    return table(["Level", "Low", "High", "Midpoint"], rows, ["l", "r", "r", "r"]) + source_line([b for _, b in bands])


def market_bands(catalog, role: str, level: str) -> str:
    bands = [(market, catalog.salary_band(role, level, market["slug"])) for market in catalog.markets()]
    rows = [[market["name"], b["currency"], money(b["low"], b["currency"]), money(b["high"], b["currency"])] for market, b in bands]
    return table(["Market", "Currency", "Low", "High"], rows, ["l", "l", "r", "r"]) + source_line([b for _, b in bands])


def skill_uplifts(catalog, role: str, market: str | None = None) -> str:
    return per_market(catalog, market, lambda slug: skill_uplift_table(catalog, role, slug))


def skill_uplift_table(catalog, role: str, market: str) -> str:
    uplifts = [(skill, catalog.skill_uplift(role, skill["slug"], market)) for skill in catalog.skills()]
    uplifts.sort(key=lambda pair: (-pair[1]["high"], pair[0]["slug"]))
    rows = [
        [skill["name"], f"{money(u['low'], u['currency'])} to {money(u['high'], u['currency'])} a year",
         f"{u['hours_to_marketable']:,}", str(months_of_spare_time(u["hours_to_marketable"]))]
        for skill, u in uplifts
    ]
    header = ["Skill", "Uplift range", "Hours to marketable", f"Months at {SPARE_HOURS_PER_WEEK} spare hours a week"]
    return table(header, rows, ["l", "r", "r", "r"]) + source_line([u for _, u in uplifts])


def market_paths(catalog, role: str, level: str) -> str:
    """Per market: the band at one level, the yearly raise for staying put, what a move adds,
    and the client rate side work starts from, so a guide never shows one market's path figures alone."""
    from engine.figures import side_rate

    rows, records = [], []
    for market in catalog.markets():
        slug, currency = market["slug"], market["currency"]
        band = catalog.salary_band(role, level, slug)
        raise_, premium = catalog.parameter(f"baseline.total_raise.{slug}"), catalog.parameter(f"job_switch.premium.{slug}")
        rate = side_rate(catalog.plain_value, band["mid"], band["high"])
        rows.append([market["name"], f"{money(band['low'], currency)} to {money(band['high'], currency)}", format_value(raise_),
                     f"{format_value(premium)} ({value_range(premium)})", f"{money(rate, currency)} an hour"])
        records += [band, raise_, premium]
    records += [catalog.parameter(key) for key in ("side_hustle.rate_to_salary_hourly", "side_hustle.paid_hours_per_year")]
    header = ["Market", "Band", "Yearly raise for staying put", "Extra pay from a move (low to high)", "Client rate at the midpoint, with cloud and API design"]
    return table(header, rows, ["l", "r", "r", "r", "r"]) + source_line(records)


def per_market(catalog, market: str | None, render: Callable[[str], str]) -> str:
    """One market's table, or without a market every market's in a <details> of its own (the
    first open), so a reader anywhere finds their figures in their currency without a script."""
    if market is not None:
        return render(market)
    parts = ['\n<div class="market-figures" markdown="1">']
    for index, entry in enumerate(catalog.markets()):
        opened = " open" if index == 0 else ""
        parts.append(f'<details class="market" data-market="{html.escape(entry["slug"])}" markdown="1"{opened}>\n'
                     f'<summary>{html.escape(entry["name"])} ({html.escape(entry["currency"])})</summary>\n'
                     f"{render(entry['slug'])}\n</details>")
    parts.append("</div>\n")
    return "\n".join(parts)


QUIZ_FIELDS = ("role", "level", "market", "salary", "hours_per_week", "urgency", "skills", "promotion_track")
WHOLE_NUMBER = re.compile(r"\d{1,12}")
URGENCY_WORDS = {"now": "within a few months", "soon": "within a year", "flexible": "within three years"}


def plan_example(catalog, role: str, level: str, market: str, hours_per_week: str, urgency: str,
                 salary: str | None = None, skills: str | None = None, promotion_track: str | None = None) -> str:
    """The engine's plan for one set of answers, as the quiz would show it, with a link that
    opens the quiz on exactly those answers."""
    answers = example_answers(role, level, market, hours_per_week, urgency, salary, skills, promotion_track)
    result = json.loads(engine_verdict(json.dumps(answers)))
    currency = result["currency"]
    names = {path["path"]: path["name"] for path in result["paths"]}
    answers_attr = html.escape(json.dumps(answers, separators=(",", ":")), quote=True)
    # A div, not a section: the example has no heading of its own, and a section without one is
    # what the Nu HTML Checker warns about.
    lines = [f'<div class="plan-example" data-plan-example data-answers="{answers_attr}">',
             f'<p class="plan-example-situation">{html.escape(situation_line(catalog, result))}</p>']
    if result["plan"]:
        lines.append('<ol class="plan-example-steps">')
        for step in result["plan"]:
            shape = {key: step[key] for key in ("path", "start_month", "end_month", "hours_per_week")}
            months = (f"months {step['start_month']} to {step['end_month']}" if step["end_month"] is not None
                      else f"from month {step['start_month']} on")
            hours = (f"{one_decimal(step['hours_per_week'])} spare hours a week" if step["hours_per_week"]
                     else "in working time")
            lines.append(f'<li data-plan-step="{html.escape(json.dumps(shape, separators=(",", ":")), quote=True)}">'
                         f"{html.escape(names[step['path']])} ({months}, {hours}): {html.escape(step['summary'])}</li>")
        lines.append("</ol>")
    else:
        lines.append(f'<p class="plan-example-stay">No plan beats staying put by month {result["ranking_month"]}: '
                     "the quiz suggests no step.</p>")
    outcome = result["plan_result"]
    ranges = [f"by month {month}: {money_range(outcome[key]['p10'], outcome[key]['p90'], currency)} "
              f"(middle {signed_money(outcome[key]['p50'], currency)})" for month, key in ((12, "range_12m"), (36, "range_36m"))]
    lines.append(f'<p class="plan-example-range">Likely extra income before tax, in 8 of 10 simulated futures, '
                 f"{html.escape('; '.join(ranges))}. Plans are compared at month {result['ranking_month']}.</p>")
    if result["tipping_points"]:
        lines.append(f'<p class="plan-example-tipping">What would change it: {html.escape(result["tipping_points"][0]["sentence"])}</p>')
    else:
        lines.append('<p class="plan-example-tipping">No change to one answer within reach changes the first step.</p>')
    lines.append(f'<p class="plan-example-link"><a href="/quiz/#{html.escape(quiz_fragment(answers), quote=True)}">'
                 "Open the quiz with these answers</a></p>")
    lines.append("</div>")
    return "\n" + "\n".join(lines) + "\n"


def example_answers(role, level, market, hours_per_week, urgency, salary, skills, promotion_track) -> dict:
    """The directive's arguments as the answers the quiz's form produces; the quiz only takes
    whole hours and whole salaries, so the link must too."""
    answers: dict = {"role": role, "level": level, "market": market}
    if salary is not None:
        if not WHOLE_NUMBER.fullmatch(salary):
            raise DirectiveError(f"{{{{< plan-example >}}}}: salary: {salary!r} is not allowed; write a whole yearly amount in the market's currency, e.g. salary=\"95000\"")
        answers["salary"] = int(salary)
    if not WHOLE_NUMBER.fullmatch(hours_per_week):
        raise DirectiveError(f"{{{{< plan-example >}}}}: hours_per_week: {hours_per_week!r} is not allowed; write whole hours a week, e.g. hours_per_week=\"5\"")
    answers["hours_per_week"] = int(hours_per_week)
    answers["urgency"] = urgency
    if skills is not None:
        slugs = skills.split(",")
        if not all(slugs):
            raise DirectiveError(f"{{{{< plan-example >}}}}: skills: {skills!r} is not allowed; write skill slugs separated by commas, e.g. skills=\"cloud,sql\"")
        answers["skills"] = slugs
    if promotion_track is not None:
        if promotion_track not in ("true", "false"):
            raise DirectiveError(f"{{{{< plan-example >}}}}: promotion_track: {promotion_track!r} is not allowed; write \"true\" or \"false\"")
        answers["promotion_track"] = promotion_track == "true"
    return answers


@lru_cache(maxsize=None)
def engine_verdict(answers_json: str) -> str:
    """The verdict as JSON text, once per set of answers in a process (serve rebuilds reuse it)."""
    from engine import to_json, verdict

    return to_json(verdict(json.loads(answers_json)))


def quiz_fragment(answers: dict) -> str:
    """The quiz's own fragment for these answers (toFragment in quiz.js): its field order,
    encodeURIComponent on each value, skills joined by commas, and promotion_track only when true."""
    parts = []
    for key in QUIZ_FIELDS:
        if key not in answers:
            continue
        value = answers[key]
        if key == "skills":
            if value:
                parts.append("skills=" + ",".join(encode_component(v) for v in value))
        elif key == "promotion_track":
            if value:
                parts.append("promotion_track=true")
        else:
            parts.append(f"{key}={encode_component(str(value))}")
    return "&".join(parts)


def encode_component(text: str) -> str:
    """JavaScript's encodeURIComponent."""
    return quote(text, safe="-_.!~*'()")


def situation_line(catalog, result: dict) -> str:
    s, band = result["situation"], result["market_band"]
    role = next(r["plural"] for r in catalog.roles() if r["slug"] == s["role"]).removesuffix("s")
    level = next(entry["name"] for entry in catalog.levels() if entry["slug"] == s["level"]).lower()
    market = next(m["name"] for m in catalog.markets() if m["slug"] == s["market"])
    article = "An" if level[0] in "aeiou" else "A"
    place = f"the {market}" if market.startswith("United") else market
    pay = (f"paid {money(band['salary'], band['currency'])}" if band["salary_given"]
           else f"paid the band's midpoint, {money(band['mid'], band['currency'])}")
    skill_names = {k["slug"]: k["name"] for k in catalog.skills()}
    held = f", who already has {' and '.join(skill_names[k] for k in s['skills'])}" if s["skills"] else ""
    track = ", on a promotion track" if s["promotion_track"] else ""
    hours = one_decimal(s["hours_per_week"])
    spare = "no spare hours" if s["hours_per_week"] == 0 else f"{hours} spare hour{'' if hours == '1' else 's'} a week"
    return (f"{article} {level}-level {role} in {place}, {pay}{held}{track}, with {spare}, "
            f"who needs more income {URGENCY_WORDS[s['urgency']]}.")


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
            rows.append([f"{p['label']} (`{p['key']}`)", format_value(p), value_range(p), unit_name(p),
                         "yes" if p.get("estimate") else "no", source, str(p["date"])])
        parts.append(f"\n### {cell(group)}\n" + table(["Figure", "Central value", "Low to high", "Unit", "Estimate", "Source", "Date"],
                                                        rows, ["l", "r", "r", "l", "l", "l", "l"]))
    return "\n".join(parts)


def unit_name(parameter: dict) -> str:
    """The unit as the data file names it, with the currency in place of the word."""
    unit = str(parameter.get("unit") or "")
    return unit.replace("currency", parameter["currency"]) if parameter.get("currency") else unit


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
    raise DirectiveError(f"{{{{< value >}}}}: unknown key {quoted(key)}; known keys include {', '.join(known[:8])}{' ...' if len(known) > 8 else ''}")


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


@dataclass(frozen=True)
class Directive:
    handler: Callable[..., str]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    block: str = ""  # what it makes when it must stand on a line of its own: "a table", "a block"


DIRECTIVES: dict[str, Directive] = {
    "salary-bands": Directive(salary_bands, ("role",), ("market",), "a table"),
    "market-bands": Directive(market_bands, ("role", "level"), (), "a table"),
    "skill-uplifts": Directive(skill_uplifts, ("role",), ("market",), "a table"),
    "market-paths": Directive(market_paths, ("role", "level"), (), "a table"),
    "plan-example": Directive(plan_example, ("role", "level", "market", "hours_per_week", "urgency"),
                              ("salary", "skills", "promotion_track"), "a block"),
    "parameters": Directive(parameters, (), (), "a table"),
    "value": Directive(value, ("key",)),
}
