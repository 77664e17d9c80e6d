"""Bad answers give an InputError naming the field and what is allowed, never a crash."""

import math

import pytest

from engine import InputError, verdict
from engine import catalog

GOOD = {"role": "backend-developer", "level": "mid", "market": "us", "salary": 100000,
        "hours_per_week": 5, "urgency": "soon", "skills": ["cloud"], "promotion_track": False}

BAD = [
    # (description, change, field, words the message must contain)
    ("unknown key", {"salery": 1}, "salery", ["unknown key", "allowed", "salary"]),
    ("unknown role", {"role": "astronaut"}, "role", ["astronaut", "backend-developer"]),
    ("role not a string", {"role": 3}, "role", ["string"]),
    ("unknown level", {"level": "intern"}, "level", ["entry", "lead"]),
    ("unknown market", {"market": "fr"}, "market", ["us", "uk", "in", "ae"]),
    ("unknown urgency", {"urgency": "yesterday"}, "urgency", ["now", "soon", "flexible"]),
    ("urgency not a string", {"urgency": ["now"]}, "urgency", ["now", "soon", "flexible"]),
    ("salary zero", {"salary": 0}, "salary", ["more than 0"]),
    ("salary negative", {"salary": -5}, "salary", ["more than 0"]),
    ("salary a string", {"salary": "100000"}, "salary", ["number", "string"]),
    ("salary a bool", {"salary": True}, "salary", ["number", "boolean"]),
    ("salary NaN", {"salary": math.nan}, "salary", ["finite"]),
    ("salary infinite", {"salary": math.inf}, "salary", ["finite"]),
    ("salary absurd", {"salary": 1e12}, "salary", ["at most"]),
    ("salary a huge integer", {"salary": 10**400}, "salary", ["at most"]),
    ("salary a list", {"salary": [100000]}, "salary", ["number", "list"]),
    ("hours negative", {"hours_per_week": -1}, "hours_per_week", ["at least 0", "at most 60"]),
    ("hours too many", {"hours_per_week": 61}, "hours_per_week", ["at most 60"]),
    ("hours a bool", {"hours_per_week": False}, "hours_per_week", ["boolean"]),
    ("hours NaN", {"hours_per_week": float("nan")}, "hours_per_week", ["finite"]),
    ("skills not a list", {"skills": "cloud"}, "skills", ["list"]),
    ("unknown skill", {"skills": ["cloud", "cobol"]}, "skills", ["cobol", "kubernetes"]),
    ("skill not a string", {"skills": [{"slug": "cloud"}]}, "skills", ["string"]),
    ("promotion_track a string", {"promotion_track": "yes"}, "promotion_track", ["true or false"]),
    ("promotion_track a number", {"promotion_track": 1}, "promotion_track", ["true or false"]),
]


@pytest.mark.parametrize("description,change,field,words", BAD, ids=[b[0] for b in BAD])
def test_bad_answer_names_the_field(description, change, field, words):
    with pytest.raises(InputError) as caught:
        verdict({**GOOD, **change})
    err = caught.value
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert "\n" not in str(err)
    for word in words:
        assert word in err.message


def test_field_problems_names_every_bad_answer_with_the_verdicts_own_message():
    from engine.validate import field_problems

    bad_answers = {"salary": math.nan, "hours_per_week": 61, "urgency": "yesterday", "skills": ["cobol"], "salery": 1}
    problems = field_problems({**GOOD, **bad_answers})
    assert sorted(problems) == ["hours_per_week", "salary", "salery", "skills", "urgency"]
    for field, value in bad_answers.items():
        with pytest.raises(InputError) as caught:
            verdict({**GOOD, field: value})
        assert problems[field] == str(caught.value)
    # Each answer is checked on its own: missing answers are not problems, good ones are not listed.
    assert field_problems({"role": "backend-developer"}) == {}
    assert field_problems(GOOD) == {}
    with pytest.raises(InputError):
        field_problems([GOOD])


@pytest.mark.parametrize("field", ["role", "level", "market", "hours_per_week", "urgency"])
def test_missing_required_field(field):
    answers = {k: v for k, v in GOOD.items() if k != field}
    with pytest.raises(InputError) as caught:
        verdict(answers)
    assert caught.value.field == field
    assert "required" in caught.value.message


@pytest.mark.parametrize("answers", [None, [], "role=backend", 42, 1.5, True, [GOOD]])
def test_non_object_input(answers):
    with pytest.raises(InputError) as caught:
        verdict(answers)
    assert caught.value.field == "answers"
    assert "object" in caught.value.message


def test_optional_fields_may_be_null_or_absent():
    minimal = {k: GOOD[k] for k in ("role", "level", "market", "hours_per_week", "urgency")}
    assert verdict(minimal) == verdict({**minimal, "salary": None, "skills": None, "promotion_track": None})


def test_integer_and_float_numbers_are_equivalent():
    assert verdict({**GOOD, "salary": 100000, "hours_per_week": 5}) == \
        verdict({**GOOD, "salary": 100000.0, "hours_per_week": 5.0})


def test_duplicate_skills_count_once():
    assert verdict({**GOOD, "skills": ["cloud", "cloud"]}) == verdict({**GOOD, "skills": ["cloud"]})


@pytest.mark.parametrize("call,field", [
    (lambda: catalog.salary_band("astronaut", "mid", "us"), "role"),
    (lambda: catalog.salary_band("backend-developer", "intern", "us"), "level"),
    (lambda: catalog.salary_band("backend-developer", "mid", "fr"), "market"),
    (lambda: catalog.skill_uplift("backend-developer", "cobol", "us"), "skill"),
    (lambda: catalog.skill_uplift("backend-developer", "cloud", None), "market"),
    (lambda: catalog.parameter("job_switch.nope"), "key"),
])
def test_catalog_rejects_unknown_slugs(call, field):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.field == field
