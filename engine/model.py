"""The three path simulations: pure functions from a situation to 36 monthly net flows.

A flow is the expected extra money in one month compared with staying put (who gets
the yearly raise anyway). Costs are negative flows. `p` reads a parameter by key.
"""

from __future__ import annotations

import math

HORIZON_MONTHS = 36
MONTHS_PER_YEAR = 12
WEEKS_PER_MONTH = 52 / 12
MONTHS = range(1, HORIZON_MONTHS + 1)


def cumulative(flows: list[float]) -> list[int]:
    """Running total of flows, rounded to whole currency units."""
    total, curve = 0.0, []
    for flow in flows:
        total += flow
        curve.append(round(total))
    return curve


def payoff_month(curve: list[int]) -> int | None:
    return next((month for month, value in zip(MONTHS, curve) if value > 0), None)


def raise_growth(p, month: int) -> float:
    """Pay gains compound with the yearly raise: in year k they are (1 + raise)^k larger."""
    factor = 1.0
    for _ in range((month - 1) // MONTHS_PER_YEAR):
        factor *= 1 + p("baseline.total_raise")
    return factor


def monthly_pay_gain(p, annual: float, first_month: int, month: int) -> float:
    return annual / MONTHS_PER_YEAR * raise_growth(p, month) if month >= first_month else 0.0


# Side hustle -------------------------------------------------------------------------

def missing_client_skills(skills: tuple[str, ...], client_skills: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in client_skills if s not in skills)


def side_hustle_rate(p, role: str, market: str, missing: int) -> float:
    """Gross hourly freelance rate for the role, cut for each client-demanded skill missing."""
    rate = p(f"side_hustle.hourly_rate.{market}") * p(f"side_hustle.role_rate_factor.{role}")
    return rate * max(0.0, 1 - p("side_hustle.missing_skill_discount") * missing)


def billable_share(p) -> float:
    return p("side_hustle.billable_days") / p("side_hustle.working_days")


def net_hourly_value(p, market: str, gross_rate: float) -> float:
    """What one spare hour earns freelancing after unbilled time, tax and overheads."""
    return gross_rate * billable_share(p) * (1 - p(f"side_hustle.tax_overhead_share.{market}"))


def ramp_share(p, month: int) -> float:
    """Side income rises evenly from nothing in month 1 to full after the ramp-up."""
    return min(1.0, (month - 1) / p("side_hustle.ramp_months"))


def side_hustle_flows(p, hours_per_week: float, net_hourly: float) -> list[float]:
    hours = hours_per_week * WEEKS_PER_MONTH
    return [hours * net_hourly * ramp_share(p, m) for m in MONTHS]


# Skill upgrade -----------------------------------------------------------------------

def months_to_marketable(hours_needed: float, hours_per_week: float) -> float | None:
    """Study months at the given spare hours; None when there are no spare hours."""
    if hours_per_week <= 0:
        return None
    return hours_needed / (hours_per_week * WEEKS_PER_MONTH)


def study_hours_in_month(hours_needed: float, hours_per_week: float, month: int) -> float:
    per_month = hours_per_week * WEEKS_PER_MONTH
    return min(per_month, max(0.0, hours_needed - per_month * (month - 1)))


def promotion_gain(p, uplift: float, salary: float) -> float:
    """Expected yearly gain when a promotion track turns the skill into pay.

    The promotion pays its usual increase plus the captured part of the skill's
    value; staying put already carries the base promotion rate, so only the extra
    chance counts.
    """
    extra_chance = p("promotion.probability_on_track") - p("promotion.base_rate")
    value = p("skill_upgrade.realised_share") * uplift + p("promotion.increase") * salary
    return extra_chance * value


def switch_realised_gain(p, uplift: float, landing: float) -> float:
    """Expected yearly gain when the skill is cashed in by a later move."""
    return landing * p("skill_upgrade.realised_share") * uplift


def skill_upgrade_flows(p, *, hours_needed: float, hours_per_week: float, cost: float,
                        hourly_value: float, annual_gain: float, wait_months: int) -> list[float]:
    """Course cost and study hours first, the pay gain once marketable plus the wait."""
    study_months = months_to_marketable(hours_needed, hours_per_week)
    if study_months is None:
        return [0.0] * HORIZON_MONTHS
    if study_months > HORIZON_MONTHS:
        first_paid = HORIZON_MONTHS + 1  # not marketable within the horizon: only costs
    else:
        # Rounding first keeps float noise (3.0000000000000004) from costing a whole month.
        first_paid = math.ceil(round(study_months, 6)) + wait_months + 1
    flows = []
    for m in MONTHS:
        spend = (cost if m == 1 else 0.0) + hourly_value * study_hours_in_month(hours_needed, hours_per_week, m)
        flows.append(monthly_pay_gain(p, annual_gain, first_paid, m) - spend)
    return flows


# Job switch --------------------------------------------------------------------------

def in_demand_skills(p, role: str, all_skills) -> tuple[str, ...]:
    threshold = p("job_switch.in_demand_relevance")
    return tuple(s for s in all_skills if p(f"skill_relevance.{role}.{s}") >= threshold)


def counted_in_demand(p, held: tuple[str, ...], in_demand: tuple[str, ...]) -> int:
    return min(len([s for s in held if s in in_demand]), int(p("job_switch.in_demand_skills_counted")))


def landing_probability(p, counted: int) -> float:
    chance = p("job_switch.landing_probability") + p("job_switch.landing_per_in_demand_skill") * counted
    return min(p("job_switch.landing_probability_max"), chance)


def switch_premium(p, counted: int) -> float:
    return p("job_switch.premium") + p("job_switch.premium_per_in_demand_skill") * counted


def catch_up(p, salary: float, band_mid: float) -> float:
    """The part of the gap to the band midpoint a new employer closes (0 if not underpaid)."""
    return p("job_switch.catch_up_share") * max(0.0, band_mid - salary)


def job_switch_annual_gain(p, salary: float, band_mid: float, counted: int) -> float:
    # The premium is applied to the market midpoint, not the current salary, so a
    # lower salary can only add catch-up, never lower the gain.
    return switch_premium(p, counted) * band_mid + catch_up(p, salary, band_mid)


def job_switch_flows(p, *, annual_gain: float, landing: float, hourly_value: float) -> list[float]:
    """Search time first; then the expected raise (a failed search costs only that time)."""
    search_months = int(p("job_switch.search_months"))
    search_cost = p("job_switch.search_hours") * hourly_value / search_months
    return [
        monthly_pay_gain(p, landing * annual_gain, search_months + 1, m) - (search_cost if m <= search_months else 0.0)
        for m in MONTHS
    ]
