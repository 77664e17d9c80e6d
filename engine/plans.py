"""Candidate plans and their timetables under one budget of spare hours.

A plan is a recipe: which of learning the skill (K) and switching jobs (S) come first or
together, what share of the spare hours the study takes, whether the search uses spare hours,
and whether side work takes whatever hours the other steps leave free. Staying put, each path alone and every mix are recipes, so the chosen plan is
never worth less than any of them. Time runs in fractional months from 0 (the start of
month 1) to 36, so no answer moves a step by a whole month at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import product

from . import figures as fx
from .figures import Figures

HORIZON = 36.0
SKILL, SWITCH, SIDE = "skill_upgrade", "job_switch", "side_hustle"
STUDY_SHARES = (1.0, 0.5)


@dataclass(frozen=True)
class Recipe:
    order: tuple[str, ...]  # the main steps in order: (), (K,), (S,), (K, S) or (S, K)
    together: bool  # the two main steps start together, sharing the hours
    study_share: float  # share of the spare hours the study takes
    search_spare: bool  # the search uses spare hours (up to its cap) or working time only
    side: str  # "none", or "alongside": side work on whatever hours the other steps leave free


STAY_PUT = Recipe((), False, 1.0, False, "none")
SKILL_ALONE = Recipe((SKILL,), False, 1.0, False, "none")
SWITCH_ALONE = Recipe((SWITCH,), False, 1.0, True, "none")
SIDE_ALONE = Recipe((), False, 1.0, False, "alongside")
SINGLE_PATHS = {SWITCH: SWITCH_ALONE, SKILL: SKILL_ALONE, SIDE: SIDE_ALONE}


@dataclass(slots=True)
class Timetable:
    budget: float
    study: tuple[float, float, float] | None  # start, end, hours a week
    search: tuple[float, float, float] | None  # start, first new paycheck, spare hours a week
    second_search_end: float | None  # a failed first search is followed by one in working time
    side: tuple[tuple[float, float, float], ...]  # segments: start, end, hours a week
    skill_before_switch: bool  # the skill is marketable when the search starts


def recipes(budget: float, has_skill: bool) -> tuple[Recipe, ...]:
    """The recipes worth weighing on this budget. Side work adds income and costs nothing but
    free hours, so every recipe with spare hours lets it fill whatever the other steps leave
    free: a recipe without it, or with it waiting until the other steps end, never does better."""
    return recipe_list(budget > 0, has_skill)


@cache
def recipe_list(any_hours: bool, has_skill: bool) -> tuple[Recipe, ...]:
    if not any_hours:
        return (STAY_PUT, Recipe((SWITCH,), False, 1.0, False, "none"))
    found = [STAY_PUT]
    orders = [(), (SWITCH,)] + ([(SKILL,), (SKILL, SWITCH), (SWITCH, SKILL)] if has_skill else [])
    for order in orders:
        togethers = (False, True) if order == (SKILL, SWITCH) else (False,)
        shares = STUDY_SHARES if SKILL in order else (1.0,)
        spares = (True, False) if SWITCH in order else (False,)
        for together, share, spare in product(togethers, shares, spares):
            if together and share == 1 and spare:
                continue  # the study takes every hour, so the search has none either way
            found.append(Recipe(order, together, share, spare, "alongside"))
    return tuple(found)


def pace(f: Figures) -> tuple[float, float, float, float]:
    """Every figure a timetable reads: figures with the same pace give the same timetables."""
    return (f.study_hours, f.search_months, f.search_hours_cap, f.search_slowdown)


def timetable(recipe: Recipe, f: Figures, budget: float) -> Timetable:
    study_hours = budget * recipe.study_share
    study = search = None
    second_end = None
    skill_first = False
    t = 0.0
    for step in recipe.order:
        start = 0.0 if recipe.together else t
        if step == SKILL:
            end = start + fx.study_months(f, study_hours)
            study = (start, end, study_hours)
        else:
            used = study_hours if recipe.together and study else 0.0
            spare = min(f.search_hours_cap, budget - used) if recipe.search_spare else 0.0
            end = start + fx.search_months(f, spare)
            search = (start, end, spare)
            second_end = end + fx.search_months(f, 0.0)
            skill_first = study is not None and study[1] <= start
        t = end
    return Timetable(budget, study, search, second_end, side_segments(recipe, budget, study, search), skill_first)


def side_segments(recipe: Recipe, budget: float, study, search) -> tuple[tuple[float, float, float], ...]:
    """Side work's hours over time: the hours the other steps leave free, in constant stretches.
    Written without comprehensions or sorting where it can be: it runs for every candidate
    plan in every simulated world."""
    if recipe.side == "none" or budget <= 0:
        return ()
    study_busy = study is not None and study[2] > 0
    search_busy = search is not None and search[2] > 0
    if not (study_busy and search_busy):
        one = study if study_busy else search if search_busy else None
        if one is None:
            return ((0.0, HORIZON, budget),) if budget > 1e-9 else ()
        # Before, during and after the one busy step.
        start, end, hours = one
        found = []
        if start > 0.0 and budget > 1e-9:
            found.append((0.0, min(start, HORIZON), budget))
        if min(end, HORIZON) > start and budget - hours > 1e-9:
            found.append((start, min(end, HORIZON), budget - hours))
        if end < HORIZON and budget > 1e-9:
            found.append((end, HORIZON, budget))
        return tuple(found)
    (first_start, first_end, first_hours), (second_start, second_end, second_hours) = study, search
    cuts = sorted({0.0, HORIZON, first_start, first_end, second_start, second_end})
    while cuts[-1] > HORIZON:
        cuts.pop()
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        used = 0.0
        if first_start <= a < first_end:
            used += first_hours
        if second_start <= a < second_end:
            used += second_hours
        free = budget - used
        if free > 1e-9:
            if segments and segments[-1][2] == free and segments[-1][1] == a:
                segments[-1] = (segments[-1][0], b, free)
            else:
                segments.append((a, b, free))
    return tuple(segments)


def hours_in_use(table: Timetable, t: float) -> float:
    """Spare hours a week the plan uses at time t (for the budget check)."""
    total = 0.0
    for step in (table.study, table.search, *table.side):
        if step and step[0] <= t < step[1]:
            total += step[2]
    return total
