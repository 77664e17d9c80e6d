"""Likely ranges: the plan and each single path simulated in many drawn worlds.

Each world draws every figure that has a range (half the draws below its central value, half
above, evenly spread within each side) and settles each chancy event (landing an offer,
finishing the course, the promotion, finding clients). The draws come from one seeded
generator and are shared by every plan and every visitor, so the same answers always give the
same ranges, in CPython and in the browser alike, and nearby answers give nearby ranges.
"""

from __future__ import annotations

import random
from functools import cache

from .figures import figures
from .params import central_values, parameter_index
from .plans import HORIZON, SINGLE_PATHS, STAY_PUT, timetable
from .simulate import World, growth_areas, plan_terms, settle, values_at
from .validate import Situation

SEED = 20261202
EVENTS = ("landing", "completion", "promotion", "clients")
QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def stratified(rng: random.Random, count: int) -> list[float]:
    """count uniform numbers, one in each of count equal slices of [0, 1), in random order
    (Latin hypercube sampling: steadier percentiles than plain draws for the same count)."""
    slices = list(range(count))
    rng.shuffle(slices)
    return [(k + rng.random()) / count for k in slices]


@cache
def draws(count: int) -> tuple[tuple[dict, World], ...]:
    """For each world: every figure's value (drawn for those with a range), and the event draws."""
    rng = random.Random(SEED)
    ranged = [(key, record) for key, record in parameter_index().items() if record["low"] is not None]
    columns = {key: stratified(rng, count) for key, _ in ranged}
    events = {event: stratified(rng, count) for event in EVENTS}
    return tuple(
        ({**central_values(),
          **{key: split_uniform(columns[key][i], r["low"], r["value"], r["high"]) for key, r in ranged}},
         World(**{event: events[event][i] for event in EVENTS}))
        for i in range(count)
    )


def split_uniform(u: float, low: float, central: float, high: float) -> float:
    if u < 0.5:
        return low + (central - low) * (u / 0.5)
    return central + (high - central) * ((u - 0.5) / 0.5)


def quantile(sorted_values: list[float], q: float) -> int:
    """Nearest-rank quantile, in whole currency units."""
    return round(sorted_values[round(q * (len(sorted_values) - 1))])


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {name: quantile(ordered, q) for name, q in QUANTILES.items()}


def simulate_ranges(s: Situation, skill: str | None, plan_recipe, ranking_month: int, count: int) -> dict:
    """P10/P50/P90 at months 12 and 36 for the plan and each single path, and each single
    path's chance of being the best of the three at the ranking month (ahead of staying put
    too, so the chances add up to less than 1 when no path may pay by then)."""
    recipes = {name: recipe for name, recipe in SINGLE_PATHS.items()
               if not (name == "skill_upgrade" and (skill is None or s.hours_per_week <= 0))}
    if plan_recipe != STAY_PUT:
        recipes["plan"] = plan_recipe
    # A plan that is one path alone is simulated once, under both names.
    same_as = next((name for name, recipe in SINGLE_PATHS.items() if recipe == plan_recipe and name in recipes), None)
    if same_as:
        del recipes["plan"]
    months = tuple(dict.fromkeys((12, int(HORIZON), ranking_month)))
    at = {m: i for i, m in enumerate(months)}
    values = {name: [] for name in ("plan", *SINGLE_PATHS)}  # per world, the values at months
    nothing = [0.0] * len(months)
    wins = dict.fromkeys(SINGLE_PATHS, 0.0)
    budget = s.hours_per_week
    for world_values, world in draws(count):
        f = figures(world_values.__getitem__, s, skill)
        settled = settle(f, world)
        grown = growth_areas(months, f)
        got = dict.fromkeys(values, nothing)
        for name, recipe in recipes.items():
            got[name] = values_at(plan_terms(timetable(recipe, f, budget), f, settled), months, f, grown)
        if same_as:
            got["plan"] = got[same_as]
        for name, by_month in got.items():
            values[name].append(by_month)
        # Best of the three means ahead of the other two and of staying put.
        at_ranking = {path: got[path][at[ranking_month]] for path in SINGLE_PATHS}
        top = max(at_ranking.values())
        leaders = [path for path in SINGLE_PATHS if at_ranking[path] >= top - 1e-9] if top > 0.5 else []
        for path in leaders:
            wins[path] += 1 / len(leaders)
    return {
        "ranges": {name: {"range_12m": summary([w[at[12]] for w in v]),
                          "range_36m": summary([w[at[int(HORIZON)]] for w in v]),
                          "range_ranking": summary([w[at[ranking_month]] for w in v])} for name, v in values.items()},
        "chance_best": {path: round(won / count, 3) for path, won in wins.items()},
    }
