"""The verdict model, rule by rule: scenario table plus focused checks of each rule."""

import math
import tomllib
from pathlib import Path

import pytest

from engine import verdict
from engine import model
from engine.params import ParamView, parameter_index

SCENARIOS = tomllib.loads((Path(__file__).parent / "scenarios" / "verdicts.toml").read_text())["scenario"]
BACKEND_US = {"role": "backend-developer", "level": "mid", "market": "us"}


def by_path(result):
    return {item["path"]: item for item in result["paths"]}


def p():
    return ParamView(parameter_index())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario):
    result = verdict(scenario["answers"])
    assert result["best_path"] == scenario["best_path"], result["headline"]
    assert result["paths"][0]["path"] == scenario["best_path"]
    if "sequence" in scenario:
        assert result["sequence"] == scenario["sequence"]
    if "sequence_starts" in scenario:
        assert result["sequence"][: len(scenario["sequence_starts"])] == scenario["sequence_starts"]
    if "skill" in scenario:
        assert result["skill_to_learn"]["skill"] == scenario["skill"]


def test_zero_spare_hours_side_hustle_earns_nothing_and_never_wins():
    for urgency in ("now", "soon", "flexible"):
        for salary in (40000, 115000, 300000):
            result = verdict({**BACKEND_US, "salary": salary, "hours_per_week": 0, "urgency": urgency,
                              "skills": ["cloud", "api-design"]})
            side = by_path(result)["side_hustle"]
            assert side["monthly"] == [0] * 36
            assert side["payoff_month"] is None
            assert result["best_path"] != "side_hustle"
            assert result["skill_to_learn"]["months_to_marketable"] is None
            assert by_path(result)["skill_upgrade"]["gain_36m"] == 0


def test_fewer_spare_hours_mean_more_months_to_marketable():
    held = ["kubernetes", "system-design", "ai-ml", "api-design", "sql", "data-engineering", "security"]
    months = []
    for hours in (2, 5, 10, 20):
        result = verdict({**BACKEND_US, "hours_per_week": hours, "urgency": "soon", "skills": held})
        assert result["skill_to_learn"]["skill"] == "cloud"
        months.append(result["skill_to_learn"]["months_to_marketable"])
    assert months == sorted(months, reverse=True) and len(set(months)) == 4
    # 130 hours at 5 hours a week of 52/12 weeks a month
    assert months[1] == round(130 / (5 * 52 / 12), 1)


def test_skill_already_held_is_never_suggested():
    result = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon", "skills": ["ai-ml", "cloud"]})
    assert result["skill_to_learn"]["skill"] not in ("ai-ml", "cloud")


def test_every_skill_held_leaves_nothing_to_learn():
    everything = ["cloud", "kubernetes", "system-design", "ai-ml", "api-design", "sql", "data-engineering", "security"]
    result = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon", "skills": everything})
    assert result["skill_to_learn"] is None
    assert by_path(result)["skill_upgrade"]["gain_36m"] == 0


def test_promotion_track_makes_skill_upgrade_stronger():
    answers = {**BACKEND_US, "hours_per_week": 5, "urgency": "soon"}
    without = by_path(verdict(answers))["skill_upgrade"]["gain_36m"]
    with_track = by_path(verdict({**answers, "promotion_track": True}))["skill_upgrade"]["gain_36m"]
    assert with_track > without


def test_in_demand_skills_raise_landing_chance_and_premium():
    answers = {**BACKEND_US, "salary": 115000, "hours_per_week": 5, "urgency": "soon"}
    plain = by_path(verdict(answers))["job_switch"]
    skilled = by_path(verdict({**answers, "skills": ["cloud", "system-design"]}))["job_switch"]
    assert skilled["landing_probability"] > plain["landing_probability"]
    assert skilled["annual_gain"] > plain["annual_gain"]
    assert skilled["gain_36m"] > plain["gain_36m"]


def test_underpaid_catch_up_grows_the_switch_gain():
    answers = {**BACKEND_US, "hours_per_week": 5, "urgency": "soon"}
    at_mid = by_path(verdict({**answers, "salary": 115000}))["job_switch"]
    under = by_path(verdict({**answers, "salary": 95000}))["job_switch"]
    above = by_path(verdict({**answers, "salary": 150000}))["job_switch"]
    assert under["annual_gain"] - at_mid["annual_gain"] == round(0.8 * 20000)
    assert above["annual_gain"] == at_mid["annual_gain"]


def test_switch_pays_nothing_during_the_search_and_notes_the_cycle():
    result = verdict({**BACKEND_US, "salary": 90000, "hours_per_week": 5, "urgency": "soon", "skills": ["cloud"]})
    switch = by_path(result)["job_switch"]
    search = p()("job_switch.search_months")
    assert all(a > b for a, b in zip(switch["monthly"][:search], switch["monthly"][1:search]))  # only costs
    assert switch["monthly"][search] > switch["monthly"][search - 1]
    assert any("unemployment" in reason for reason in switch["reasons"])
    assert "job_switch.premium" in {a["key"] for a in result["assumptions"]}


def test_missing_client_skills_lower_the_side_hustle_rate():
    answers = {**BACKEND_US, "salary": 125000, "hours_per_week": 10, "urgency": "soon"}
    rates = [by_path(verdict({**answers, "skills": skills}))["side_hustle"]["hourly_rate"]
             for skills in (["cloud", "api-design"], ["cloud"], [])]
    assert rates[0] > rates[1] > rates[2]


def test_side_hustle_ramps_up_from_nothing():
    result = verdict({**BACKEND_US, "salary": 125000, "hours_per_week": 10, "urgency": "soon",
                      "skills": ["cloud", "api-design"]})
    monthly = by_path(result)["side_hustle"]["monthly"]
    steps = [b - a for a, b in zip([0] + monthly, monthly)]
    assert steps[0] == 0
    ramp = p()("side_hustle.ramp_months")
    assert all(steps[i] < steps[i + 1] for i in range(ramp))
    assert max(steps[ramp + 1:]) - min(steps[ramp + 1:]) <= 1  # flat after the ramp (rounding)


def test_pay_gains_grow_with_the_yearly_raise():
    raise_rate = p()("baseline.total_raise")
    assert model.raise_growth(p(), 12) == 1.0
    assert model.raise_growth(p(), 13) == pytest.approx(1 + raise_rate)
    assert model.raise_growth(p(), 36) == pytest.approx((1 + raise_rate) ** 2)


def test_months_to_marketable_rule():
    assert model.months_to_marketable(130, 0) is None
    assert model.months_to_marketable(130, 10) == pytest.approx(130 / (10 * 52 / 12))
    assert model.months_to_marketable(130, 3) > model.months_to_marketable(130, 6)


def test_payoff_month_is_the_first_positive_month():
    assert model.payoff_month([-5, 0, 3, -1] + [0] * 32) == 3
    assert model.payoff_month([0] * 36) is None


def test_urgency_changes_the_ranking_month():
    answers = {**BACKEND_US, "hours_per_week": 5, "promotion_track": True}
    assert verdict({**answers, "urgency": "now"})["ranking_month"] == 12
    assert verdict({**answers, "urgency": "flexible"})["ranking_month"] == 36
    # A skill pays late, so income pressure now ranks the side hustle above it.
    assert verdict({**answers, "urgency": "now"})["best_path"] != "skill_upgrade"


def test_sequence_is_distinct_known_paths():
    for urgency in ("now", "soon", "flexible"):
        for salary in (60000, 115000, 180000):
            result = verdict({**BACKEND_US, "salary": salary, "hours_per_week": 6, "urgency": urgency})
            assert result["sequence"]
            assert len(set(result["sequence"])) == len(result["sequence"])
            assert set(result["sequence"]) <= {"job_switch", "skill_upgrade", "side_hustle"}


def test_missing_salary_uses_the_band_midpoint_and_says_so():
    result = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    band = result["market_band"]
    assert band["salary"] == band["mid"] == 115000 and band["salary_given"] is False
    assert result["situation"]["salary"] is None


def test_headline_names_the_best_path_and_its_gain():
    result = verdict({**BACKEND_US, "salary": 90000, "hours_per_week": 5, "urgency": "soon", "skills": ["cloud"]})
    best = result["paths"][0]
    assert result["headline"].startswith("Switch jobs")
    assert f"${round(best['gain_36m'] / 1000)}k" in result["headline"]
    assert f"month {best['payoff_month']}" in result["headline"]


def test_output_has_the_contract_keys():
    result = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    for key in ("best_path", "paths", "sequence", "skill_to_learn", "currency", "market_band", "headline", "assumptions"):
        assert key in result
    for item in result["paths"]:
        assert {"path", "gain_12m", "gain_36m", "payoff_month", "monthly", "reasons"} <= set(item)
        assert item["reasons"] and all(isinstance(r, str) and r.endswith(".") for r in item["reasons"])
    assert {"skill", "name", "uplift_low", "uplift_high", "months_to_marketable"} <= set(result["skill_to_learn"])
    assert {"low", "high", "mid"} <= set(result["market_band"])
    for item in result["assumptions"]:
        assert {"key", "value", "unit", "source", "date"} <= set(item)


@pytest.mark.parametrize("market,currency", [("us", "USD"), ("uk", "GBP"), ("in", "INR"), ("ae", "AED")])
def test_currency_follows_the_market(market, currency):
    result = verdict({**BACKEND_US, "market": market, "hours_per_week": 5, "urgency": "soon"})
    assert result["currency"] == currency == result["market_band"]["currency"]


def test_side_hustle_gain_worked_by_hand():
    """10 h/week, US backend, cloud and API design held: rate $44 x 1.5, 179/253 billable, 30% tax."""
    result = verdict({**BACKEND_US, "salary": 125000, "hours_per_week": 10, "urgency": "soon",
                      "skills": ["cloud", "api-design"]})
    full_month = 10 * 52 / 12 * 44 * 1.5 * 179 / 253 * (1 - 0.3)
    ramp = sum(min(1, (m - 1) / 6) for m in range(1, 37))
    assert by_path(result)["side_hustle"]["gain_36m"] == round(full_month * ramp)


def test_job_switch_gain_worked_by_hand():
    """$95k against a $115k midpoint, no in-demand skill: 50% x (1.9% x 115k + 80% x 20k) after 3 months."""
    result = verdict({**BACKEND_US, "salary": 95000, "hours_per_week": 5, "urgency": "soon"})
    annual = 0.019 * 115000 + 0.8 * 20000
    monthly = 0.5 * annual / 12
    pay = monthly * (9 + 12 * 1.035 + 12 * 1.035 ** 2)
    hour_value = 44 * 1.5 * (1 - 2 * 0.2) * 179 / 253 * (1 - 0.3)  # no cloud, no API design
    switch = by_path(result)["job_switch"]
    assert switch["gain_36m"] == pytest.approx(pay - 60 * hour_value, abs=1)
    assert switch["monthly"][2] == pytest.approx(-60 * hour_value, abs=1)


def test_promotion_route_worked_by_hand():
    """Cloud on a promotion track: (70% - 10%) x (50% x $32.5k + 8.5% x $115k) a year, from month 13."""
    held = ["kubernetes", "system-design", "ai-ml", "api-design", "sql", "data-engineering", "security"]
    result = verdict({**BACKEND_US, "hours_per_week": 10, "urgency": "soon", "promotion_track": True,
                      "skills": held})
    assert result["skill_to_learn"]["skill"] == "cloud"
    annual = (0.7 - 0.1) * (0.5 * 32500 + 0.085 * 115000)
    study_months = 130 / (10 * 52 / 12)  # 3.0 months, so pay starts after 3 + 6 months
    hour_value = 44 * 1.5 * (1 - 0.2) * 179 / 253 * 0.7  # cloud missing, API design held
    costs = 300 + 130 * hour_value
    first_paid = math.ceil(study_months) + 6 + 1
    pay = sum(annual / 12 * (1.035 ** ((m - 1) // 12)) for m in range(first_paid, 37))
    assert by_path(result)["skill_upgrade"]["gain_36m"] == pytest.approx(pay - costs, abs=1)
