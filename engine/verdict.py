"""The verdict as a small simulation: situation -> candidate plans -> simulated monthly flows
-> chosen plan -> likely ranges and tipping points -> explanation."""

from __future__ import annotations

from . import explain
from .bands import skill_uplift_figures
from . import figures as fx
from .figures import Figures, in_demand_skills, names
from .money import compact_money
from .params import ParamView, central_values, parameter_index
from .planner import Choice, Evaluated, choose, choose_skill, evaluate, first_path
from .plans import HORIZON, SIDE, SINGLE_PATHS, SKILL, SWITCH
from .simulate import values_at
from .tipping import skill_tip, tipping_points
from .uncertainty import draws, simulate_ranges
from .validate import Situation, situation

PATH_ORDER = (SWITCH, SKILL, SIDE)  # tie-break between equal single paths
PATH_LABELS = {SWITCH: "Switch jobs", SKILL: "Upgrade a skill", SIDE: "Start a side hustle"}
MONTHS = range(1, int(HORIZON) + 1)


def curve(terms: list, f: Figures) -> list[int]:
    """Cumulative expected gain at the end of each month, in whole currency units."""
    return [round(v) for v in values_at(terms, MONTHS, f)]


def payoff_month(monthly: list[int]) -> int | None:
    return next((m for m, v in zip(MONTHS, monthly) if v > 0), None)


def display_month(t: float) -> int:
    """A fractional boundary as the whole month it falls nearest to (0 = before month 1)."""
    return max(0, min(int(HORIZON), round(t)))


def plan_output(choice: Choice, currency: str) -> list[dict]:
    """The steps with whole months for display. A step that begins when another ends is shown
    from the month after that one's last, so no shown month holds more hours than the visitor has."""
    f = choice.figures
    shown: list[tuple] = []
    for step in choice.steps:
        start = display_month(step.start) + 1
        for before, (_, end_month) in zip(choice.steps, shown):
            if before.end is not None and end_month is not None and step.start >= before.end - 1e-9:
                start = max(start, end_month + 1)
        start = min(int(HORIZON), start)
        end = None if step.end is None or step.end >= HORIZON else max(start, display_month(step.end))
        shown.append((start, end))
    return [{
        "path": step.path,
        "start_month": start,
        "end_month": end,
        "hours_per_week": round(step.hours, 2),
        "summary": explain.step_summary(step.path, start, end, step.hours, f, currency),
    } for step, (start, end) in zip(choice.steps, shown)]


def single_path(path: str, choice: Choice, budget: float) -> Evaluated | None:
    if path == SKILL and (choice.skill is None or budget <= 0):
        return None
    return evaluate(SINGLE_PATHS[path], choice.figures, budget, choice.ranking_month)


def path_result(p, path: str, evaluated: Evaluated | None, choice: Choice, s: Situation, currency: str,
                ranges: dict) -> dict:
    f = choice.figures
    monthly = curve(evaluated.terms, f) if evaluated else [0] * len(MONTHS)
    gains = {"gain_12m": monthly[11], "gain_36m": monthly[-1]}
    if path == SWITCH:
        reasons = explain.switch_reasons(p, f, s, currency, gains)
        extra = {"landing_probability": round(fx.landing_chance(f, False), 4),
                 "annual_gain": round(fx.switch_gain(f, False, f.promotion_chance_without))}
    elif path == SKILL:
        uplift = skill_uplift_figures(p, s.role, f.skill, s.market) if f.skill else None
        reasons = explain.skill_reasons(p, f, s, currency, gains, uplift)
        extra = {"skill": f.skill}
    else:
        reasons = explain.side_reasons(f, s, currency, gains)
        extra = {"hourly_rate": round(fx.side_hourly_rate(f, f.missing_client_skills))}
    return {
        "path": path,
        "name": PATH_LABELS[path],
        **gains,
        "payoff_month": payoff_month(monthly),
        "monthly": monthly,
        "range_12m": ranges["ranges"][path]["range_12m"],
        "range_36m": ranges["ranges"][path]["range_36m"],
        "chance_best": ranges["chance_best"][path],
        "reasons": reasons,
        **extra,
    }


def skill_to_learn(p, s: Situation, choice: Choice, plan: list[dict], currency: str) -> dict | None:
    f = choice.figures
    if f.skill is None:
        return None
    uplift = skill_uplift_figures(p, s.role, f.skill, s.market)
    paths = [step["path"] for step in plan]
    if s.promotion_track:
        via = "promotion"
    elif SKILL in paths and SWITCH in paths[paths.index(SKILL):]:
        via = "switch"
    else:
        via = "review"
    months = fx.study_months(f, s.hours_per_week) if s.hours_per_week > 0 else None
    return {
        "skill": f.skill,
        "name": explain.skill_name(f.skill),
        "uplift_low": uplift["low"],
        "uplift_high": uplift["high"],
        "hours_to_marketable": uplift["hours_to_marketable"],
        "months_to_marketable": None if months is None else round(months, 1),
        "hours_per_week": s.hours_per_week,
        "course_cost": round(f.study_fee),
        "realised_via": via,
        "currency": currency,
    }


def tipping_output(s: Situation, choice: Choice, first: str, currency: str) -> list[dict]:
    current_salary = choice.figures.salary
    found = tipping_points(s, choice, first, current_salary)
    held = skill_tip(s, choice.skill, first)
    if held:
        found.append(held)
    current = {"hours_per_week": s.hours_per_week, "salary": current_salary}
    return [{
        "field": field,
        "value": round(value) if field == "salary" else value,
        "best_path": new_first,
        "sentence": explain.tipping_sentence(field, value, current.get(field), new_first, skill, currency),
    } for field, value, new_first, skill in found]


def assumption(record: dict) -> dict:
    keys = ("key", "label", "value", "low", "high", "unit", "currency", "source", "url", "date", "estimate", "note")
    return {k: record[k] for k in keys}


def prepare() -> None:
    """What a first verdict reads and draws once, done now: the parameter files, the catalog and
    the simulated worlds. The quiz calls it once its engine is ready, while the visitor answers,
    so a first verdict costs what any other does."""
    names("markets")
    draws(int(central_values()["verdict.draws"]))


def verdict(answers) -> dict:
    """The verdict for one set of quiz answers (raises InputError on bad answers)."""
    s = situation(answers)
    p = ParamView(parameter_index())
    skill = choose_skill(central_values().__getitem__, s)  # candidates' figures stay out of the assumptions
    choice = choose(p, s, skill)
    f = choice.figures
    currency = names("markets")[s.market]["currency"]
    first = first_path(choice)
    plan = plan_output(choice, currency)
    ranges = simulate_ranges(s, skill, choice.plan.recipe, choice.ranking_month, int(p("verdict.draws")))
    singles = {path: single_path(path, choice, s.hours_per_week) for path in PATH_ORDER}
    paths = {path: path_result(p, path, singles[path], choice, s, currency, ranges) for path in PATH_ORDER}
    month = choice.ranking_month
    ranked = sorted(PATH_ORDER, key=lambda k: (-paths[k]["monthly"][month - 1], -paths[k]["gain_36m"], PATH_ORDER.index(k)))
    monthly = curve(choice.plan.terms, f)
    plan_ranges = ranges["ranges"]["plan"]
    at_ranking = {path: paths[path]["monthly"][month - 1] for path in PATH_ORDER}
    band = {"low": f.band_low, "high": f.band_high, "mid": f.band_mid}
    return {
        "best_path": first,
        "headline": explain.headline(first, skill, plan_ranges["range_ranking"], month, currency),
        "ranking_month": month,
        "plan": plan,
        "plan_result": {
            "gain_12m": monthly[11],
            "gain_36m": monthly[-1],
            "monthly": monthly,
            "payoff_month": payoff_month(monthly),
            "range_12m": plan_ranges["range_12m"],
            "range_36m": plan_ranges["range_36m"],
        },
        "sequence": list(dict.fromkeys(step["path"] for step in plan)),
        "sequence_reason": explain.plan_reason(first, monthly[month - 1], at_ranking, month, f, plan, currency),
        "paths": [paths[k] for k in ranked],
        "tipping_points": tipping_output(s, choice, first, currency),
        "skill_to_learn": skill_to_learn(p, s, choice, plan, currency),
        "currency": currency,
        "market_band": {
            **band,
            "currency": currency,
            "salary": round(f.salary),
            "salary_given": s.salary is not None,
            "below_midpoint": f.salary < f.band_mid,
            "display": f"{compact_money(f.band_low, currency)} to {compact_money(f.band_high, currency)}",
        },
        "in_demand_skills": list(in_demand_skills(p, s.role)),
        "situation": {
            "role": s.role, "level": s.level, "market": s.market,
            "salary": None if s.salary is None else round(s.salary),
            "hours_per_week": s.hours_per_week, "urgency": s.urgency,
            "skills": list(s.skills), "promotion_track": s.promotion_track,
        },
        "horizon_months": int(HORIZON),
        "assumptions": [assumption(r) for r in p.records()],
    }
