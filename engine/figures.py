"""The figures one situation needs: pay and band, the switch, the skill to learn, side work.

`p` reads a parameter by key. The expected world reads central values (a ParamView, which
also records what the verdict used); a simulated world reads values drawn from each
figure's range (uncertainty.draws). Nothing here knows which.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .bands import salary_band_figures, skill_cost, skill_keys, skill_uplift_figures
from .params import catalog_data, central_values
from .validate import Situation

WEEKS_PER_MONTH = 52 / 12


@dataclass(slots=True)  # not frozen: built hundreds of times a verdict, and frozen init is slow
class Figures:
    # Pay
    salary: float
    band_low: int
    band_mid: int
    band_high: int
    raise_rate: float
    # Promotion track (promotion_chance_* are 0 off a track)
    promotion_increase: float
    promotion_chance_without: float
    promotion_wait: float
    # Job switch
    catch_up: float  # yearly amount a new employer adds by closing the gap to the midpoint
    premium: float  # share over the yearly raise, after the above-band taper
    premium_per_skill: float
    band_taper: float  # 1 within the band, falling to 0 far above its top
    counted_held: int
    counted_max: int
    landing_base: float
    landing_per_skill: float
    landing_max: float
    search_months: float
    search_hours_cap: float
    search_slowdown: float
    completion_chance: float
    stay_capture: float
    # Side work
    side_rate: float  # gross hourly rate before the cut for missing client skills
    missing_client_skills: int
    missing_skill_discount: float
    billable_share: float
    billed_hours_cap: float
    side_overhead: float
    client_chance: float
    no_client_share: float
    ramp_months: float
    # Skill to learn (see skill_figures; these defaults: none, as when every skill is held)
    promotion_chance_with: float = 0.0
    skill: str | None = None
    skill_in_demand: bool = False
    skill_for_clients: bool = False
    skill_captured: float = 0.0  # yearly pay a newly skilled person can capture (realised share of the uplift)
    skill_relevance: float = 0.0
    study_hours: float = 0.0
    study_fee: float = 0.0


def names(kind: str) -> dict[str, dict]:
    return catalog_data()[kind]


def in_demand_skills(p, role: str) -> tuple[str, ...]:
    threshold = p("job_switch.in_demand_relevance")
    return tuple(k for k in names("skills") if p(f"skill_relevance.{role}.{k}") >= threshold)


@cache
def in_demand_for(role: str) -> frozenset[str]:
    """Which skills count as in demand for a role: a classification by the central relevance,
    so a drawn world varies how much a skill is worth, not which skills employers ask for."""
    return frozenset(in_demand_skills(central_values().__getitem__, role))


@cache
def client_skills() -> frozenset[str]:
    return frozenset(k for k, entry in names("skills").items() if entry["freelance_clients_pay"])


def band_taper(p, salary: float, mid: float, high: float) -> float:
    """1 up to the band's top, then falling linearly to 0 a set distance above it."""
    if salary <= high:
        return 1.0
    width = p("job_switch.above_band_taper") * max(high - mid, 1.0)
    return max(0.0, 1.0 - (salary - high) / width)


def side_rate(p, salary: float, band_high: float) -> float:
    """Gross freelance rate: about the salary's hourly equivalent, the salary counted up to
    the band's top, so side work never pays more an hour than the day job."""
    hourly = min(salary, band_high) / p("side_hustle.paid_hours_per_year")
    return hourly * p("side_hustle.rate_to_salary_hourly")


def figures(p, s: Situation, skill: str | None) -> Figures:
    return with_skill(p, s, situation_figures(p, s), skill)


@cache  # read for every simulated world: the keys are formatted once
def situation_keys(market: str, level: str) -> tuple[str, str, str, str]:
    """The keys of the market's yearly raise and switch premium, and the level's chance of
    landing an offer and months of search."""
    return (f"baseline.total_raise.{market}", f"job_switch.premium.{market}",
            f"job_switch.landing_chance.{level}", f"job_switch.search_months.{level}")


def situation_figures(p, s: Situation) -> dict:
    """Everything but the skill to learn (see with_skill), read once per situation."""
    band = salary_band_figures(p, s.role, s.level, s.market)
    salary = band["mid"] if s.salary is None else s.salary
    in_demand = in_demand_for(s.role)
    raise_key, premium_key, landing_key, search_key = situation_keys(s.market, s.level)
    counted_max = int(p("job_switch.in_demand_skills_counted"))
    taper = band_taper(p, salary, band["mid"], band["high"])
    on_track = s.promotion_track
    chance_without = p("promotion.chance_without_skill") if on_track else 0.0
    return {
        "salary": salary,
        "band_low": band["low"],
        "band_mid": band["mid"],
        "band_high": band["high"],
        "raise_rate": p(raise_key),
        "promotion_increase": p("promotion.increase") if on_track else 0.0,
        "promotion_chance_without": chance_without,
        "promotion_wait": p("promotion.wait_months"),
        "catch_up": p("job_switch.catch_up_share") * max(0.0, band["mid"] - salary),
        "premium": p(premium_key) * taper,
        "premium_per_skill": p("job_switch.premium_per_in_demand_skill") * taper,
        "band_taper": taper,
        "counted_held": min(len(in_demand.intersection(s.skills)), counted_max),
        "counted_max": counted_max,
        "landing_base": p(landing_key),
        "landing_per_skill": p("job_switch.landing_per_in_demand_skill"),
        "landing_max": p("job_switch.landing_chance_max"),
        "search_months": p(search_key),
        "search_hours_cap": p("job_switch.search_hours_per_week"),
        "search_slowdown": p("job_switch.slowdown_without_spare_hours"),
        "completion_chance": p("skill_upgrade.completion_chance"),
        "stay_capture": p("skill_upgrade.stay_capture_share"),
        "side_rate": side_rate(p, salary, band["high"]),
        "missing_client_skills": len(client_skills().difference(s.skills)),
        "missing_skill_discount": p("side_hustle.missing_skill_discount"),
        "billable_share": p("side_hustle.billable_days") / p("side_hustle.working_days"),
        "billed_hours_cap": p("side_hustle.max_billed_hours_per_week"),
        "side_overhead": p("side_hustle.overhead_share"),
        "client_chance": p("side_hustle.client_chance"),
        "no_client_share": p("side_hustle.no_client_share"),
        "ramp_months": p("side_hustle.ramp_months"),
    }


def with_skill(p, s: Situation, base: dict, skill: str | None) -> Figures:
    """The situation's figures with one skill to learn."""
    return Figures(**base, **skill_figures(p, s, base, skill))


def skill_figures(p, s: Situation, base: dict, skill: str | None) -> dict:
    """The figures that depend on the skill to learn (with none, the promotion's chance is the
    same with or without it)."""
    chance_with = base["promotion_chance_without"]
    if skill is None:
        return {"promotion_chance_with": chance_with}
    uplift = skill_uplift_figures(p, s.role, skill, s.market)
    relevance_key, _, _, hours_key = skill_keys(s.role, skill)
    relevance = p(relevance_key)
    captured = p("skill_upgrade.realised_share") * (uplift["low"] + uplift["high"]) / 2
    if s.promotion_track:
        chance_with += (p("promotion.chance_with_skill") - chance_with) * relevance
    return {
        "promotion_chance_with": chance_with,
        "skill": skill,
        "skill_in_demand": skill in in_demand_for(s.role),
        "skill_for_clients": skill in client_skills(),
        "skill_captured": captured * base["band_taper"],
        "skill_relevance": relevance,
        "study_hours": p(hours_key),
        "study_fee": skill_cost(p, skill, s.market),
    }


# Formulas on the figures -----------------------------------------------------------------

def landing_chance(f: Figures, with_skill: bool) -> float:
    """Chance one search lands a better offer; a learned in-demand skill counts as held."""
    counted = min(f.counted_held + (1 if with_skill and f.skill_in_demand else 0), f.counted_max)
    return min(f.landing_max, f.landing_base + f.landing_per_skill * counted)


def switch_premium(f: Figures, with_skill: bool) -> float:
    counted = min(f.counted_held + (1 if with_skill and f.skill_in_demand else 0), f.counted_max)
    return f.premium + f.premium_per_skill * counted


def offer_gain(f: Figures, with_skill: bool) -> float:
    """Yearly pay a new employer adds before any promotion given up: the gap closed, the
    premium on the pay the role commands, and the learned skill's captured value."""
    market_pay = f.salary + f.catch_up
    gain = market_pay * (1 + switch_premium(f, with_skill)) - f.salary
    return gain + (f.skill_captured if with_skill else 0.0)


def forfeited_promotion(f: Figures, promoted_without: float) -> float:
    """Yearly value of the promotion staying put would have brought, given up by a move."""
    return promoted_without * f.promotion_increase * f.salary


def switch_gain(f: Figures, with_skill: bool, promoted_without: float) -> float:
    """Yearly gain of a move that lands: the offer less the promotion given up. An offer worth
    less than what staying would bring is turned down, so it is never below 0."""
    return max(0.0, offer_gain(f, with_skill) - forfeited_promotion(f, promoted_without))


def search_months(f: Figures, spare_hours: float) -> float:
    """Months to the first new paycheck; slower the fewer spare hours the search gets."""
    cap = f.search_hours_cap
    share = (spare_hours if spare_hours < cap else cap) / cap if cap > 0 else 1.0  # min(), written out: run per plan
    return f.search_months * (1 + f.search_slowdown * (1 - share))


def study_months(f: Figures, hours_per_week: float) -> float:
    return f.study_hours / (hours_per_week * WEEKS_PER_MONTH)


def skill_gain_at_employer(f: Figures, promoted_with: float, promoted_without: float) -> float:
    """Yearly gain of a learned skill without a move: on a track, the better chance of the
    promotion (and the skill's value with it); otherwise what the yearly review pays."""
    if f.promotion_increase > 0:
        promoted_pay = f.promotion_increase * f.salary
        return promoted_with * (promoted_pay + f.skill_captured) - promoted_without * promoted_pay
    return f.stay_capture * f.skill_captured


def skill_gain_after_move(f: Figures) -> float:
    """A skill learned after moving: a new employer's review pays part of it (no known track)."""
    return f.stay_capture * f.skill_captured


def billed_hours(f: Figures, hours_per_week: float) -> float:
    """Hours a week clients buy: nearly the billable share of a few hours, approaching the cap
    as the hours rise, so each extra hour bills less than the one before."""
    demand = f.billable_share * hours_per_week
    return demand * f.billed_hours_cap / (f.billed_hours_cap + demand)


def side_hourly_rate(f: Figures, missing: int) -> float:
    return f.side_rate * max(0.0, 1 - f.missing_skill_discount * missing)


def side_monthly_income(f: Figures, hours_per_week: float, hourly_rate: float, client_weight: float) -> float:
    """Side income a month at full speed, after platform fees and tools, before income tax;
    hourly_rate is side_hourly_rate's, worked out once for every stretch of side work."""
    return (billed_hours(f, hours_per_week) * WEEKS_PER_MONTH * hourly_rate
            * (1 - f.side_overhead) * client_weight)
