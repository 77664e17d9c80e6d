"""Sweep the verdict over a grid of situations and count what an adviser would question.

    python bench/verdict_audit.py [--every N]

The grid: every role x level x market x urgency x spare hours (0, 3, 5, 10, 20, 40) x salary
(20% under the band midpoint, at it, 20% over it, not given) x skills (none, or every skill in
demand for the role) x promotion track (yes, no). --every N keeps one situation in N, in order,
for a quicker run. Prints one line per count.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import catalog, verdict  # noqa: E402
from engine.figures import in_demand_skills  # noqa: E402
from engine.params import parameter_index  # noqa: E402

HOURS = (0, 3, 5, 10, 20, 40)
SALARY_FACTORS = (0.8, 1.0, 1.2, None)


def central(key: str):
    return parameter_index()[key]["value"]


def grid():
    for role, level, market, urgency, hours, factor, with_skills, track in itertools.product(
            [r["slug"] for r in catalog.roles()], [lv["slug"] for lv in catalog.levels()],
            [m["slug"] for m in catalog.markets()], ("now", "soon", "flexible"), HOURS, SALARY_FACTORS,
            (False, True), (False, True)):
        answers = {"role": role, "level": level, "market": market, "urgency": urgency, "hours_per_week": hours,
                   "promotion_track": track}
        if factor is not None:
            answers["salary"] = round(catalog.salary_band(role, level, market)["mid"] * factor)
        if with_skills:
            answers["skills"] = list(in_demand_skills(central, role))
        yield answers


def audit(every: int) -> Counter:
    counts: Counter = Counter()
    started = time.perf_counter()
    for index, answers in enumerate(grid()):
        if index % every:
            continue
        result = verdict(answers)
        counts["situations"] += 1
        first = result["best_path"]
        counts[f"first step: {first}"] += 1
        plan_paths = {step["path"] for step in result["plan"]}
        by_path = {p["path"]: p for p in result["paths"]}
        if answers["hours_per_week"] == 0 and plan_paths & {"skill_upgrade", "side_hustle"}:
            counts["PROBLEM: study or side work with no spare hours"] += 1
        if first != (result["plan"][0]["path"] if result["plan"] else "stay_put"):
            counts["PROBLEM: best path is not the plan's first step"] += 1
        month = result["ranking_month"]
        plan_value = result["plan_result"]["monthly"][month - 1]
        if any(plan_value < p["monthly"][month - 1] - 1 for p in result["paths"]) or plan_value < 0:
            counts["PROBLEM: plan worth less than a single path or than staying put"] += 1
        if first == "side_hustle":
            counts[f"side work first at {answers['hours_per_week']} h"] += 1
            counts[f"side work first in {answers['market']}"] += 1
        if answers["market"] == "in" and "salary" in answers and answers["salary"] == catalog.salary_band(
                answers["role"], answers["level"], "in")["mid"] and by_path["job_switch"]["gain_36m"] > 0:
            counts["India at the midpoint: a switch pays within 36 months"] += 1
        if answers["urgency"] == "soon" and first == "skill_upgrade" and result["plan_result"]["gain_12m"] < max(
                p["gain_12m"] for p in result["paths"]):
            counts["PROBLEM: within a year, a plan that trails a single path at month 12"] += 1
        if result["tipping_points"]:
            counts["with at least one tipping point"] += 1
        chance = by_path[first]["chance_best"] if first in by_path else None
        if chance is not None and chance < 0.5:
            counts["first step best in under half of the simulated futures"] += 1
    counts["seconds"] = round(time.perf_counter() - started)
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="keep one situation in N (default 1: all)")
    args = parser.parse_args(argv)
    if args.every < 1:
        parser.error("--every must be 1 or more")
    for key, value in sorted(audit(args.every).items()):
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
