"""The engine gives the same JSON under Pyodide 0.25.1 (the built site's own files) as in CPython."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine import catalog
from sitegen import quiz
from tests import quizkit

# Hand-picked situations at the edges of the model, valid and not.
SCENARIOS = [
    {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 5, "urgency": "soon"},
    {"role": "backend-developer", "level": "mid", "market": "us", "salary": 120000, "hours_per_week": 5,
     "urgency": "soon", "skills": ["cloud", "sql"], "promotion_track": True},
    {"role": "data-analyst", "level": "entry", "market": "in", "salary": 400000, "hours_per_week": 0, "urgency": "now"},
    {"role": "devops-engineer", "level": "senior", "market": "uk", "hours_per_week": 60, "urgency": "flexible",
     "skills": ["kubernetes", "cloud", "security"]},
    {"role": "ml-engineer", "level": "lead", "market": "ae", "salary": 1, "hours_per_week": 10, "urgency": "flexible"},
    {"role": "software-engineer", "level": "entry", "market": "us", "hours_per_week": 1, "urgency": "now",
     "skills": [s["slug"] for s in catalog.skills()]},
    {"role": "data-scientist", "level": "mid", "market": "uk", "salary": 10_000_000, "hours_per_week": 20,
     "urgency": "soon", "promotion_track": False},
    # Bad answers: the same one-line error on both sides.
    {"role": "astronaut", "level": "mid", "market": "us", "hours_per_week": 5, "urgency": "soon"},
    {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 61, "urgency": "soon"},
    {"role": "backend-developer", "level": "mid", "market": "us", "salary": -5, "hours_per_week": 5, "urgency": "soon"},
    {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 5, "urgency": "someday"},
    {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 5, "urgency": "soon",
     "skills": ["juggling"]},
]


# The engine's own scenario table (tests/scenarios/verdicts.toml).
ENGINE_SCENARIOS = [s["answers"] for s in tomllib.loads(
    (Path(__file__).parent / "scenarios" / "verdicts.toml").read_text())["scenario"]]


@pytest.fixture(scope="module")
def inputs():
    return ENGINE_SCENARIOS + SCENARIOS + quizkit.generated_answers(catalog, 300)


def test_pyodide_gives_the_same_json_as_cpython(inputs, tmp_path):
    runtime_dir = quizkit.built_site() / quiz.RUNTIME_DIR
    pyodide = quizkit.run_batch_pyodide(quizkit.built_site(), runtime_dir, inputs, tmp_path)
    cpython = quizkit.run_batch_cpython(inputs)
    # The check really ran under Pyodide, not a CPython fallback.
    assert pyodide["platform"] == "emscripten"
    assert len(pyodide["results"]) == len(cpython["results"]) == len(inputs)
    mismatches = [
        (answers, ours, theirs)
        for answers, ours, theirs in zip(inputs, cpython["results"], pyodide["results"])
        if ours != theirs
    ]
    assert not mismatches, f"{len(mismatches)} differ; first: {mismatches[0]}"
    # The batch covers both verdicts and errors.
    assert sum("json" in r for r in cpython["results"]) >= 290
    assert sum("error" in r for r in cpython["results"]) >= 5


def test_the_worker_starts_the_engine_without_compiling_any_python_source(tmp_path):
    """Every module imported until the engine is ready comes precompiled from the engine file:
    Pyodide's standard library ships as sources, which would be compiled in WebAssembly."""
    site = quizkit.built_site()
    start = quizkit.start_worker_bridge_in_node(site, site / quiz.RUNTIME_DIR, tmp_path)
    new = {name: origin for name, origin in start["after"].items() if name not in start["before"]}
    assert {"engine", "engine.verdict", "engine.validate", "json", "dataclasses"} <= set(new)
    compiled = sorted(name for name, origin in new.items() if origin and origin.endswith(".py"))
    assert not compiled, f"compiled from source in Pyodide: {compiled}; add them to sitegen.quiz.STDLIB_MODULES"
    loaded = {name: origin for name, origin in new.items() if origin not in (None, "built-in", "frozen")}
    outside = sorted(name for name, origin in loaded.items() if not origin.startswith(start["zipPath"] + "/"))
    assert not outside, f"not from the engine file: {outside}"
    # The warm-up after "ready" (the chart, a first verdict) compiles nothing either: a verdict
    # asked for meanwhile waits for it.
    warmed = {name: origin for name, origin in start["warmed"].items() if name not in start["after"]}
    assert "engine.chart" in warmed
    compiled = sorted(name for name, origin in warmed.items() if origin and origin.endswith(".py"))
    assert not compiled, f"compiled from source by the warm-up: {compiled}"


@pytest.mark.parametrize("answers", SCENARIOS, ids=[f"scenario{i}" for i in range(len(SCENARIOS))])
def test_the_batch_formats_verdicts_exactly_as_the_cli_prints_them(answers):
    [ours] = quizkit.run_batch_cpython([answers])["results"]
    cli = subprocess.run([sys.executable, "-m", "engine"], input=json.dumps(answers),
                         capture_output=True, text=True, cwd=quizkit.ROOT, timeout=60)
    if "json" in ours:
        assert cli.returncode == 0 and cli.stdout == ours["json"]
    else:
        assert cli.returncode == 2 and cli.stderr.strip() == f"error: {ours['error']}"
