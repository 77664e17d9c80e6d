"""The benchmark's measuring parts: memory and exit status of a build, the page weight walker and
the Lighthouse summary."""
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import lighthouse  # noqa: E402
import measure  # noqa: E402
import weight  # noqa: E402

def test_run_measured_reports_peak_memory_exit_status_and_stderr(tmp_path):
    big = measure.run_measured(
        [sys.executable, "-c", "import sys; x = bytearray(150 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]);"
         "print('boom', file=sys.stderr); sys.exit(3)"], tmp_path)
    assert big.returncode == 3
    assert big.stderr_tail == "boom"
    assert big.peak_mb >= 150
    assert big.cpu_seconds is not None and big.cpu_seconds > 0
    small = measure.run_measured([sys.executable, "-c", "pass"], tmp_path)
    assert small.returncode == 0 and small.peak_mb < 100
    # The benchmark's own size must not leak into a child's peak.
    hog = bytearray(200 * 1024 * 1024)
    hog[::4096] = b"1" * len(hog[::4096])
    assert measure.run_measured([sys.executable, "-c", "pass"], tmp_path).peak_mb < 100


def test_summarize_takes_the_median_and_the_highest_peak():
    runs = [measure.RunResult(s, m, 0, "") for s, m in ((3.0, 10), (1.0, 30), (2.0, 20))]
    summary = measure.summarize(runs)
    assert (summary.median, summary.low, summary.high, summary.peak_mb) == (2.0, 1.0, 3.0, 30)


def test_page_assets_follow_the_page_not_the_service_worker_precache(tmp_path):
    site = tmp_path
    (site / "assets").mkdir()
    runtime = site / weight.PYODIDE_DIR
    runtime.mkdir(parents=True)
    (site / "quiz").mkdir()
    (site / "quiz" / "index.html").write_text(
        '<link rel="stylesheet" href="/assets/style.css"><script src="/assets/reg.js"></script>'
        '<div data-worker="/assets/worker.js"></div>')
    (site / "assets" / "style.css").write_text("body{}")
    (site / "assets" / "reg.js").write_text("register('sw.js')")
    (site / "assets" / "worker.js").write_text("importScripts(base + 'pyodide.js')")
    (site / "assets" / "other.js").write_text("// only precached")
    (site / "sw.js").write_text(f"precache(['/assets/other.js', '/{weight.PYODIDE_DIR}/pyodide.js'])")
    (runtime / "pyodide.js").write_text("x" * 5000)
    files = {p.relative_to(site).as_posix() for p in weight.page_assets(site, site / "quiz" / "index.html")}
    assert files == {"quiz/index.html", "assets/style.css", "assets/reg.js", "assets/worker.js", "sw.js"}
    w = weight.weigh("quiz", site, weight.pyodide_files(site))
    assert w.raw == 5000 and 0 < w.gzip < 100


def test_lighthouse_obstacles_list_weighted_audits_below_full_score():
    report = {
        "audits": {"a": {"title": "Contrast", "score": 0.0}, "b": {"title": "Alt text", "score": 1},
                   "c": {"title": "LCP", "score": 0.5, "displayValue": "3.1 s"},
                   "d": {"title": "Unweighted", "score": 0}},
        "categories": {
            "performance": {"auditRefs": [{"id": "c", "weight": 25}, {"id": "d", "weight": 0}]},
            "accessibility": {"auditRefs": [{"id": "a", "weight": 7}, {"id": "b", "weight": 10}]},
            "best-practices": {"auditRefs": []}, "seo": {"auditRefs": []},
        },
    }
    found = lighthouse.obstacles(report)
    assert found["performance"] == ["LCP (0.50, 3.1 s)"]
    assert found["accessibility"] == ["Contrast (0.00)"]
    assert found["seo"] == []



def test_the_benchmark_compiles_the_generator_before_timing_builds():
    """Peers' packages come with bytecode from pip; ours must too, or each timed build compiles
    the generator again where PYTHONDONTWRITEBYTECODE is set."""
    import importlib.util
    import shutil

    import run

    modules = ("sitegen/pipeline.py", "engine/simulate.py", "build.py")
    compiled = [Path(importlib.util.cache_from_source(str(run.ROOT / module))) for module in modules]
    for folder in ("sitegen", "engine"):
        shutil.rmtree(run.ROOT / folder / "__pycache__", ignore_errors=True)
    compiled[-1].unlink(missing_ok=True)
    run.compile_sources()
    for module, path in zip(modules, compiled):
        assert path.is_file(), module
