"""Quiz answers -> a normalised Situation, or InputError naming the field and what is allowed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog import require
from .errors import InputError, field_name, shown
from .params import catalog_data

URGENCIES = ("now", "soon", "flexible")
MAX_HOURS_PER_WEEK = 60
MAX_SALARY = 1_000_000_000  # a sanity ceiling in any currency, not a model figure
REQUIRED = ("role", "level", "market", "hours_per_week", "urgency")
OPTIONAL = ("salary", "skills", "promotion_track")


@dataclass(frozen=True)
class Situation:
    role: str
    level: str
    market: str
    salary: float | None  # None: not given, the model uses the band midpoint
    hours_per_week: float
    urgency: str
    skills: tuple[str, ...]
    promotion_track: bool


def describe_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def number(field: str, value, low: float, high: float, low_inclusive: bool = True) -> float:
    """A finite real number in range; bools and numeric strings are refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(field, f"must be a number, got {describe_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(field, "must be a finite number")
    below = value < low if low_inclusive else value <= low
    if below or value > high:
        bound = f"{'at least' if low_inclusive else 'more than'} {low:g}"
        got = f"{value:g}" if isinstance(value, float) or abs(value) < 10**15 else "a larger number"
        raise InputError(field, f"must be {bound} and at most {high:g}, got {got}")
    return float(value)


def choice(field: str, value, allowed) -> str:
    if not isinstance(value, str) or value not in allowed:
        what = shown(value) if isinstance(value, str) else describe_type(value)
        raise InputError(field, f"unknown value {what}; allowed: {', '.join(allowed)}")
    return value


def slug(field: str, kind: str, value) -> str:
    if not isinstance(value, str):
        raise InputError(field, f"must be a string, got {describe_type(value)}; allowed: {', '.join(catalog_data()[kind + 's'])}")
    try:
        require(kind, value)
    except InputError as err:
        raise InputError(field, err.message) from None
    return value


def skill_list(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise InputError("skills", f"must be a list of skill slugs, got {describe_type(value)}")
    return tuple(dict.fromkeys(slug("skills", "skill", item) for item in value))


def flag(field: str, value) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(field, f"must be true or false, got {describe_type(value)}")
    return value


# Each answer's own check, in the order Situation lists the fields (so errors come in that order).
CHECKS = {
    "role": lambda value: slug("role", "role", value),
    "level": lambda value: slug("level", "level", value),
    "market": lambda value: slug("market", "market", value),
    "salary": lambda value: None if value is None else number("salary", value, 0, MAX_SALARY, low_inclusive=False),
    # Hundredths of an hour are plenty and keep study times finite for tiny inputs.
    "hours_per_week": lambda value: round(number("hours_per_week", value, 0, MAX_HOURS_PER_WEEK), 2),
    "urgency": lambda value: choice("urgency", value, URGENCIES),
    "skills": skill_list,
    "promotion_track": lambda value: flag("promotion_track", value),
}


def check_object(answers) -> None:
    if not isinstance(answers, dict):
        raise InputError("answers", f"must be an object with keys {', '.join(REQUIRED + OPTIONAL)}, got {describe_type(answers)}")


def unknown_key(key) -> InputError:
    return InputError(field_name(key), f"unknown key; allowed: {', '.join(REQUIRED + OPTIONAL)}")


def situation(answers) -> Situation:
    check_object(answers)
    unknown = [k for k in answers if k not in CHECKS]
    if unknown:
        raise unknown_key(unknown[0])
    values = {}
    for key, check in CHECKS.items():
        if key in REQUIRED and answers.get(key) is None:
            raise InputError(key, "is required")
        values[key] = check(answers.get(key))
    return Situation(**values)


def field_problems(answers) -> dict[str, str]:
    """Every given answer the engine refuses, each checked on its own: field -> its one-line error.

    For a form or a link that marks each bad answer at once; answers that are missing are not
    problems here (situation() says which are required).
    """
    check_object(answers)
    problems = {}
    for key, value in answers.items():
        try:
            if key not in CHECKS:
                raise unknown_key(key)
            CHECKS[key](value)
        except InputError as err:
            problems[err.field] = str(err)
    return problems
