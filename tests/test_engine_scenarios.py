"""The verdict model, situation by situation: the adviser's table, then focused checks of each figure and rule."""

import re
import tomllib
from pathlib import Path

import pytest

from engine import figures as fx
from engine import verdict
from engine.params import ParamView, central_values, parameter_index
from engine.planner import choose, choose_skill
from engine.plans import SINGLE_PATHS, timetable
from engine.simulate import EXPECTED, growth_area, plan_terms, settle, value_at, values_at
from engine.validate import situation

SCENARIOS = tomllib.loads((Path(__file__).parent / "scenarios" / "verdicts.toml").read_text())["scenario"]
BACKEND_US = {"role": "backend-developer", "level": "mid", "market": "us"}


def by_path(result):
    return {item["path"]: item for item in result["paths"]}


def central(key):
    return parameter_index()[key]["value"]


def figures_for(answers, skill=None):
    return fx.figures(ParamView(parameter_index()), situation(answers), skill)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario):
    result = verdict(scenario["answers"])
    plan_paths = [step["path"] for step in result["plan"]]
    if "first" in scenario:
        assert result["best_path"] == scenario["first"], result["headline"]
    if "plan_starts" in scenario:
        assert result["sequence"][: len(scenario["plan_starts"])] == scenario["plan_starts"], result["sequence"]
    for path in scenario.get("includes", []):
        assert path in plan_paths, (path, result["sequence"])
    for path in scenario.get("excludes", []):
        assert path not in plan_paths, (path, result["sequence"])


# Figures that fit the situation --------------------------------------------------------------

def test_the_switch_premium_and_the_yearly_raise_are_the_markets_own():
    premiums = {m: central(f"job_switch.premium.{m}") for m in ("us", "uk", "in", "ae")}
    raises = {m: central(f"baseline.total_raise.{m}") for m in ("us", "uk", "in", "ae")}
    assert len(set(premiums.values())) == 4 and len(set(raises.values())) == 4
    assert premiums["in"] > premiums["us"] and raises["in"] > raises["us"]
    f = figures_for({**BACKEND_US, "market": "in", "hours_per_week": 5, "urgency": "soon"})
    assert f.premium == premiums["in"] and f.raise_rate == raises["in"]


def test_at_the_midpoint_in_india_a_switch_pays_within_the_year():
    result = verdict({**BACKEND_US, "market": "in", "hours_per_week": 5, "urgency": "soon"})
    assert by_path(result)["job_switch"]["gain_12m"] > 0


def test_the_freelance_rate_follows_level_and_never_beats_the_salary_an_hour():
    rates = {level: by_path(verdict({**BACKEND_US, "level": level, "hours_per_week": 5, "urgency": "soon",
                                     "skills": ["cloud", "api-design"]}))["side_hustle"]["hourly_rate"]
             for level in ("entry", "mid", "senior", "lead")}
    assert rates["entry"] < rates["mid"] < rates["senior"] < rates["lead"]
    lead_band = figures_for({**BACKEND_US, "level": "lead", "hours_per_week": 5, "urgency": "soon"})
    assert rates["lead"] >= 0.7 * lead_band.salary / 2080  # not the flat all-fields rate of old


def test_billed_hours_rise_ever_more_slowly_towards_the_cap():
    f = figures_for({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    billed = [fx.billed_hours(f, h) for h in (1, 5, 10, 20, 40, 60)]
    assert billed == sorted(billed) and billed[-1] < f.billed_hours_cap
    assert billed[1] / 5 > billed[3] / 20 > billed[4] / 40  # utilisation falls as the hours rise
    assert billed[0] == pytest.approx(f.billable_share, rel=0.1)


def test_a_salary_far_above_the_band_shrinks_what_a_move_adds():
    top = figures_for({**BACKEND_US, "salary": 130000, "hours_per_week": 5, "urgency": "soon"})
    above = figures_for({**BACKEND_US, "salary": 140000, "hours_per_week": 5, "urgency": "soon"})
    far = figures_for({**BACKEND_US, "salary": 200000, "hours_per_week": 5, "urgency": "soon"})
    assert top.band_taper == 1 and 0 < above.band_taper < 1 and far.band_taper == 0
    assert fx.offer_gain(far, False) == 0
    assert fx.offer_gain(above, False) / above.salary < fx.offer_gain(top, False) / top.salary


def test_landing_chance_and_search_months_depend_on_level():
    chances = {lv: figures_for({**BACKEND_US, "level": lv, "hours_per_week": 5, "urgency": "soon"}).landing_base
               for lv in ("entry", "mid", "senior", "lead")}
    months = {lv: figures_for({**BACKEND_US, "level": lv, "hours_per_week": 5, "urgency": "soon"}).search_months
              for lv in ("entry", "mid", "senior", "lead")}
    assert len(set(chances.values())) > 1 and len(set(months.values())) > 1
    assert months["lead"] > months["mid"]


def test_fewer_spare_hours_make_a_search_slower_but_never_impossible():
    f = figures_for({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    assert fx.search_months(f, 0) > fx.search_months(f, 2) > fx.search_months(f, 5) == f.search_months
    assert fx.search_months(f, 40) == f.search_months


def test_the_skills_relevance_scales_the_promotion_it_wins():
    track = {**BACKEND_US, "hours_per_week": 5, "urgency": "soon", "promotion_track": True}
    relevant = figures_for(track, "cloud")  # relevance 1 for backend developers
    marginal = figures_for(track, "sql")  # relevance 0.4
    assert relevant.promotion_chance_with == central("promotion.chance_with_skill")
    assert relevant.promotion_chance_without < marginal.promotion_chance_with < relevant.promotion_chance_with


def test_a_move_gives_up_the_promotion_track():
    off = figures_for({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    on = figures_for({**BACKEND_US, "hours_per_week": 5, "urgency": "soon", "promotion_track": True})
    assert fx.forfeited_promotion(off, off.promotion_chance_without) == 0
    given_up = fx.forfeited_promotion(on, on.promotion_chance_without)
    assert given_up == pytest.approx(central("promotion.chance_without_skill") * central("promotion.increase") * 115000)
    on_track = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "flexible", "promotion_track": True})
    off_track = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "flexible"})
    assert by_path(on_track)["job_switch"]["gain_36m"] < by_path(off_track)["job_switch"]["gain_36m"]
    assert any("gives up your promotion track" in r for r in by_path(on_track)["job_switch"]["reasons"])
    assert not any("promotion track" in r for r in by_path(off_track)["job_switch"]["reasons"])


def test_a_learned_skill_lifts_a_later_switch_and_the_side_rate():
    f = figures_for({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"}, "cloud")
    assert fx.landing_chance(f, True) > fx.landing_chance(f, False)
    assert fx.offer_gain(f, True) > fx.offer_gain(f, False) + f.skill_captured * 0.99
    lifted = fx.side_hourly_rate(f, f.missing_client_skills - 1)
    assert lifted > fx.side_hourly_rate(f, f.missing_client_skills)


# One budget of hours ---------------------------------------------------------------------------

@pytest.mark.parametrize("hours", [0.5, 3, 8, 20, 60])
def test_every_candidate_plan_stays_within_the_hours_in_every_instant(hours):
    s = situation({**BACKEND_US, "hours_per_week": hours, "urgency": "flexible"})
    p = ParamView(parameter_index())
    choice = choose(p, s, choose_skill(p, s))
    from engine.plans import hours_in_use, recipes
    for recipe in recipes(hours, True):
        table = timetable(recipe, choice.figures, hours)
        instants = {0.0, *(t for step in (table.study, table.search, *table.side) if step for t in step[:2])}
        for t in sorted(instants) + [k / 4 for k in range(145)]:
            assert hours_in_use(table, t) <= hours + 1e-9, (recipe, t)


def test_no_spare_hours_means_no_study_and_no_side_work():
    for urgency in ("now", "soon", "flexible"):
        for salary in (40000, 115000, 300000):
            result = verdict({**BACKEND_US, "salary": salary, "hours_per_week": 0, "urgency": urgency,
                              "skills": ["cloud", "api-design"]})
            assert {step["path"] for step in result["plan"]} <= {"job_switch"}
            assert all(step["hours_per_week"] == 0 for step in result["plan"])
            assert by_path(result)["side_hustle"]["monthly"] == [0] * 36
            assert by_path(result)["skill_upgrade"]["monthly"] == [0] * 36
            assert result["skill_to_learn"]["months_to_marketable"] is None
            assert "No plan beats" not in result["headline"] or result["plan"] == []


def test_the_best_path_is_the_plans_first_step_and_the_headline_names_it_with_a_range():
    result = verdict({**BACKEND_US, "salary": 92000, "hours_per_week": 5, "urgency": "now", "skills": ["cloud"]})
    assert result["best_path"] == result["plan"][0]["path"] == "job_switch"
    assert re.fullmatch(r"Switch jobs first: likely [+-]?\$[\d.]+k? to \+\$[\d.]+k by month 6\.", result["headline"]), \
        result["headline"]


def test_staying_put_is_said_plainly():
    result = verdict({**BACKEND_US, "salary": 200000, "hours_per_week": 0, "urgency": "soon"})
    assert result["best_path"] == "stay_put" and result["plan"] == [] and result["sequence"] == []
    assert result["headline"].startswith("Stay where you are")
    assert result["plan_result"]["monthly"] == [0] * 36


@pytest.mark.parametrize("urgency, month", [("now", 6), ("soon", 12), ("flexible", 36)])
def test_urgency_sets_the_ranking_month(urgency, month):
    result = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": urgency})
    assert result["ranking_month"] == month
    assert result["headline"].endswith(f"by month {month}.")


def test_within_a_year_the_plan_is_judged_at_month_12_not_24():
    """A visitor who needs more income within a year is never told to start with a skill that is
    still behind at month 12 while another single path is ahead."""
    for hours in (3, 5, 8):
        for salary in (92000, 115000, 138000):
            result = verdict({**BACKEND_US, "salary": salary, "hours_per_week": hours, "urgency": "soon"})
            if result["best_path"] == "skill_upgrade":
                assert result["plan_result"]["gain_12m"] >= max(p["gain_12m"] for p in result["paths"])


# Smooth in the answers -----------------------------------------------------------------------

def test_hundredths_of_an_hour_never_flip_the_first_step_back_and_forth():
    for base in (BACKEND_US, {"role": "data-analyst", "level": "entry", "market": "in"}):
        firsts = [verdict({**base, "hours_per_week": h / 100, "urgency": "soon"})["best_path"]
                  for h in range(260, 310)]
        changes = sum(a != b for a, b in zip(firsts, firsts[1:]))
        assert changes <= 1, firsts


def test_study_months_are_fractional():
    f = figures_for({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"}, "cloud")
    assert fx.study_months(f, 7) == pytest.approx(130 / (7 * 52 / 12))
    table_a = timetable(SINGLE_PATHS["skill_upgrade"], f, 7.0)
    table_b = timetable(SINGLE_PATHS["skill_upgrade"], f, 7.01)
    assert 0 < table_a.study[1] - table_b.study[1] < 0.01


# The simulation, worked by hand --------------------------------------------------------------

def test_pay_gains_grow_with_the_yearly_raise():
    r = central("baseline.total_raise.us")
    assert growth_area(12, r) == 12
    assert growth_area(24, r) == pytest.approx(12 + 12 * (1 + r))
    assert growth_area(36, r) == pytest.approx(12 + 12 * (1 + r) + 12 * (1 + r) ** 2)


def test_switch_alone_worked_by_hand():
    answers = {**BACKEND_US, "salary": 100000, "hours_per_week": 5, "urgency": "soon"}
    f = figures_for(answers)
    catch_up = central("job_switch.catch_up_share") * 15000
    gain = (100000 + catch_up) * (1 + central("job_switch.premium.us")) - 100000
    p = central("job_switch.landing_chance.mid")
    months = central("job_switch.search_months.mid")
    second_end = months + months * (1 + central("job_switch.slowdown_without_spare_hours"))
    r = central("baseline.total_raise.us")
    expected = gain / 12 * (p * (growth_area(36, r) - growth_area(months, r))
                            + (1 - p) * p * (growth_area(36, r) - growth_area(second_end, r)))
    terms = plan_terms(timetable(SINGLE_PATHS["job_switch"], f, 5.0), f, settle(f, EXPECTED))
    assert value_at(terms, 36, f) == pytest.approx(expected)
    assert round(expected) == by_path(verdict(answers))["job_switch"]["gain_36m"]


def test_side_work_alone_worked_by_hand():
    answers = {**BACKEND_US, "hours_per_week": 5, "urgency": "soon", "skills": ["cloud", "api-design"]}
    f = figures_for(answers)
    share = central("side_hustle.billable_days") / central("side_hustle.working_days")
    cap = central("side_hustle.max_billed_hours_per_week")
    billed = 5 * share * cap / (cap + 5 * share)
    rate = 115000 / 2080 * central("side_hustle.rate_to_salary_hourly")
    found = central("side_hustle.client_chance")
    weight = found + (1 - found) * central("side_hustle.no_client_share")
    monthly = billed * 52 / 12 * rate * (1 - central("side_hustle.overhead_share")) * weight
    ramp = central("side_hustle.ramp_months")
    expected_36 = monthly * (36 - ramp / 2)
    terms = plan_terms(timetable(SINGLE_PATHS["side_hustle"], f, 5.0), f, settle(f, EXPECTED))
    assert value_at(terms, 36, f) == pytest.approx(expected_36)
    assert value_at(terms, 3, f) == pytest.approx(monthly * 9 / (2 * ramp))


def test_side_work_never_nets_more_an_hour_than_the_day_job():
    for level in ("entry", "mid", "senior", "lead"):
        for salary in (None, 1, 50000, 10_000_000):
            answers = {**BACKEND_US, "level": level, "hours_per_week": 1, "urgency": "soon",
                       "skills": ["cloud", "api-design"], **({"salary": salary} if salary else {})}
            f = figures_for(answers)
            for hours in (0.5, 5, 40):
                yearly = fx.side_monthly_income(f, hours, fx.side_hourly_rate(f, 0), 1.0) * 12
                assert yearly <= f.salary / 2080 * hours * 52


def test_skill_then_switch_worked_by_the_model_beats_skill_alone_off_a_track():
    answers = {**BACKEND_US, "hours_per_week": 8, "urgency": "flexible"}
    result = verdict(answers)
    assert result["sequence"][:2] == ["skill_upgrade", "job_switch"]
    assert result["plan_result"]["gain_36m"] > by_path(result)["skill_upgrade"]["gain_36m"]
    assert "first lifts the chance of an offer" in result["sequence_reason"]


# Reasons from the drivers ----------------------------------------------------------------------

def test_reasons_state_this_situations_figures_and_only_when_they_apply():
    under = verdict({**BACKEND_US, "salary": 90000, "hours_per_week": 5, "urgency": "soon"})
    at = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    under_switch, at_switch = by_path(under)["job_switch"]["reasons"], by_path(at)["job_switch"]["reasons"]
    assert any("$25k below the band midpoint of $120k" in r for r in under_switch)  # 115k, to two figures
    assert not any("below the band midpoint" in r for r in at_switch)
    side = by_path(at)["side_hustle"]["reasons"]
    assert not any("midpoint" in r for r in side)  # no fixed sentence about pay and spare hours
    assert any("$55 an hour" in r and "$33" in r for r in side)  # own hourly pay; cut for two missing skills
    held = verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon", "skills": ["cloud", "api-design"]})
    assert not any("less" in r and "clients ask for" in r for r in by_path(held)["side_hustle"]["reasons"])


def test_display_amounts_have_two_significant_figures():
    result = verdict({**BACKEND_US, "salary": 92345, "hours_per_week": 7, "urgency": "soon", "skills": ["cloud"]})
    texts = [result["headline"], result["sequence_reason"], *(r for p in result["paths"] for r in p["reasons"]),
             *(s["summary"] for s in result["plan"])]
    for text in texts:
        for amount in re.findall(r"\$([\d,.]+)(k|M)?", text):
            digits = amount[0].replace(",", "").replace(".", "").lstrip("0")
            assert len(digits.rstrip("0")) <= 2, (amount, text)


# Tipping points ------------------------------------------------------------------------------

def test_tipping_points_hold_when_applied_and_name_a_valid_value():
    answers = {**BACKEND_US, "hours_per_week": 10, "urgency": "soon", "skills": ["cloud", "api-design"], "salary": 125000}
    result = verdict(answers)
    fields = {tip["field"] for tip in result["tipping_points"]}
    assert {"hours_per_week", "salary", "urgency"} <= fields
    for tip in result["tipping_points"]:
        assert tip["best_path"] != result["best_path"]
        applied = verdict({**answers, tip["field"]: tip["value"]})
        assert applied["best_path"] == tip["best_path"], tip


def test_the_hours_tipping_point_is_the_nearest_on_its_grid():
    answers = {**BACKEND_US, "hours_per_week": 5, "urgency": "soon"}
    result = verdict(answers)
    up = [t for t in result["tipping_points"] if t["field"] == "hours_per_week" and t["value"] > 5]
    assert up, result["tipping_points"]
    value = up[0]["value"]
    assert re.match(r"With [\d.]+ more spare hours a week", up[0]["sentence"])
    before = verdict({**answers, "hours_per_week": value - 0.5})
    assert before["best_path"] == result["best_path"]


def test_a_move_that_would_pay_less_than_staying_is_shown_as_no_gain_not_a_loss():
    """At the midpoint on a promotion track the promotion given up outweighs the premium: the
    offer is turned down, in the simulation and in the figures shown alike."""
    result = verdict({**BACKEND_US, "hours_per_week": 0, "urgency": "flexible", "promotion_track": True})
    switch = by_path(result)["job_switch"]
    assert switch["annual_gain"] == 0 and switch["gain_36m"] == 0
    assert result["best_path"] == "stay_put"


def test_curves_in_one_pass_equal_month_by_month_values():
    """values_at (the curves) and value_at (the plan search) must never disagree."""
    p = central_values().__getitem__
    for answers in ({"role": "ml-engineer", "level": "lead", "market": "ae", "hours_per_week": 20,
                     "urgency": "soon", "skills": ["ai-ml"], "promotion_track": True},
                    {"role": "data-analyst", "level": "entry", "market": "in", "hours_per_week": 3,
                     "urgency": "flexible"}):
        s = situation(answers)
        choice = choose(p, s, choose_skill(p, s))
        for _, _, terms in choice.candidates:
            months = [0.5 * k for k in range(73)]
            assert values_at(terms, months, choice.figures) == [value_at(terms, m, choice.figures) for m in months]


def test_a_timetable_reads_nothing_but_the_pace():
    """Salary probes reuse the verdict's timetables when the pace is the same: that holds only
    while timetable reads no other figure (an attribute it lacks would raise here)."""
    from types import SimpleNamespace

    from engine.figures import figures
    from engine.plans import pace, recipes

    p = central_values().__getitem__
    s = situation({"role": "backend-developer", "level": "senior", "market": "uk", "hours_per_week": 12,
                   "urgency": "soon", "promotion_track": True})
    f = figures(p, s, choose_skill(p, s))
    only_pace = SimpleNamespace(**dict(zip(("study_hours", "search_months", "search_hours_cap", "search_slowdown"),
                                           pace(f))))
    for recipe in recipes(12.0, True):
        assert timetable(recipe, only_pace, 12.0) == timetable(recipe, f, 12.0)


def test_prepare_draws_the_worlds_a_first_verdict_then_uses():
    """The quiz's warm-up: after prepare(), a first verdict draws no worlds of its own."""
    from engine import prepare
    from engine.uncertainty import draws

    draws.cache_clear()
    prepare()
    assert draws.cache_info().misses == 1
    verdict({**BACKEND_US, "hours_per_week": 5, "urgency": "soon"})
    info = draws.cache_info()
    assert info.misses == 1 and info.hits >= 1
