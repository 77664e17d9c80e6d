"""A small run of the benchmark, so it cannot rot: tiny corpus, one run, this project's build only.
It checks that the benchmark works, never how fast anything is."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_smoke_run_prints_our_build_rows(tmp_path):
    report = tmp_path / "report.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--n", "12", "--runs", "1",
         "--sections", "build", "--report", str(report), "--workdir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "### Build: N = 12 guides, median of 1 run(s)" in out
    for case in ("cold full build", "rebuild after editing one guide", "rebuild, nothing changed"):
        row = next((line for line in out.splitlines() if line.startswith(f"| EarnVerdict | {case} |")), None)
        assert row is not None, f"no row for {case}:\n{out}"
        assert "failed" not in row, row
        float(row.split("|")[3])  # a median time in seconds
    assert report.read_text() == out.rstrip("\n") + "\n"
    data = json.loads(report.with_suffix(".json").read_text())
    assert data["n"] == 12 and data["build"]["EarnVerdict|cold full build"][0]["returncode"] == 0
    # What the index and the cards cost alone was measured, and bounds the build with them.
    floor = data["readers_floor"]
    assert floor["pagefind_cpu"] > 0 and floor["cards_cpu"] > 0 and floor["cores"] >= 1
    assert "The least the build with the search index and cards can take" in out
    # The build really happened: every guide became a page.
    pages = list((tmp_path / "work" / "earnverdict" / "site" / "guides").glob("guide-*/index.html"))
    assert len(pages) == 12


def test_bench_rejects_an_unknown_section(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sections", "bild"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--sections: unknown bild" in result.stderr
