"""Accessible inline SVG of the three cumulative gain curves in a verdict.

Presentation attributes only (no style attribute, no <style>), because the site's
Content-Security-Policy forbids inline styles. The viewBox lets it scale down to a
360px-wide phone.
"""

from __future__ import annotations

import math
from html import escape

from .errors import InputError
from .money import compact_money

WIDTH, HEIGHT = 440, 356
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 76, 424, 16, 236
LEGEND_TOP = 296
LEGEND_ROW = 20
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
# Okabe-Ito colour-blind-safe palette, plus a distinct dash pattern per path.
LINE_STYLES = {
    "job_switch": {"colour": "#0072B2", "dash": None},
    "skill_upgrade": {"colour": "#D55E00", "dash": "9 5"},
    "side_hustle": {"colour": "#009E73", "dash": "2 4"},
}
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
    stop = math.ceil(high / step) * step
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


def fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def chart_svg(verdict: dict, id_prefix: str = "verdict-chart") -> str:
    """The verdict's monthly cumulative gains as an accessible SVG string."""
    paths = checked_paths(verdict)
    currency = verdict.get("currency", "")
    months = len(paths[0]["monthly"])
    values = [0] + [v for item in paths for v in item["monthly"]]
    ticks = value_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]

    def x(month: float) -> float:
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * month / months

    def y(value: float) -> float:
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (value - low) / (high - low)

    money = lambda amount: escape(compact_money(amount, currency))  # noqa: E731
    title = f"Expected extra income over {months} months compared with staying put, by path ({currency})"
    summaries = []
    for item in paths:
        payoff = item.get("payoff_month")
        when = f"ahead from month {payoff}" if payoff else "not ahead within the period"
        summaries.append(f"{item.get('name', item['path'])}: {compact_money(item['monthly'][-1], currency)} "
                         f"by month {months}, {when}.")
    desc = " ".join(summaries)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
        f'<g {FONT} font-size="13" fill="#333333">',
    ]
    for tick in ticks:
        colour, width = ("#333333", "1.5") if tick == 0 else ("#dddddd", "1")
        out.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{fmt(y(tick))}" y2="{fmt(y(tick))}" '
                   f'stroke="{colour}" stroke-width="{width}"/>')
        out.append(f'<text x="{PLOT_LEFT - 6}" y="{fmt(y(tick) + 4)}" text-anchor="end">{money(tick)}</text>')
    for month in MONTH_TICKS:
        if month <= months:
            out.append(f'<line x1="{fmt(x(month))}" x2="{fmt(x(month))}" y1="{PLOT_BOTTOM}" '
                       f'y2="{PLOT_BOTTOM + 5}" stroke="#333333"/>')
            out.append(f'<text x="{fmt(x(month))}" y="{PLOT_BOTTOM + 18}" text-anchor="middle">{month}</text>')
    out.append(f'<text x="{fmt((PLOT_LEFT + PLOT_RIGHT) / 2)}" y="{PLOT_BOTTOM + 36}" text-anchor="middle">Month</text>')
    out.append(f'<text x="14" y="{fmt((PLOT_TOP + PLOT_BOTTOM) / 2)}" text-anchor="middle" '
               f'transform="rotate(-90 14 {fmt((PLOT_TOP + PLOT_BOTTOM) / 2)})">'
               f'Extra income vs staying put ({escape(currency)})</text>')
    for rank, item in enumerate(paths):
        style = LINE_STYLES[item["path"]]
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        points = " ".join(f"{fmt(x(m))},{fmt(y(v))}" for m, v in enumerate([0] + item["monthly"]))
        out.append(f'<polyline points="{points}" fill="none" stroke="{style["colour"]}" '
                   f'stroke-width="{3 if rank == 0 else 2.5}"{dash}/>')
        row = LEGEND_TOP + rank * LEGEND_ROW
        label = escape(f"{item.get('name', item['path'])}{' (best)' if rank == 0 else ''}: "
                       f"{compact_money(item['monthly'][-1], currency)}")
        out.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_LEFT + 32}" y1="{row}" y2="{row}" '
                   f'stroke="{style["colour"]}" stroke-width="3"{dash}/>')
        out.append(f'<text x="{PLOT_LEFT + 40}" y="{row + 4}">{label}</text>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
