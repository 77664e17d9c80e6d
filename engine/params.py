"""Load the parameter files in engine/data/ and index every figure by its dotted key.

Each TOML table may set label, unit, currency, source, url, date, estimate, note and
spread; nested tables inherit them. A number, or a table holding `value`, is one parameter
whose key is its dotted path (e.g. ``job_switch.premium.us``,
``salary_band.backend-developer.us.mid.low``).

Uncertain figures carry a range: a table holding `value` may set `low` and `high` beside it,
and a table may set `spread`, a share either side of the value, for the numbers below it.
Every figure marked `estimate` must have a range; the simulation draws from it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
# The browser's copy of the engine carries the TOML files already parsed, as one JSON file:
# importing tomllib and parsing TOML in WebAssembly would add about 0.1 s to the quiz's start.
PARSED_DATA = "parsed.json"
PARAMETER_FILES = ("salaries.toml", "skills.toml", "paths.toml")
META_KEYS = frozenset({"label", "unit", "currency", "source", "url", "date", "estimate", "note", "spread"})
RANGE_KEYS = ("low", "high")
REQUIRED_META = ("label", "unit", "source", "date")


class DataError(RuntimeError):
    """A parameter file is malformed: a packaging bug, not user input."""


@cache
def parsed_data() -> dict | None:
    # Read through the module's loader, so it is found in a zip on sys.path too (the browser's copy).
    try:
        data = __loader__.get_data(str(DATA_DIR / PARSED_DATA))
    except OSError:
        return None
    return json.loads(data.decode("utf-8"))


def read_toml(name: str) -> dict:
    parsed = parsed_data()
    if parsed is not None:
        return parsed[name]
    import tomllib  # here only, so the browser never imports it

    return tomllib.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def catalog_data() -> dict:
    return read_toml("catalog.toml")


def slug_names() -> dict[str, str]:
    """Every role, level, market and skill slug mapped to its display name."""
    data = catalog_data()
    return {slug: entry["name"] for section in data.values() for slug, entry in section.items()}


def describe(label: str, suffix: tuple[str, ...], names: dict[str, str]) -> str:
    if not suffix:
        return label
    return f"{label}: " + ", ".join(names.get(part, part) for part in suffix)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def value_range(key: str, value, meta: dict, bounds: dict) -> tuple:
    """(low, high) of a figure: explicit bounds, else the inherited spread, else (None, None)."""
    if bounds:
        if set(bounds) != set(RANGE_KEYS) or not all(is_number(v) for v in bounds.values()):
            raise DataError(f"{key}: a range needs both low and high, as numbers")
        low, high = bounds["low"], bounds["high"]
    elif "spread" in meta:
        spread = meta["spread"]
        if not is_number(spread) or not 0 < spread < 1:
            raise DataError(f"{key}: spread must be a share between 0 and 1, got {spread!r}")
        low, high = value * (1 - spread), value * (1 + spread)
        if meta.get("unit") == "share":  # a share stays a share
            low, high = max(0.0, low), min(1.0, high)
        if isinstance(value, int):
            low, high = round(low), round(high)
    else:
        if meta.get("estimate"):
            raise DataError(f"{key}: an estimate needs a range (low and high, or a spread)")
        return None, None
    if not low <= value <= high or low == high:
        raise DataError(f"{key}: the range {low!r} to {high!r} must hold the value {value!r} and not be empty")
    return low, high


def parameter_record(path: tuple[str, ...], value, meta: dict, label_depth: int, names: dict,
                     bounds: dict | None = None) -> dict:
    if not is_number(value):
        raise DataError(f"{'.'.join(path)}: value must be a number, got {value!r}")
    missing = [k for k in REQUIRED_META if not meta.get(k)]
    if missing:
        raise DataError(f"{'.'.join(path)}: missing {', '.join(missing)}")
    low, high = value_range(".".join(path), value, meta, bounds or {})
    return {
        "key": ".".join(path),
        "group": path[0],
        "label": describe(meta["label"], path[label_depth:], names),
        "value": value,
        "low": low,
        "high": high,
        "unit": meta["unit"],
        "currency": meta.get("currency"),
        "source": meta["source"],
        "url": meta.get("url"),
        "date": str(meta["date"]),
        "estimate": bool(meta.get("estimate", False)),
        "note": meta.get("note"),
    }


def walk(table: dict, path: tuple[str, ...], inherited: dict, label_depth: int, names: dict):
    """Yield a parameter record for every leaf under table, inheriting metadata."""
    own = {k: v for k, v in table.items() if k in META_KEYS}
    meta = {**inherited, **own}
    if "label" in own:
        label_depth = len(path)
    for name, item in table.items():
        if name in META_KEYS:
            continue
        child = path + (name,)
        if isinstance(item, dict) and "value" in item:
            leaf_meta = {k: v for k, v in item.items() if k in META_KEYS}
            bounds = {k: item[k] for k in RANGE_KEYS if k in item}
            unknown = set(item) - META_KEYS - set(RANGE_KEYS) - {"value"}
            if unknown:
                raise DataError(f"{'.'.join(child)}: unknown field {sorted(unknown)[0]!r} beside value")
            depth = len(child) if "label" in leaf_meta else label_depth
            yield parameter_record(child, item["value"], {**meta, **leaf_meta}, depth, names, bounds)
        elif isinstance(item, dict):
            yield from walk(item, child, meta, label_depth, names)
        else:
            yield parameter_record(child, item, meta, label_depth, names)


@cache
def parameter_index() -> dict[str, dict]:
    """All parameters by key, in file order. Parsed once per process."""
    names = slug_names()
    index: dict[str, dict] = {}
    for file_name in PARAMETER_FILES:
        for record in walk(read_toml(file_name), (), {}, 0, names):
            if record["key"] in index:
                raise DataError(f"{record['key']}: defined twice")
            index[record["key"]] = record
    return index


@cache
def central_values() -> dict:
    """Every figure's central value by key; `central_values().__getitem__` reads parameters
    without recording them, for probes whose figures are not the verdict's own."""
    return {key: record["value"] for key, record in parameter_index().items()}


class ParamView:
    """Reads parameter values and remembers which were used, for the verdict's assumptions."""

    def __init__(self, index: dict[str, dict]):
        self.index = index
        self.used: dict[str, None] = {}

    def __call__(self, key: str):
        record = self.index[key]
        self.used[key] = None
        return record["value"]

    def records(self) -> list[dict]:
        return [self.index[key] for key in self.used]
