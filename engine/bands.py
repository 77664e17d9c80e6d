"""Salary bands and skill uplifts for any role and market, derived from the backend figures.

Each function takes `p`, a callable from parameter key to value (a ParamView in the
model, so the keys used end up in the verdict's assumptions).
"""

from __future__ import annotations

from functools import cache

REFERENCE_ROLE = "backend-developer"
REFERENCE_MARKET = "us"
REFERENCE_LEVEL = "mid"


@cache  # read for every simulated world: the keys are formatted once
def band_keys(role: str, level: str, market: str) -> tuple[str, str, str]:
    base = f"salary_band.{REFERENCE_ROLE}.{market}.{level}"
    return f"{base}.low", f"{base}.high", f"role_pay_ratio.{role}"


def salary_band_figures(p, role: str, level: str, market: str) -> dict:
    """Low, high and midpoint (ints) of the annual band in the market's currency."""
    low_key, high_key, ratio_key = band_keys(role, level, market)
    ratio = p(ratio_key)
    low = round(p(low_key) * ratio)
    high = round(p(high_key) * ratio)
    return {"low": low, "high": high, "mid": round((low + high) / 2)}


@cache
def scale_keys(market: str) -> tuple[str, str, str, str]:
    """The band keys market_scale reads: the market's, then the reference market's."""
    return (*band_keys(REFERENCE_ROLE, REFERENCE_LEVEL, market)[:2],
            *band_keys(REFERENCE_ROLE, REFERENCE_LEVEL, REFERENCE_MARKET)[:2])


def market_scale(p, market: str) -> float:
    """Pay level of a market against the US, from mid-level backend band midpoints."""
    low, high, reference_low, reference_high = scale_keys(market)
    return (p(low) + p(high)) / 2 / ((p(reference_low) + p(reference_high)) / 2)


def round_hundreds(amount: float) -> int:
    return int(round(amount, -2))


@cache  # read for every simulated world: the keys are formatted once
def skill_keys(role: str, skill: str) -> tuple[str, str, str, str]:
    """The keys of a skill's relevance to a role, its uplift's low and high, and its study hours."""
    return (f"skill_relevance.{role}.{skill}", f"skill_uplift.{skill}.low", f"skill_uplift.{skill}.high",
            f"skill_hours.{skill}")


def skill_uplift_figures(p, role: str, skill: str, market: str) -> dict:
    """Annual uplift range (ints, market currency) and study hours of a skill for a role."""
    relevance_key, low_key, high_key, hours_key = skill_keys(role, skill)
    scale = market_scale(p, market) * p(relevance_key)
    return {
        "low": round_hundreds(p(low_key) * scale),
        "high": round_hundreds(p(high_key) * scale),
        "hours_to_marketable": int(p(hours_key)),
    }


def skill_cost(p, skill: str, market: str) -> int:
    """Course and certification cost in the market's currency."""
    return round_hundreds(p(f"skill_cost.{skill}") * market_scale(p, market))
