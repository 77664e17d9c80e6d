"""Properties of the verdict over generated answers (hypothesis)."""

import json
import math

from hypothesis import given, settings, strategies as st

from engine import InputError, verdict
from engine import catalog
from engine.params import ParamView, parameter_index
from engine.planner import choose, choose_skill
from engine.plans import hours_in_use
from engine.validate import situation

SETTINGS = settings(max_examples=200, deadline=None)
ROLES = [r["slug"] for r in catalog.roles()]
LEVELS = [r["slug"] for r in catalog.levels()]
MARKETS = [r["slug"] for r in catalog.markets()]
SKILLS = [r["slug"] for r in catalog.skills()]
KEYS = ["role", "level", "market", "salary", "hours_per_week", "urgency", "skills", "promotion_track"]

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)

valid_values = {
    "role": st.sampled_from(ROLES),
    "level": st.sampled_from(LEVELS),
    "market": st.sampled_from(MARKETS),
    "salary": st.none() | st.floats(min_value=1, max_value=5e6) | st.integers(min_value=1, max_value=50_000_000),
    "hours_per_week": st.integers(min_value=0, max_value=60) | st.floats(min_value=0, max_value=60),
    "urgency": st.sampled_from(["now", "soon", "flexible"]),
    "skills": st.lists(st.sampled_from(SKILLS), max_size=8, unique=True),
    "promotion_track": st.booleans(),
}
valid_answers = st.fixed_dictionaries({k: valid_values[k] for k in KEYS})


@st.composite
def mixed_answers(draw):
    """Answer-shaped objects: each key missing, valid, or anything JSON can hold; plus stray keys."""
    answers = {}
    for key in KEYS:
        kind = draw(st.sampled_from(["valid", "valid", "missing", "junk"]))
        if kind == "valid":
            answers[key] = draw(valid_values[key])
        elif kind == "junk":
            answers[key] = draw(json_like)
    if draw(st.booleans()):
        answers.update(draw(st.dictionaries(st.text(max_size=8), json_like, max_size=2)))
    return answers


def by_path(result):
    return {item["path"]: item for item in result["paths"]}


def numbers_in(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from numbers_in(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


@SETTINGS
@given(json_like | mixed_answers())
def test_any_input_gives_a_verdict_or_an_input_error(answers):
    try:
        result = verdict(answers)
    except InputError as err:
        assert err.field and "\n" not in str(err)
    else:
        assert result["best_path"] in ("job_switch", "skill_upgrade", "side_hustle", "stay_put")


@SETTINGS
@given(valid_answers)
def test_verdict_shape_and_consistency(answers):
    result = verdict(answers)
    assert json.loads(json.dumps(result)) == result
    assert all(math.isfinite(n) for n in numbers_in(result))
    assert sorted(item["path"] for item in result["paths"]) == ["job_switch", "side_hustle", "skill_upgrade"]
    month = result["ranking_month"]
    scores = [item["monthly"][month - 1] for item in result["paths"]]
    assert scores == sorted(scores, reverse=True)
    for item in [*result["paths"], result["plan_result"]]:
        monthly = item["monthly"]
        assert len(monthly) == 36 and all(type(v) is int for v in monthly)
        assert item["gain_12m"] == monthly[11] and item["gain_36m"] == monthly[35]
        positive = [m for m, v in enumerate(monthly, start=1) if v > 0]
        assert item["payoff_month"] == (positive[0] if positive else None)
        for key in ("range_12m", "range_36m"):
            assert item[key]["p10"] <= item[key]["p50"] <= item[key]["p90"]
    chances = [item["chance_best"] for item in result["paths"]]
    # each chance is rounded to three decimals, so their sum may exceed 1 by up to 3 x 0.0005
    assert all(0 <= c <= 1 for c in chances) and sum(chances) <= 1.0015
    band = result["market_band"]
    assert all(type(band[k]) is int for k in ("low", "high", "mid")) and band["low"] <= band["mid"] <= band["high"]


@SETTINGS
@given(valid_answers)
def test_the_plan_leads_with_best_path_and_keeps_to_the_hours(answers):
    result = verdict(answers)
    plan, hours = result["plan"], result["situation"]["hours_per_week"]
    assert result["best_path"] == (plan[0]["path"] if plan else "stay_put")
    assert result["sequence"] == list(dict.fromkeys(step["path"] for step in plan))
    for step in plan:
        assert step["path"] in ("job_switch", "skill_upgrade", "side_hustle")
        assert 1 <= step["start_month"] <= 36 and (step["end_month"] is None or step["start_month"] <= step["end_month"] <= 36)
        assert 0 <= step["hours_per_week"] <= hours
        if step["path"] != "job_switch":
            assert step["hours_per_week"] > 0  # no study or side work without hours
        assert step["summary"]
    starts = [step["start_month"] for step in plan]
    assert starts == sorted(starts)
    for month in range(1, 37):
        used = sum(step["hours_per_week"] for step in plan
                   if step["start_month"] <= month <= (step["end_month"] or 36))
        assert used <= hours + 0.01, (month, plan)
    # Every instant of the chosen timetable, not only the rounded months shown.
    s = situation(answers)
    p = ParamView(parameter_index())
    choice = choose(p, s, choose_skill(p, s))
    table = choice.plan.table
    cuts = {t for step in (table.study, table.search, *table.side) if step for t in step[:2]}
    for t in sorted(cuts | {k / 2 for k in range(72)}):
        assert hours_in_use(table, t) <= s.hours_per_week + 1e-9


@SETTINGS
@given(valid_answers)
def test_the_plan_is_worth_at_least_each_single_path_and_staying_put(answers):
    result = verdict(answers)
    month = result["ranking_month"]
    plan_value = result["plan_result"]["monthly"][month - 1]
    assert plan_value >= 0
    for item in result["paths"]:
        assert plan_value >= item["monthly"][month - 1] - 1  # both rounded to whole units


@SETTINGS
@given(valid_answers, st.floats(min_value=0, max_value=60), st.floats(min_value=0, max_value=60))
def test_more_spare_hours_never_lower_the_plan_at_the_ranking_month(answers, a, b):
    fewer, more = sorted((a, b))
    low = verdict({**answers, "hours_per_week": fewer})
    high = verdict({**answers, "hours_per_week": more})
    month = low["ranking_month"]
    assert high["plan_result"]["monthly"][month - 1] >= low["plan_result"]["monthly"][month - 1] - 1


@SETTINGS
@given(valid_answers)
def test_side_work_never_nets_more_in_a_year_than_the_day_job_for_the_same_hours(answers):
    result = verdict(answers)
    side = by_path(result)["side_hustle"]["monthly"]
    salary = result["market_band"]["salary"]
    hours = result["situation"]["hours_per_week"]
    assert side[35] - side[23] <= salary * hours / 40 + 1  # the last year, at full speed


@settings(max_examples=60, deadline=None)
@given(valid_answers)
def test_every_tipping_point_holds_when_applied(answers):
    result = verdict(answers)
    for tip in result["tipping_points"]:
        assert tip["field"] in KEYS and tip["best_path"] != result["best_path"] and tip["sentence"]
        applied = verdict({**answers, tip["field"]: tip["value"]})
        assert applied["best_path"] == tip["best_path"], tip


@SETTINGS
@given(valid_answers)
def test_same_input_same_json(answers):
    first = json.dumps(verdict(answers), ensure_ascii=False)
    second = json.dumps(verdict(json.loads(json.dumps(answers))), ensure_ascii=False)
    assert first == second


@SETTINGS
@given(valid_answers, st.floats(min_value=0, max_value=60), st.floats(min_value=0, max_value=60))
def test_more_spare_hours_never_lower_the_side_hustle_gain(answers, a, b):
    fewer, more = sorted((a, b))
    low = by_path(verdict({**answers, "hours_per_week": fewer}))["side_hustle"]
    high = by_path(verdict({**answers, "hours_per_week": more}))["side_hustle"]
    assert all(h >= l for h, l in zip(high["monthly"], low["monthly"]))


@SETTINGS
@given(valid_answers, st.sampled_from(SKILLS))
def test_holding_an_extra_skill_never_lowers_the_offer(answers, skill):
    without = [s for s in answers["skills"] if s != skill]
    base = by_path(verdict({**answers, "skills": without}))["job_switch"]
    extra = by_path(verdict({**answers, "skills": without + [skill]}))["job_switch"]
    assert extra["landing_probability"] >= base["landing_probability"]
    assert extra["annual_gain"] >= base["annual_gain"]
