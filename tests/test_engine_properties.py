"""Properties of the verdict over generated answers (hypothesis)."""

import json
import math

from hypothesis import given, settings, strategies as st

from engine import InputError, verdict
from engine import catalog

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
        assert result["best_path"] in ("job_switch", "skill_upgrade", "side_hustle")


@SETTINGS
@given(valid_answers)
def test_verdict_shape_and_consistency(answers):
    result = verdict(answers)
    assert json.loads(json.dumps(result)) == result
    assert all(math.isfinite(n) for n in numbers_in(result))
    assert [item["path"] for item in result["paths"]][0] == result["best_path"]
    assert sorted(item["path"] for item in result["paths"]) == ["job_switch", "side_hustle", "skill_upgrade"]
    month = result["ranking_month"]
    scores = [item["monthly"][month - 1] for item in result["paths"]]
    assert scores == sorted(scores, reverse=True)
    for item in result["paths"]:
        monthly = item["monthly"]
        assert len(monthly) == 36 and all(type(v) is int for v in monthly)
        assert item["gain_12m"] == monthly[11] and item["gain_36m"] == monthly[35]
        positive = [m for m, v in enumerate(monthly, start=1) if v > 0]
        assert item["payoff_month"] == (positive[0] if positive else None)
    assert len(set(result["sequence"])) == len(result["sequence"]) >= 1
    band = result["market_band"]
    assert all(type(band[k]) is int for k in ("low", "high", "mid")) and band["low"] <= band["mid"] <= band["high"]
    if answers["hours_per_week"] == 0:
        assert by_path(result)["side_hustle"]["gain_36m"] == 0 and result["best_path"] != "side_hustle"


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
@given(valid_answers, st.floats(min_value=1, max_value=5e6), st.floats(min_value=1, max_value=5e6))
def test_a_lower_salary_never_lowers_the_job_switch_gain(answers, a, b):
    lower, higher = sorted((a, b))
    at_lower = by_path(verdict({**answers, "salary": lower}))["job_switch"]
    at_higher = by_path(verdict({**answers, "salary": higher}))["job_switch"]
    assert all(l >= h for l, h in zip(at_lower["monthly"], at_higher["monthly"]))


@SETTINGS
@given(valid_answers, st.sampled_from(SKILLS))
def test_holding_an_extra_skill_never_lowers_the_offer(answers, skill):
    without = [s for s in answers["skills"] if s != skill]
    base = by_path(verdict({**answers, "skills": without}))["job_switch"]
    extra = by_path(verdict({**answers, "skills": without + [skill]}))["job_switch"]
    assert extra["landing_probability"] >= base["landing_probability"]
    assert extra["annual_gain"] >= base["annual_gain"]
