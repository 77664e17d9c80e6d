"""Tipping points: the smallest change to one answer that changes the plan's first step.

Numeric answers are searched on a widening ladder of changes, then narrowed between the last
value that did not tip and the first that did. The skill to learn does not depend on the spare
hours or the urgency, so those searches keep it; a salary search keeps it too, which is quick,
and the value it finds is then checked by choosing the plan again exactly as the verdict would
(the skill to learn included), so every tipping point holds when applied.
"""

from __future__ import annotations

from dataclasses import replace

from .figures import Figures
from .money import significant
from .params import central_values
from .planner import Choice, choose, choose_skill, first_path, rechoose
from .validate import MAX_HOURS_PER_WEEK, URGENCIES, Situation

HOUR_STEPS = (1, 4, 12, 60)
SALARY_STEPS = (0.1, 0.3, 0.6)
NARROWING = 2


def first_step(s: Situation, skill: str | None = None, keep_skill: bool = False,
               f: Figures | None = None, like: Choice | None = None) -> tuple[str, str | None]:
    """The first step of the plan chosen for these answers, and the skill it would learn;
    with keep_skill, for the given skill rather than the one these answers would choose (and
    f, its figures, when the answers changed only in hours or urgency). like: see choose."""
    scratch = central_values().__getitem__  # keeps probes out of the verdict's assumptions
    if not keep_skill:
        skill = choose_skill(scratch, s)
    return first_path(choose(scratch, s, skill, f if keep_skill else None, like)), skill


def narrow(probe, same, tipped, current: str, snap):
    """Bisect between a value that keeps the first step and one that changes it."""
    for _ in range(NARROWING):
        middle = snap((same + tipped) / 2)
        if middle in (same, tipped):
            break
        if probe(middle) != current:
            tipped = middle
        else:
            same = middle
    return tipped


def remembered(probe):
    """probe, asked once per value: the ladder, the narrowing and the final check share answers."""
    answers = {}

    def ask(value):
        if value not in answers:
            answers[value] = probe(value)
        return answers[value]
    return ask


def numeric_tips(s: Situation, skill: str | None, field: str, base: float, ladders, current: str,
                 snap, skill_moves: bool, f: Figures | None = None, like: Choice | None = None) -> list[tuple]:
    """For each direction, the nearest value on the ladder (narrowed) that changes the first step."""
    @remembered
    def quick(value):
        return first_step(replace(s, **{field: value}), skill, keep_skill=True, f=f, like=like)[0]

    @remembered
    def exact(value):
        if skill_moves:
            changed = replace(s, **{field: value})
            new_skill = choose_skill(central_values().__getitem__, changed)
            if new_skill != skill:
                return first_step(changed, new_skill, keep_skill=True)
        return quick(value), skill

    tips = []
    for ladder in ladders:
        for probe in (quick, lambda value: exact(value)[0]):
            previous, found = base, None
            for value in ladder:
                if probe(value) != current:
                    found = narrow(probe, previous, value, current, snap)
                    break
                previous = value
            outcome = exact(found) if found is not None else None
            if outcome is None or outcome[0] != current:
                break  # no tip this way, or a tip that holds; else search again choosing the skill each time
        if outcome is not None and outcome[0] != current:
            tips.append((found, outcome))
    return tips


def hour_ladder(base: float) -> list[list[float]]:
    up = [min(MAX_HOURS_PER_WEEK, base + d) for d in HOUR_STEPS if base < MAX_HOURS_PER_WEEK]
    down = [max(0.0, base - d) for d in HOUR_STEPS if base > 0]
    return [sorted(set(up)), sorted(set(down), reverse=True)]


def salary_ladder(base: float) -> list[list[float]]:
    up = [significant(base * (1 + r), 3) for r in SALARY_STEPS]
    down = [significant(base * (1 - r), 3) for r in SALARY_STEPS]
    return [list(dict.fromkeys(v for v in up if v > base)), list(dict.fromkeys(v for v in down if 0 < v < base))]


def tipping_points(s: Situation, choice: Choice, current: str,
                   salary: float) -> list[tuple[str, object, str, str | None]]:
    """(field, value, new first step, its skill) for each answer whose change tips the plan."""
    found = []
    skill = choice.skill
    same_figures = choice.figures  # hours and urgency do not move them
    half_hours = lambda v: round(v * 2) / 2  # noqa: E731
    for value, (first, new_skill) in numeric_tips(s, skill, "hours_per_week", s.hours_per_week,
                                                  hour_ladder(s.hours_per_week), current, half_hours,
                                                  skill_moves=False, f=same_figures):
        found.append(("hours_per_week", value, first, new_skill))
    for value, (first, new_skill) in numeric_tips(s, skill, "salary", salary, salary_ladder(salary), current,
                                                  lambda v: significant(v, 3), skill_moves=True, like=choice):
        found.append(("salary", value, first, new_skill))
    for urgency in URGENCIES:
        if urgency != s.urgency:
            # Only the ranking month moves: the skill to learn is chosen by its value at month 36,
            # and the candidate plans do not depend on the urgency.
            first = first_path(rechoose(choice, int(central_values()[f"verdict.ranking_month.{urgency}"])))
            if first != current:
                found.append(("urgency", urgency, first, skill))
    first, skill = first_step(replace(s, promotion_track=not s.promotion_track), like=choice)
    if first != current:
        found.append(("promotion_track", not s.promotion_track, first, skill))
    return found


def skill_tip(s: Situation, skill: str | None, current: str) -> tuple | None:
    """Holding the skill to learn already: does that change the first step?"""
    if skill is None:
        return None
    held = replace(s, skills=s.skills + (skill,))
    first, next_skill = first_step(held)
    return ("skills", list(held.skills), first, next_skill) if first != current else None
