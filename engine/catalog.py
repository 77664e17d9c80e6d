"""Read-only view of the engine's parameters for the site build and the quiz.

Every function raises InputError for an unknown role, level, market, skill or key.
"""

from __future__ import annotations

from .bands import band_keys, salary_band_figures, skill_uplift_figures
from .errors import InputError, shown
from .params import catalog_data, parameter_index


def plain_value(key: str):
    return parameter_index()[key]["value"]


def section(name: str) -> dict:
    return catalog_data()[name]


def roles() -> list[dict]:
    return [{"slug": s, "name": e["name"], "plural": e["plural"]} for s, e in section("roles").items()]


def levels() -> list[dict]:
    return [{"slug": s, "name": e["name"]} for s, e in section("levels").items()]


def markets() -> list[dict]:
    return [{"slug": s, "name": e["name"], "currency": e["currency"]} for s, e in section("markets").items()]


def skills() -> list[dict]:
    return [
        {"slug": s, "name": e["name"], "freelance_clients_pay": e["freelance_clients_pay"]}
        for s, e in section("skills").items()
    ]


def require(kind: str, slug) -> dict:
    """The catalog entry for slug, or InputError naming what is allowed."""
    entries = section(kind + "s")
    if not isinstance(slug, str) or slug not in entries:
        allowed = ", ".join(entries)
        raise InputError(kind, f"unknown {kind} {shown(slug)}; allowed: {allowed}")
    return entries[slug]


def sources_of(keys) -> dict:
    """Combined provenance of the parameters behind a derived figure."""
    records = [parameter_index()[k] for k in keys]
    sources = list(dict.fromkeys(r["source"] for r in records))
    notes = [r["note"] for r in records if r["note"]]
    return {
        "source": "; ".join(sources),
        "url": next((r["url"] for r in records if r["url"]), None),
        "date": max(r["date"] for r in records),
        "estimate": any(r["estimate"] for r in records),
        "note": " ".join(dict.fromkeys(notes)) or None,
        "keys": list(keys),
    }


def salary_band(role: str, level: str, market: str) -> dict:
    require("role", role)
    require("level", level)
    currency = require("market", market)["currency"]
    figures = salary_band_figures(plain_value, role, level, market)
    return {**figures, "currency": currency, **sources_of(band_keys(role, level, market))}


def skill_uplift(role: str, skill: str, market: str) -> dict:
    require("role", role)
    require("skill", skill)
    currency = require("market", market)["currency"]
    figures = skill_uplift_figures(plain_value, role, skill, market)
    keys = (f"skill_uplift.{skill}.low", f"skill_uplift.{skill}.high", f"skill_relevance.{role}.{skill}")
    hours = parameter_index()[f"skill_hours.{skill}"]
    return {
        **figures,
        "currency": currency,
        **sources_of(keys),
        "hours_source": hours["source"],
        "hours_estimate": hours["estimate"],
        "hours_note": hours["note"],
    }


def parameters() -> list[dict]:
    return [dict(record) for record in parameter_index().values()]


def parameter(key: str) -> dict:
    index = parameter_index()
    if not isinstance(key, str) or key not in index:
        raise InputError("key", f"unknown parameter {shown(key)}; see `python -m engine parameters` for the keys")
    return dict(index[key])
