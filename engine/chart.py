"""Accessible inline SVG of a verdict: the plan's expected curve in its likely band, and the three paths.

Presentation attributes only (no style attribute, no <style>), because the site's
Content-Security-Policy forbids inline styles. Text, axes and the plan's curve are drawn in
currentColor, so they take the page's text colour and keep its contrast in light and dark mode.
The viewBox lets it scale down to a 360px-wide phone.
"""

from __future__ import annotations

import math

from .errors import InputError
from .money import compact_money

# html.escape's replacements, written here: importing html would have the browser's Python
# compile its entity table from source (about 30 ms) before the first chart.
ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def escape(text: str) -> str:
    for character, entity in ESCAPES:
        text = text.replace(character, entity)
    return text


WIDTH, HEIGHT = 440, 392
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 76, 424, 24, 236
LEGEND_TOP = 296
LEGEND_ROW = 20
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
# Okabe-Ito colour-blind-safe palette, plus a distinct dash pattern per path.
LINE_STYLES = {
    "job_switch": {"colour": "#0072B2", "dash": None},
    "skill_upgrade": {"colour": "#D55E00", "dash": "9 5"},
    "side_hustle": {"colour": "#009E73", "dash": "2 4"},
}
# Half of the text colour: grid lines stay light yet keep 3:1 against the page in either mode.
GRID_OPACITY = "0.5"
BAND_OPACITY = "0.16"
MONTH_TICKS = (0, 6, 12, 18, 24, 30, 36)
TARGET_TICKS = 5


def nice_step(span: float) -> int:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about five ticks."""
    raw = max(span / TARGET_TICKS, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if power * factor >= raw:
            return max(1, round(power * factor))
    return round(power * 10)


def value_ticks(low: int, high: int) -> list[int]:
    step = nice_step(high - low)
    start = math.floor(low / step) * step
    # At least two ticks, so a verdict whose curves are all flat at zero still has a scale.
    stop = max(math.ceil(high / step) * step, start + step)
    return list(range(start, stop + step, step))


def checked_paths(verdict: dict) -> list[dict]:
    paths = verdict.get("paths") if isinstance(verdict, dict) else None
    if not isinstance(paths, list) or not paths:
        raise InputError("verdict", "must be a verdict from engine.verdict() with a 'paths' list")
    for item in paths:
        if (not isinstance(item, dict) or item.get("path") not in LINE_STYLES
                or not isinstance(item.get("monthly"), list) or not item["monthly"]):
            raise InputError("verdict.paths", "each path needs 'path' (a path name) and a 'monthly' list")
    return paths


def checked_plan(verdict: dict, months: int) -> dict:
    plan = verdict.get("plan_result")
    if (not isinstance(plan, dict) or not isinstance(plan.get("monthly"), list) or len(plan["monthly"]) != months
            or not all(isinstance(plan.get(key), dict) for key in ("range_12m", "range_36m"))):
        raise InputError("verdict.plan_result", f"needs a 'monthly' list of {months} months and 'range_12m' and 'range_36m'")
    return plan


def likely_band(plan: dict) -> list[tuple[float, float]]:
    """(P10, P90) for month 0 to the last month, around the plan's expected curve.

    The engine simulates the range at months 12 and 36 only. The band's distance below and
    above the expected curve is drawn straight from nothing at month 0 to its simulated value at
    month 12, then on to month 36, so it passes exactly through both simulated ranges.
    """
    curve = [0] + plan["monthly"]
    known = {0: (0.0, 0.0)}
    for month, key in ((12, "range_12m"), (36, "range_36m")):
        if month < len(curve):
            expected = curve[month]
            known[month] = (expected - plan[key]["p10"], plan[key]["p90"] - expected)
    marks = sorted(known)
    band = []
    for month, expected in enumerate(curve):
        before = max(m for m in marks if m <= month)
        after = min((m for m in marks if m >= month), default=before)
        share = 0 if after == before else (month - before) / (after - before)
        below, above = (known[before][i] + (known[after][i] - known[before][i]) * share for i in (0, 1))
        band.append((expected - below, expected + above))
    return band


def fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def chart_svg(verdict: dict, id_prefix: str = "verdict-chart") -> str:
    """The verdict's monthly cumulative gains as an accessible SVG string."""
    paths = checked_paths(verdict)
    currency = verdict.get("currency", "")
    months = len(paths[0]["monthly"])
    plan = checked_plan(verdict, months)
    band = likely_band(plan)
    ranking = verdict.get("ranking_month")
    values = [0] + [v for item in paths for v in item["monthly"]] + [v for pair in band for v in pair]
    ticks = value_ticks(math.floor(min(values)), math.ceil(max(values)))
    low, high = ticks[0], ticks[-1]

    def x(month: float) -> float:
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * month / months

    def y(value: float) -> float:
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (value - low) / (high - low)

    money = lambda amount: escape(compact_money(amount, currency))  # noqa: E731
    steps = verdict.get("plan") or []
    plan_name = "Your plan" if steps else "Your plan: stay where you are"
    title = (f"Expected extra income over {months} months compared with staying put: your plan with its "
             f"likely range, and each path alone ({currency})")
    summaries = [f"{plan_name}: {compact_money(plan['monthly'][-1], currency)} by month {months}, "
                 f"likely {compact_money(plan['range_12m']['p10'], currency)} to "
                 f"{compact_money(plan['range_12m']['p90'], currency)} by month 12 and "
                 f"{compact_money(plan['range_36m']['p10'], currency)} to "
                 f"{compact_money(plan['range_36m']['p90'], currency)} by month 36 (P10 to P90)."]
    for item in paths:
        payoff = item.get("payoff_month")
        when = f"ahead from month {payoff}" if payoff else "not ahead within the period"
        summaries.append(f"{item.get('name', item['path'])} alone: {compact_money(item['monthly'][-1], currency)} "
                         f"by month {months}, {when}.")
    if isinstance(ranking, int) and 0 < ranking <= months:
        summaries.append(f"The plans are ranked at month {ranking}, marked by a vertical line.")
    summaries.append("The shaded band is simulated at months 12 and 36 only and drawn straight between "
                     "those ranges, from none at month 0.")
    desc = " ".join(summaries)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        f'<g {FONT} font-size="13" fill="currentColor">',
    ]
    for tick in ticks:
        width, opacity = ("1.5", "1") if tick == 0 else ("1", GRID_OPACITY)
        dash = "" if tick == 0 else ' stroke-dasharray="2 3"'
        out.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{fmt(y(tick))}" y2="{fmt(y(tick))}" '
                   f'stroke="currentColor" stroke-opacity="{opacity}" stroke-width="{width}"{dash}/>')
        out.append(f'<text x="{PLOT_LEFT - 6}" y="{fmt(y(tick) + 4)}" text-anchor="end">{money(tick)}</text>')
    for month in MONTH_TICKS:
        if month <= months:
            out.append(f'<line x1="{fmt(x(month))}" x2="{fmt(x(month))}" y1="{PLOT_BOTTOM}" '
                       f'y2="{PLOT_BOTTOM + 5}" stroke="currentColor"/>')
            out.append(f'<text x="{fmt(x(month))}" y="{PLOT_BOTTOM + 18}" text-anchor="middle">{month}</text>')
    out.append(f'<text x="{fmt((PLOT_LEFT + PLOT_RIGHT) / 2)}" y="{PLOT_BOTTOM + 36}" text-anchor="middle">Month</text>')
    out.append(f'<text x="14" y="{fmt((PLOT_TOP + PLOT_BOTTOM) / 2)}" text-anchor="middle" '
               f'transform="rotate(-90 14 {fmt((PLOT_TOP + PLOT_BOTTOM) / 2)})">'
               f'Extra income vs staying put ({escape(currency)})</text>')
    outline = [f"{fmt(x(m))},{fmt(y(hi))}" for m, (_, hi) in enumerate(band)]
    outline += [f"{fmt(x(m))},{fmt(y(lo))}" for m, (lo, _) in reversed(list(enumerate(band)))]
    out.append(f'<polygon class="chart-band" points="{" ".join(outline)}" fill="currentColor" '
               f'fill-opacity="{BAND_OPACITY}" stroke="none"/>')
    if isinstance(ranking, int) and 0 < ranking <= months:
        out.append(f'<line class="chart-ranking" x1="{fmt(x(ranking))}" x2="{fmt(x(ranking))}" y1="{PLOT_TOP}" '
                   f'y2="{PLOT_BOTTOM}" stroke="currentColor" stroke-width="1.5" stroke-dasharray="6 3"/>')
        anchor = "end" if ranking > months / 2 else "start"
        shift = -4 if anchor == "end" else 4
        out.append(f'<text x="{fmt(x(ranking) + shift)}" y="{PLOT_TOP - 8}" text-anchor="{anchor}">'
                   f'Ranked at month {ranking}</text>')
    legend = []
    for item in paths:
        style = LINE_STYLES[item["path"]]
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        points = " ".join(f"{fmt(x(m))},{fmt(y(v))}" for m, v in enumerate([0] + item["monthly"]))
        out.append(f'<polyline class="chart-path" points="{points}" fill="none" stroke="{style["colour"]}" '
                   f'stroke-width="2.5"{dash}/>')
        legend.append((style["colour"], dash, f"{item.get('name', item['path'])} alone: "
                       f"{compact_money(item['monthly'][-1], currency)}"))
    points = " ".join(f"{fmt(x(m))},{fmt(y(v))}" for m, v in enumerate([0] + plan["monthly"]))
    out.append(f'<polyline class="chart-plan" points="{points}" fill="none" stroke="currentColor" stroke-width="3.5"/>')
    legend.insert(0, ("currentColor", "", f"{plan_name}: {compact_money(plan['monthly'][-1], currency)}"))
    for rank, (colour, dash, text) in enumerate(legend):
        row = LEGEND_TOP + rank * LEGEND_ROW
        out.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_LEFT + 32}" y1="{row}" y2="{row}" '
                   f'stroke="{colour}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{PLOT_LEFT + 40}" y="{row + 4}">{escape(text)}</text>')
    row = LEGEND_TOP + len(legend) * LEGEND_ROW
    out.append(f'<rect x="{PLOT_LEFT}" y="{row - 7}" width="32" height="14" fill="currentColor" '
               f'fill-opacity="{BAND_OPACITY}"/>')
    out.append(f'<text x="{PLOT_LEFT + 40}" y="{row + 4}">Your plan\'s likely range (P10 to P90)</text>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
