"""`python -m engine`: answers on stdin or in a file, listings, and one-line errors with exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = {"role": "backend-developer", "level": "mid", "market": "us", "salary": 90000,
           "hours_per_week": 5, "urgency": "soon", "skills": ["cloud"]}


def run(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "engine", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_answers_on_stdin_print_the_verdict():
    from engine import verdict

    done = run(stdin=json.dumps(ANSWERS))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == verdict(ANSWERS)
    assert done.stderr == ""


def test_answers_in_a_file_and_output_is_deterministic(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(ANSWERS))
    first, second = run(str(path)), run(str(path))
    assert first.returncode == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["best_path"] == "job_switch"
    assert first.stdout == run(stdin=json.dumps(ANSWERS)).stdout


@pytest.mark.parametrize("stdin,args,words", [
    (json.dumps({**ANSWERS, "urgency": "later"}), (), ["urgency", "now, soon, flexible"]),
    (json.dumps({**ANSWERS, "salary": True}), (), ["salary", "number"]),
    ("{not json", (), ["stdin", "invalid JSON"]),
    ("", (), ["stdin", "invalid JSON"]),
    ("[1, 2]", (), ["answers", "object"]),
    ("", ("/no/such/answers.json",), ["/no/such/answers.json", "cannot read"]),
    ("", ("a.json", "b.json"), ["usage"]),
    ("[" * 100000 + "]" * 100000, (), ["stdin", "nested"]),
], ids=["unknown-urgency", "bool-salary", "broken-json", "empty", "list", "missing-file", "two-files", "deep-json"])
def test_bad_input_exits_2_with_one_line(stdin, args, words):
    done = run(*args, stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0]


def test_roles_and_skills_listings():
    roles = run("roles")
    assert roles.returncode == 0
    assert "backend-developer" in [r["slug"] for r in json.loads(roles.stdout)]
    skills = json.loads(run("skills").stdout)
    assert {"cloud", "api-design"} <= {s["slug"] for s in skills}


def test_parameters_listing_has_sources():
    params = json.loads(run("parameters").stdout)
    premium = next(p for p in params if p["key"] == "job_switch.premium.uk")
    assert premium["source"] and premium["date"] and premium["unit"] == "share"
    assert premium["estimate"] and premium["low"] < premium["value"] < premium["high"]


def test_bytes_that_are_not_utf8_exit_2():
    done = subprocess.run([sys.executable, "-m", "engine"], input=b"\xff\xfe{}", capture_output=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "error: stdin: is not UTF-8 text"


def test_dash_reads_stdin():
    assert json.loads(run("-", stdin=json.dumps(ANSWERS)).stdout)["best_path"] == "job_switch"
