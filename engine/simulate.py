"""Simulate one plan in one world: its money flows as closed-form terms, summed to any month.

A world fixes the chancy events. In the expected world each event is its probability, so a
plan's value is its expected value; in a drawn world each event happened or not (see
uncertainty.py). Values are extra money against staying put with the spare hours idle,
before income tax, cumulated from the start of month 1 to the end of a month.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import figures as fx
from .figures import Figures
from .plans import SIDE, SKILL, SWITCH, Timetable

YEAR = 12.0


@dataclass(frozen=True)
class World:
    """Uniform draws for the chancy events; None means the expected world."""

    landing: float | None = None
    completion: float | None = None
    promotion: float | None = None
    clients: float | None = None


EXPECTED = World()


def chance(draw: float | None, probability: float) -> float:
    """The weight of an event: its probability in the expected world, else 1 if it happened."""
    if draw is None:
        return probability
    return 1.0 if draw < probability else 0.0


def landing_weights(draw: float | None, probability: float) -> tuple[float, float]:
    """Weights of landing in the first search and, failing that, in the second."""
    second = (1 - probability) * probability
    if draw is None:
        return probability, second
    return (1.0 if draw < probability else 0.0), (1.0 if probability <= draw < probability + second else 0.0)


# Closed-form terms -----------------------------------------------------------------------
# ("pay", path, start, yearly amount): a pay change that grows with the yearly raise.
# ("cost", path, amount): a cost paid when the plan starts.
# ("side", path, ramp start, ((start, end, monthly income), ...)): income ramping up from nothing.

def growth_area(t: float, raise_rate: float) -> float:
    """Months from 0 to t, each weighted by the yearly raises compounded by then."""
    if t <= YEAR:
        return t
    factor = 1 + raise_rate
    if t <= 2 * YEAR:
        return YEAR + (t - YEAR) * factor
    return YEAR + YEAR * factor + (t - 2 * YEAR) * factor * factor


def ramp_area(x: float, ramp: float) -> float:
    """Integral of min(1, u / ramp) for u from 0 to x."""
    if x <= 0:
        return 0.0
    if x <= ramp:
        return x * x / (2 * ramp)
    return x - ramp / 2


def side_value(term: tuple, month: float, ramp: float) -> float:
    # The innermost loop of a verdict: min() and the ramp before the first stretch (none) written out.
    _, _, ramp_start, segments = term
    total = 0.0
    for start, end, monthly in segments:
        if month > start:
            ramped = ramp_area(start - ramp_start, ramp) if start > ramp_start else 0.0
            total += monthly * (ramp_area((end if end < month else month) - ramp_start, ramp) - ramped)
    return total


def value_at(terms: list[tuple], month: float, f: Figures) -> float:
    """The terms' value summed from the start to a month. Each kind is written out here (and
    growth_area's first year, where most pay starts): a verdict sums thousands of terms."""
    raise_rate, ramp = f.raise_rate, f.ramp_months
    grown = growth_area(month, raise_rate)
    total = 0.0
    for term in terms:
        kind = term[0]
        if kind == "pay":
            start = term[2]
            if month > start:
                total += term[3] / YEAR * (grown - (start if start <= YEAR else growth_area(start, raise_rate)))
        elif kind == "side":
            total += side_value(term, month, ramp)
        elif month > 0:  # a cost
            total -= term[2]
    return total


def growth_areas(months, f: Figures) -> list[float]:
    return [growth_area(m, f.raise_rate) for m in months]


def values_at(terms: list[tuple], months, f: Figures, grown: list[float] | None = None) -> list[float]:
    """value_at for many months in one pass: each month's growth and each term's start are
    worked out once (a verdict draws four 36-month curves). grown, when given, is
    growth_areas(months, f), for a caller that sums several plans over the same months."""
    raise_rate, ramp = f.raise_rate, f.ramp_months
    grown = growth_areas(months, f) if grown is None else grown
    totals = [0.0] * len(grown)
    for term in terms:
        kind = term[0]
        if kind == "pay":
            start, yearly = term[2], term[3] / YEAR
            before = start if start <= YEAR else growth_area(start, raise_rate)
            for i, month in enumerate(months):
                if month > start:
                    totals[i] += yearly * (grown[i] - before)
        elif kind == "side":
            for i, month in enumerate(months):
                totals[i] += side_value(term, month, ramp)
        else:
            for i, month in enumerate(months):
                if month > 0:
                    totals[i] -= term[2]
    return totals


def values_by_path(terms: list[tuple], month: float, f: Figures) -> dict[str, float]:
    out = {SWITCH: 0.0, SKILL: 0.0, SIDE: 0.0}
    for t in terms:
        out[t[1]] += value_at([t], month, f)
    return out


# What a world settles ---------------------------------------------------------------------

@dataclass(slots=True)
class Settled:
    """The weights of a world's chancy events and the yearly gains they lead to, worked out
    once for every plan simulated in that world."""

    completed: float  # the course is finished
    promoted_with: float  # the promotion comes, with the skill learned
    promoted_without: float  # ... and without it
    landing: tuple  # (first search, second search) weights, without and with the learned skill
    switch_gain: tuple  # yearly gain of a move that lands, without and with the learned skill
    skill_at_employer: float  # yearly gain of the skill without a move
    skill_after_move: float  # ... learned after a move
    client_weight: float  # share of the side income the clients found bring


def settle(f: Figures, world: World) -> Settled:
    promoted_without = chance(world.promotion, f.promotion_chance_without)
    promoted_with = chance(world.promotion, f.promotion_chance_with)
    found = chance(world.clients, f.client_chance)
    return Settled(
        completed=chance(world.completion, f.completion_chance),
        promoted_with=promoted_with,
        promoted_without=promoted_without,
        landing=(landing_weights(world.landing, fx.landing_chance(f, False)),
                 landing_weights(world.landing, fx.landing_chance(f, True))),
        switch_gain=(fx.switch_gain(f, False, promoted_without), fx.switch_gain(f, True, promoted_without)),
        skill_at_employer=fx.skill_gain_at_employer(f, promoted_with, promoted_without),
        skill_after_move=fx.skill_gain_after_move(f),
        client_weight=found + (1 - found) * f.no_client_share,
    )


# The plan's terms ------------------------------------------------------------------------

def plan_terms(table: Timetable, f: Figures, world: Settled) -> list[tuple]:
    terms: list[tuple] = []
    completed = world.completed if table.study else 0.0
    if table.study and f.study_fee > 0:
        # Fees are paid on committing to the plan, so a faster plan never counts them sooner.
        terms.append(("cost", SKILL, f.study_fee))
    landed = 0.0
    if table.search:
        # The search's outcome depends on whether the skill was finished before it began; both
        # outcomes pay from the same months, so each month's pay is one term.
        branches = [(completed, True), (1 - completed, False)] if table.skill_before_switch else [(1.0, False)]
        from_first = from_second = 0.0
        for weight, with_skill in branches:
            if weight <= 0:
                continue
            first, second = world.landing[with_skill]
            gain = world.switch_gain[with_skill]
            from_first += weight * first * gain
            from_second += weight * second * gain
            if with_skill:
                landed = first + second
        terms.append(("pay", SWITCH, table.search[1], from_first))
        terms.append(("pay", SWITCH, table.second_search_end, from_second))
    if table.study and completed > 0:
        ready = table.study[1] + f.promotion_wait
        if table.search and not table.skill_before_switch:
            # Learned around a move: the new employer's review if the move happened.
            first, second = world.landing[False]
            moved = first + second
            yearly = completed * (moved * world.skill_after_move + (1 - moved) * world.skill_at_employer)
        else:
            # Learned first: the current employer pays for it unless a move already did.
            yearly = completed * (1 - landed) * world.skill_at_employer
        if yearly:
            terms.append(("pay", SKILL, ready, yearly))
    if table.side:
        terms.append(side_term(table, f, world.client_weight, completed))
    return terms


def side_term(table: Timetable, f: Figures, client_weight: float, completed: float) -> tuple:
    # A finished client skill lifts the rate from the month it is marketable.
    lift_at = table.study[1] if table.study and f.skill_for_clients and completed > 0 else None
    missing = f.missing_client_skills
    rate = fx.side_hourly_rate(f, missing)
    lifted_rate = fx.side_hourly_rate(f, missing - 1) if lift_at is not None and missing > 0 else None
    segments = []
    for start, end, hours in table.side:
        income = fx.side_monthly_income(f, hours, rate, client_weight)
        if lift_at is None or lift_at >= end:
            segments.append((start, end, income))
            continue
        lifted = income
        if lifted_rate is not None:
            lifted = completed * fx.side_monthly_income(f, hours, lifted_rate, client_weight) + (1 - completed) * income
        if start < lift_at:
            segments.append((start, lift_at, income))
            segments.append((lift_at, end, lifted))
        else:
            segments.append((start, end, lifted))
    return ("side", SIDE, table.side[0][0], tuple(segments))
