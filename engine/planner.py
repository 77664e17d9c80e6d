"""Choose the skill to learn and the plan: the recipe with the greatest expected gain at the
visitor's ranking month, ties broken by the gain at month 36, then by the simpler recipe."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import Figures, figures, names, situation_figures, with_skill
from .plans import HORIZON, SIDE, SKILL, SKILL_ALONE, SWITCH, Recipe, Timetable, pace, recipes, timetable
from .simulate import EXPECTED, plan_terms, settle, value_at, values_by_path
from .validate import Situation

SKILL_THEN_SWITCH = Recipe((SKILL, SWITCH), False, 1.0, True, "none")


@dataclass(slots=True)
class Step:
    path: str
    start: float  # months from the start of month 1
    end: float | None  # None while it lasts past month 36
    hours: float


@dataclass(slots=True)
class Evaluated:
    recipe: Recipe
    table: Timetable
    terms: list
    at_ranking: float
    at_horizon: float


@dataclass(slots=True)
class Choice:
    skill: str | None
    figures: Figures
    ranking_month: int
    plan: Evaluated
    steps: tuple[Step, ...]
    candidates: list  # every recipe weighed, as (recipe, timetable, terms)


def evaluate(recipe: Recipe, f: Figures, budget: float, ranking_month: int) -> Evaluated:
    table = timetable(recipe, f, budget)
    terms = plan_terms(table, f, settle(f, EXPECTED))
    return Evaluated(recipe, table, terms, value_at(terms, ranking_month, f), value_at(terms, HORIZON, f))


def plan_steps(table: Timetable, terms: list, f: Figures, ranking_month: int) -> tuple[Step, ...]:
    """The plan's steps in order of start; steps that start together come in order of what
    they add by the ranking month, so the first step is the one that matters most first."""
    found = []
    if table.study:
        found.append(Step(SKILL, table.study[0], table.study[1], table.study[2]))
    if table.search:
        found.append(Step(SWITCH, table.search[0], table.search[1], table.search[2]))
    for start, end, hours in table.side:
        found.append(Step(SIDE, start, None if end >= HORIZON else end, hours))
    worth = values_by_path(terms, ranking_month, f) if len(found) > 1 else {}
    order = (SWITCH, SKILL, SIDE)
    return tuple(sorted(found, key=lambda s: (round(s.start, 9), -worth.get(s.path, 0.0), order.index(s.path))))


def skill_value(p, s: Situation, base: dict, skill: str, hours: float) -> tuple[float, float]:
    """What learning a skill at a set pace brings by month 36, cashed in by the track or by a
    move after it, whichever pays more; then its captured yearly value. hours: spare hours a week."""
    f = with_skill(p, s, base, skill)
    expected = settle(f, EXPECTED)
    best = max(value_at(plan_terms(timetable(r, f, hours), f, expected), HORIZON, f)
               for r in (SKILL_ALONE, SKILL_THEN_SWITCH))
    return best, f.skill_captured


def choose_skill(p, s: Situation) -> str | None:
    """The unheld skill that pays most by month 36 at a set pace of study (then the higher
    captured value, then catalog order). The pace is the same for every visitor, so the skill
    does not change with the spare hours given, and more hours never make the plan worth less."""
    candidates = [k for k in names("skills") if k not in s.skills]
    if not candidates:
        return None
    base = situation_figures(p, s)
    hours = p("skill_upgrade.choice_hours_per_week")
    scored = [(skill_value(p, s, base, k, hours), -i, k) for i, k in enumerate(candidates)]
    return max(scored)[2]


def candidate_plans(s: Situation, skill: str | None, f: Figures, tables: list | None = None) -> list[tuple]:
    """Every recipe on the visitor's budget with its timetable and expected terms; tables, when
    given, are those timetables already worked out (see choose's like)."""
    found = []
    expected = settle(f, EXPECTED)
    for i, recipe in enumerate(recipes(s.hours_per_week, skill is not None)):
        table = tables[i] if tables else timetable(recipe, f, s.hours_per_week)
        found.append((recipe, table, plan_terms(table, f, expected)))
    return found


def best_plan(candidates: list[tuple], f: Figures, ranking_month: int) -> Evaluated:
    """The candidate worth most at the ranking month; ties go to the greater gain at month 36,
    then to the earlier recipe."""
    at_ranking = [value_at(terms, ranking_month, f) for _, _, terms in candidates]
    top = max(at_ranking)
    tied = [(value_at(c[2], HORIZON, f), -i, i) for i, c in enumerate(candidates) if at_ranking[i] >= top]
    at_horizon, _, i = max(tied)
    recipe, table, terms = candidates[i]
    return Evaluated(recipe, table, terms, at_ranking[i], at_horizon)


def choose(p, s: Situation, skill: str | None, f: Figures | None = None, like: Choice | None = None) -> Choice:
    """The best plan for a situation; f, when given, are its figures (they do not depend on the
    spare hours or the urgency, so a search over those can read them once). like, when given, is
    a choice whose timetables are reused if they would come out the same (the same hours, skill
    and pace), as they do for a search over the salary."""
    ranking_month = int(p(f"verdict.ranking_month.{s.urgency}"))  # read first: the assumptions list keys in order of use
    f = f or figures(p, s, skill)
    tables = None
    if like is not None and like.skill == skill and like.plan.table.budget == s.hours_per_week and pace(like.figures) == pace(f):
        tables = [table for _, table, _ in like.candidates]
    return ranked(skill, f, candidate_plans(s, skill, f, tables), ranking_month)


def ranked(skill: str | None, f: Figures, candidates: list[tuple], ranking_month: int) -> Choice:
    best = best_plan(candidates, f, ranking_month)
    return Choice(skill, f, ranking_month, best, plan_steps(best.table, best.terms, f, ranking_month), candidates)


def rechoose(choice: Choice, ranking_month: int) -> Choice:
    """The same situation's plan for another ranking month: only the ranking changes."""
    return ranked(choice.skill, choice.figures, choice.candidates, ranking_month)


def first_path(choice: Choice) -> str:
    steps = choice.steps
    return steps[0].path if steps else "stay_put"
