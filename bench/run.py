"""EarnVerdict's benchmark: the writer's build loop and the visitor's wait, as ratios against
Pelican, MkDocs, Hugo and bare Pyodide, measured in one run.

    .venv/bin/python bench/run.py                      # N=1,000, 5 runs, every section but scaling
    .venv/bin/python bench/run.py --scale-n 10000      # also our build at N=10,000
    .venv/bin/python bench/run.py --n 20 --runs 1 --sections build   # the smoke run

Prints markdown tables (the same text goes to bench/out/latest.md, with the raw numbers in
bench/out/latest.json). A section whose part is missing says so in its table instead of failing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))  # engine and sitegen, also before `pip install -e .`

import corpus as corpus_mod  # noqa: E402
from sitegen.options import BuildOptions, cache_root  # noqa: E402
from measure import RunResult, run_measured, summarize  # noqa: E402
from peers import HUGO_MINIMAL, PEERS, Tool, hugo_version  # noqa: E402

SECTIONS = ("build", "peers", "engine", "quiz", "weight", "lighthouse")
DEFAULT_SECTIONS = ",".join(SECTIONS)
OURS = "EarnVerdict"
OURS_BARE = "EarnVerdict without search index and cards"  # bench/readers.py's "bare" build
COLD, EDIT, NOOP = "cold full build", "rebuild after editing one guide", "rebuild, nothing changed"

# The issue's targets.
TARGET_VS_PELICAN = 2.5
TARGET_VS_MKDOCS = 2.0
TARGET_WITHIN_HUGO = 2.0  # the full Hugo configuration
TARGET_WITHIN_HUGO_MINIMAL = 3.0  # one single and one list layout, no taxonomies
TARGET_EDIT_OF_HUGO = 1 / 3  # an edit's rebuild against Hugo's full build
TARGET_READERS_RATIO = 1.5  # the build with the search index and cards against the build without
TARGET_NOOP_S = 0.2
TARGET_PEAK_MB = 600
TARGET_INTERACTIVE_MS = 200
TARGET_READY_RATIO = 1.10
TARGET_VERDICT_MS = 50
TARGET_QUIZ_KB = 60
TARGET_ENGINE_MS = 10  # a planning verdict with its ranges and tipping points


# --- our build -----------------------------------------------------------------------------

def state_dir(out_dir: Path, cache: Path | None = None) -> Path:
    """The render cache and build state sitegen keeps for one output folder."""
    return BuildOptions(out_dir=out_dir, cache_dir=cache or cache_root()).state_dir


def our_content(guides: list[corpus_mod.Guide]) -> dict[str, str]:
    """The corpus as this project's content: guides plus the home page and role hubs they need."""
    files = {"index.md": corpus_mod.yaml_frontmatter(
        {"title": "Bench", "description": "Synthetic guides.", "date": "2025-01-01"}) + "Career guides.\n"}
    for role in corpus_mod.ROLES:
        files[f"roles/{role}.md"] = corpus_mod.yaml_frontmatter(
            {"title": role.replace("-", " ").capitalize(), "description": f"Guides for {role}.",
             "date": "2025-01-01", "role": role}) + "Guides for this role.\n"
    for g in guides:
        front = corpus_mod.yaml_frontmatter({"title": g.title, "description": g.description,
                                             "date": g.date, "role": g.role,
                                             "kind": "how-to-earn-more", "tags": g.tags})
        files[f"guides/{g.slug}.md"] = front + corpus_mod.body_markdown(g, guides, corpus_mod.relative_link)
    return files


# The benchmark's builds use a cache folder of their own, so clearing it for a cold build never
# touches anyone else's. It is seeded with links to what is machine-wide in the shared cache (the
# Pyodide download and its extraction, the built quiz runtime, compressed copies of the runtime's
# files, all made once per machine); whatever a benchmark build adds to it is build work, and a
# cold build starts without it.
PRIVATE_CACHE: list[Path] = []


def seed_private_cache(target: Path) -> Path:
    shared = cache_root()
    target.mkdir(parents=True, exist_ok=True)
    (target / "sitegen").mkdir(exist_ok=True)
    (target / "precompressed").mkdir(exist_ok=True)
    if shared.is_dir():
        for entry in shared.iterdir():
            if entry.name.startswith("pyodide-"):
                (target / entry.name).symlink_to(entry)
        if (shared / "sitegen" / "runtime").is_dir():
            (target / "sitegen" / "runtime").symlink_to(shared / "sitegen" / "runtime")
        if (shared / "precompressed").is_dir():
            for entry in (shared / "precompressed").iterdir():
                (target / "precompressed" / entry.name).symlink_to(entry)
    PRIVATE_CACHE[:] = [target]
    return target


def clear_built_copies() -> None:
    """Remove the compressed copies benchmark builds made (the seeded links stay)."""
    for cache in PRIVATE_CACHE:
        folder = cache / "precompressed"
        if folder.is_dir():
            for path in folder.iterdir():
                if not path.is_symlink():
                    path.unlink(missing_ok=True)


def compile_sources() -> None:
    """Write the bytecode of the project's own modules, as pip writes it for the peers' installed
    packages: an editable install has none, and where PYTHONDONTWRITEBYTECODE is set no build
    would ever write it, so each build would compile the generator again (about 10% of a
    rebuild with nothing changed)."""
    import compileall

    for folder in ("sitegen", "engine"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)
    compileall.compile_file(str(ROOT / "build.py"), quiet=1)


def ours(root: Path, guides: list[corpus_mod.Guide], name: str = "earnverdict", label: str = OURS) -> Tool:
    project = root / name
    content, out = project / "content", project / "site"
    corpus_mod.write_files(our_content(guides), content)
    cache = PRIVATE_CACHE[0] if PRIVATE_CACHE else seed_private_cache(root / "cache")
    return Tool(label, ROOT, [sys.executable, str(ROOT / "build.py"), "build",
                             "--content", str(content), "--out", str(out)],
                # the spare folder beside the output is the output a build replaced (sitegen/output.py)
                cold_paths=[out, out.parent / f".{out.name}.spare", state_dir(out, cache)], on_clear=clear_built_copies,
                env={**os.environ, "EARNVERDICT_CACHE": str(cache)})


def ours_bare(root: Path, guides: list[corpus_mod.Guide]) -> Tool:
    """This project's build with the search index and the cards replaced by stages that return
    no files (bench/readers.py's "bare" build): the work the peers do."""
    tool = ours(root, guides, "earnverdict-bare", OURS_BARE)
    content, out = tool.command[-3], tool.command[-1]
    tool.command = [sys.executable, str(BENCH / "readers.py"), "--child", "bare", content, out]
    return tool


def edit_one_guide(tool: Tool, run: int) -> None:
    """What a writer does between two `serve` rebuilds: change a sentence in one guide."""
    content = Path(tool.command[tool.command.index("--content") + 1] if "--content" in tool.command else tool.command[-2])
    guides = sorted((content / "guides").glob("*.md"))
    path = guides[len(guides) // 2]
    path.write_text(path.read_text() + f"\nThis sentence was edited in run {run}.\n")


# --- build section -------------------------------------------------------------------------

@dataclass
class Case:
    tool: str
    case: str
    results: list[RunResult] = field(default_factory=list)

    @property
    def ok(self) -> list[RunResult]:
        return [r for r in self.results if r.returncode == 0]

    @property
    def failure(self) -> str | None:
        bad = [r for r in self.results if r.returncode != 0]
        if not bad:
            return None
        return f"exit {bad[0].returncode}: {bad[0].stderr_tail.splitlines()[-1] if bad[0].stderr_tail else ''}"


def run_builds(tools: list[Tool], runs: int, log) -> dict[tuple[str, str], Case]:
    cases: dict[tuple[str, str], Case] = {}

    def record(tool: Tool, case: str, result: RunResult) -> None:
        cases.setdefault((tool.name, case), Case(tool.name, case)).results.append(result)
        log(f"  {tool.name:<12} {case:<32} {result.seconds:8.3f} s {result.peak_mb:7.1f} MB"
            + ("" if result.returncode == 0 else f"  FAILED: {result.stderr_tail[-300:]}"))

    for run in range(runs):
        # Rotate the order every run so no tool always follows the same neighbour.
        order = tools[run % len(tools):] + tools[:run % len(tools)]
        log(f"run {run + 1}/{runs}: " + ", ".join(t.name for t in order))
        for tool in order:
            tool.clear()
            cold = run_measured(tool.command, tool.project, tool.env)
            record(tool, COLD, cold)
            if tool.name.startswith(OURS) and cold.returncode == 0:
                edit_one_guide(tool, run)
                record(tool, EDIT, run_measured(tool.command, tool.project, tool.env))
                record(tool, NOOP, run_measured(tool.command, tool.project, tool.env))
    return cases


def tool_label(name: str) -> str:
    try:
        if name == "Pelican":
            import pelican
            return f"Pelican {pelican.__version__}"
        if name == "MkDocs":
            import mkdocs
            return f"MkDocs {mkdocs.__version__}"
        if name.startswith("Hugo"):
            return name.replace("Hugo", f"Hugo {hugo_version(shutil.which('hugo') or 'hugo')}", 1)
    except (ImportError, OSError):
        pass
    return name


def build_table(cases: dict, n, runs: int, base_tool: str = OURS) -> list[str]:
    ours_cold = cases.get((base_tool, COLD))
    base = summarize(ours_cold.ok).median if ours_cold and ours_cold.ok else None
    count = f"{n:,}" if isinstance(n, int) else n
    lines = [f"### Build: N = {count} guides, median of {runs} run(s)", "",
             "| tool | case | median s | min s | max s | CPU s | peak MB | time / ours (cold) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for case in cases.values():
        label = tool_label(case.tool)
        if not case.ok:
            lines.append(f"| {label} | {case.case} | failed: {case.failure} | | | | | |")
            continue
        s = summarize(case.ok)
        if case.failure:  # some runs failed: the median is of the others, and the row says so
            label += f" ({len(case.results) - len(case.ok)} of {len(case.results)} runs failed, {case.failure})"
        ratio = f"{s.median / base:.2f}" if base and case.case == COLD else ""
        lines.append(f"| {label} | {case.case} | {s.median:.3f} | {s.low:.3f} | {s.high:.3f} "
                     f"| {fmt(s.cpu_median, '.2f')} | {s.peak_mb:.0f} | {ratio} |")
    return lines


def median_time(cases: dict, tool: str, case: str = COLD) -> float | None:
    c = cases.get((tool, case))
    return summarize(c.ok).median if c and c.ok else None


# --- engine --------------------------------------------------------------------------------

def engine_timing(calls: int = 800) -> dict:
    """verdict() once each for `calls` different situations spread evenly over the audit's grid
    (every role, level, market, urgency, hours, salary, skills and track), so no answer set is
    timed twice and nothing one call leaves behind can flatter the next."""
    from verdict_audit import grid
    try:
        from engine import verdict
    except ImportError as err:
        return {"error": f"engine not importable: {err}"}
    situations = list(grid())
    chosen = situations[::max(1, len(situations) // calls)][:calls]
    times, cpu = [], []
    try:
        for answers in chosen:
            t0, c0 = time.perf_counter(), time.process_time()
            verdict(answers)
            cpu.append((time.process_time() - c0) * 1000)
            times.append((time.perf_counter() - t0) * 1000)
    except Exception as err:  # a failing engine is a reported result
        return {"error": f"verdict() raised {type(err).__name__}: {err}"}
    # The first call loads the parameter files; it is reported on its own. CPU time is reported
    # beside wall time (which the target is judged on), since a shared machine's scheduling
    # lengthens the slowest calls more than the typical one.
    first, times, cpu = times[0], sorted(times[1:]), sorted(cpu[1:])
    return {"calls": len(times) + 1, "first_ms": first, "median_ms": statistics.median(times),
            "p95_ms": times[int(len(times) * 0.95) - 1], "max_ms": times[-1],
            "cpu_median_ms": statistics.median(cpu), "cpu_p95_ms": cpu[int(len(cpu) * 0.95) - 1]}


# --- the real site, for the browser sections -----------------------------------------------

def build_real_site(workdir: Path, log) -> tuple[Path | None, str | None]:
    out = workdir / "real-site"
    cmd = [sys.executable, str(ROOT / "build.py"), "build", "--out", str(out)]
    result = run_measured(cmd, ROOT)
    if result.returncode != 0:
        return None, f"`build.py build` failed (exit {result.returncode}): {result.stderr_tail[-300:]}"
    log(f"built the site from content/ in {result.seconds:.2f} s")
    return out, None


def first_guide(site: Path) -> str | None:
    pages = sorted((site / "guides").glob("*/index.html"))
    return pages[0].parent.relative_to(site).as_posix() + "/" if pages else None


# --- report --------------------------------------------------------------------------------

def generator_fingerprint() -> str:
    """Names, sizes and mtimes of the files the build runs on: if they change mid-run, "nothing
    changed" rebuilds re-render and the run's numbers mix two versions."""
    digest = hashlib.sha256()
    for folder in ("sitegen", "engine", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                st = path.stat()
                digest.update(f"{path.relative_to(ROOT)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def verdict_word(met: bool | None) -> str:
    return "n/a" if met is None else ("**met**" if met else "**missed**")


def fmt(value, spec: str = ".3f", unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{unit}"


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def chromium_version() -> str:
    try:
        return subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True,
                              timeout=30).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1000, help="guides in the corpus (default 1000)")
    p.add_argument("--runs", type=int, default=5, help="runs per build case, median reported (default 5)")
    p.add_argument("--sections", default=DEFAULT_SECTIONS,
                   help=f"comma-separated, from {', '.join(SECTIONS)} (default: all)")
    p.add_argument("--scale-n", type=int, default=0,
                   help="also build N guides with this project alone (scaling and memory), e.g. 10000")
    p.add_argument("--scale-runs", type=int, default=3, help="runs at --scale-n (default 3)")
    p.add_argument("--quiz-runs", type=int, default=5, help="cold/warm browser runs each (default 5)")
    p.add_argument("--workdir", type=Path, help="where corpora and outputs go (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--report", type=Path, default=BENCH / "out" / "latest.md",
                   help="markdown report path (default bench/out/latest.md); JSON beside it")
    args = p.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        p.error(f"--sections: unknown {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.n < 4:
        p.error(f"--n {args.n}: a corpus needs at least 4 guides (each links three others)")
    if args.runs < 1 or args.quiz_runs < 1 or args.scale_runs < 1:
        p.error("--runs, --quiz-runs and --scale-runs must be at least 1")
    args.sections = sections
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="earnverdict-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    load_start = os.getloadavg()
    generator_start = generator_fingerprint()
    report: list[str] = [f"## Benchmark run {started:%Y-%m-%d %H:%M} UTC", "",
                         f"Machine: {machine_line()}.  ",
                         f"Command: `bench/run.py {' '.join(sys.argv[1:] if argv is None else argv)}`", ""]
    targets: list[tuple[str, str, bool | None]] = []
    data: dict = {"date": started.isoformat(), "machine": machine_line(), "n": args.n,
                  "runs": args.runs, "sections": args.sections}
    cases: dict = {}
    scale_cases: dict = {}
    # A terminated run still removes its work directory and build state.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        compile_sources()
        # The real site first: it primes the machine-wide caches (Pyodide, its compressed copies)
        # that no build of the corpus should pay for, and the browser sections use it.
        site, problem = build_real_site(workdir, log)
        seed_private_cache(workdir / "cache")
        if "build" in args.sections or "peers" in args.sections:
            guides = corpus_mod.make_corpus(args.n)
            log(f"corpus: {args.n} guides in {workdir}")
            tools = [ours(workdir, guides), ours_bare(workdir, guides)]
            if "peers" in args.sections:
                for name, make in PEERS.items():
                    try:
                        tools.append(make(workdir, guides))
                    except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
                        report.append(f"{name}: not measured ({err}).")
            cases = run_builds(tools, args.runs, log)
            report += build_table(cases, args.n, args.runs) + [""]
            data["build"] = {f"{t}|{c}": [asdict(r) for r in case.results] for (t, c), case in cases.items()}
            floor = readers_floor(tools[1], args.runs, log)
            data["readers_floor"] = floor
            least = least_with_readers(cases, floor)
            if least is not None:
                report += [least[2], ""]
            targets += build_targets(cases, floor)

        if args.scale_n:
            scale_lines, scale_targets, data["scaling"], scale_cases = scaling(workdir, args, log)
            report += scale_lines + [""]
            targets += scale_targets

        if "engine" in args.sections:
            eng = engine_timing()
            data["engine"] = eng
            if "error" in eng:
                report += ["### Engine (CPython)", "", f"Not measured: {eng['error']}", ""]
                targets.append((f"engine: a verdict under {TARGET_ENGINE_MS} ms in CPython (p95)", eng["error"], None))
            else:
                report += ["### Engine (CPython)", "",
                           f"verdict() for {eng['calls']} different situations: first {eng['first_ms']:.2f} ms, then median {eng['median_ms']:.3f} ms, "
                           f"p95 {eng['p95_ms']:.3f} ms, max {eng['max_ms']:.3f} ms; CPU time median "
                           f"{eng['cpu_median_ms']:.3f} ms, p95 {eng['cpu_p95_ms']:.3f} ms.", ""]
                # Judged at the 95th percentile: on a shared machine a lone call can be descheduled.
                targets.append((f"engine: a verdict under {TARGET_ENGINE_MS} ms in CPython (p95)",
                                f"p95 {eng['p95_ms']:.3f} ms, median {eng['median_ms']:.3f} ms, "
                                f"max {eng['max_ms']:.2f} ms, first call {eng['first_ms']:.2f} ms",
                                eng["p95_ms"] < TARGET_ENGINE_MS))

        browser_sections = [s for s in ("quiz", "weight", "lighthouse") if s in args.sections]
        if browser_sections:
            if site is None:
                report += ["### Quiz, weight, Lighthouse", "", f"Not measured: {problem}", ""]
                for s in browser_sections:
                    targets.append((f"{s} section", problem, None))
            else:
                if "weight" in args.sections:
                    lines, tg, data["weight"] = weight_section(site)
                    report += lines + [""]
                    targets += tg
                if "quiz" in args.sections:
                    lines, tg, data["quiz"] = quiz_section(site, workdir, args.quiz_runs, log)
                    report += lines + [""]
                    targets += tg
                if "lighthouse" in args.sections:
                    lines, data["lighthouse"] = lighthouse_section(site, workdir, log)
                    report += lines + [""]
    finally:
        if not args.keep:
            # The real site's build state lives in the shared cache; the rest is in the workdir.
            shutil.rmtree(state_dir(workdir / "real-site"), ignore_errors=True)
            for cache in PRIVATE_CACHE:
                shutil.rmtree(cache, ignore_errors=True)
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)

    load_end = os.getloadavg()
    report += [f"Load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f}: other work on "
               "the machine slows every tool; runs alternate so it spreads across them.", ""]
    data["loadavg"] = {"start": load_start, "end": load_end}
    data["generator_changed"] = generator_fingerprint() != generator_start
    if data["generator_changed"]:
        report += ["**Warning:** sitegen/, engine/ or templates/ changed during this run: rebuilds after "
                   "the change re-rendered for it, and the run mixes two versions of the build.", ""]
    report += ["### Targets", "", "| target | measured | verdict |", "| --- | --- | --- |"]
    report += [f"| {name} | {measured} | {verdict_word(met)} |" for name, measured, met in targets]
    data["targets"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in targets]
    text = "\n".join(report) + "\n"
    print(text)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text)
    args.report.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    # A benchmark of a build that fails is no result: say so in the exit status too.
    broken = [c for (tool, _), c in (cases | scale_cases).items() if tool.startswith(OURS) and c.failure]
    return 1 if broken else 0


def readers_floor(bare: Tool, runs: int, log) -> dict | None:
    """The work the search index and the cards add, each measured alone beside the build without
    them, `runs` times (CPU seconds, medians): Pagefind's own command indexing the pages the build
    indexes, with the build's settings, from the build without them's output; and every card
    drawn in one process (readers.py's "cards" child). With the build without them's CPU, this
    bounds from below what the build with them can take on this machine's cores, however its
    stages overlap. None when the build without them did not finish."""
    from pagefind_bin import get_executable

    from sitegen.search import NOT_INDEXED

    content, out = bare.command[-2], Path(bare.command[-1])
    if not (out / "index.html").is_file():
        return None
    # Pagefind's own files go to memory where the machine has it, so their writing does not
    # count against it: a lower bound should not be raised by this measurement's own disk.
    memory = Path("/dev/shm")
    pagefind, cards = [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory(dir=memory if memory.is_dir() else None) as index:
            done = run_measured([str(get_executable()), "--site", str(out), "--glob", "{guides,roles}/*/index.html",
                                 "--root-selector", "main", "--exclude-selectors", ",".join(NOT_INDEXED),
                                 "--force-language", "en", "--output-path", index], ROOT, bare.env)
        if done.returncode != 0 or done.cpu_seconds is None:
            log(f"  Pagefind alone failed: {done.stderr_tail[-300:]}")
            return None
        pagefind.append(done.cpu_seconds)
        drawn = subprocess.run([sys.executable, str(BENCH / "readers.py"), "--child", "cards", content, str(out) + ".cards"],
                               capture_output=True, text=True, env=bare.env, cwd=ROOT)
        if drawn.returncode != 0:
            log(f"  the cards alone failed: {drawn.stderr[-300:]}")
            return None
        cards.append(json.loads(drawn.stdout.strip().splitlines()[-1])["cpu_seconds"])
        log(f"  alone: Pagefind {pagefind[-1]:.2f} s CPU, the cards {cards[-1]:.2f} s CPU")
    return {"pagefind_cpu": statistics.median(pagefind), "cards_cpu": statistics.median(cards), "cores": os.cpu_count() or 1}


def least_with_readers(cases: dict, floor: dict | None) -> tuple[float, float, str] | None:
    """The least time the build with the search index and cards can take, as a ratio to the build
    without them: the CPU of the build without them, of Pagefind alone and of the cards alone,
    shared evenly over the cores, which no overlap of the stages beats; then the same with the
    index alone; and a sentence saying so. None when not measured."""
    bare = cases.get((OURS_BARE, COLD))
    summary = summarize(bare.ok) if bare and bare.ok else None
    if floor is None or summary is None or summary.cpu_median is None:
        return None
    cores, bare_cpu = floor["cores"], summary.cpu_median
    # It does all the build without them does, so it takes no less than that build either.
    with_both = max(summary.median, (bare_cpu + floor["pagefind_cpu"] + floor["cards_cpu"]) / cores)
    with_index = max(summary.median, (bare_cpu + floor["pagefind_cpu"]) / cores)
    text = (f"The least the build with the search index and cards can take on this machine's {cores} cores, "
            f"however its stages overlap: the CPU of the build without them ({bare_cpu:.2f} s, median), of Pagefind's "
            f"own command indexing the same pages ({floor['pagefind_cpu']:.2f} s) and of drawing every card in one "
            f"process ({floor['cards_cpu']:.2f} s), shared evenly, and no less than the build without them "
            f"({summary.median:.2f} s): {with_both:.2f} s, {with_both / summary.median:.2f}x that build; "
            f"with the index and no cards, {with_index / summary.median:.2f}x.")
    return with_both / summary.median, with_index / summary.median, text


def build_targets(cases: dict, floor: dict | None = None) -> list[tuple[str, str, bool | None]]:
    ours_cold, ours_edit, ours_noop = (median_time(cases, OURS, c) for c in (COLD, EDIT, NOOP))
    out: list[tuple[str, str, bool | None]] = []
    for peer, factor in (("Pelican", TARGET_VS_PELICAN), ("MkDocs", TARGET_VS_MKDOCS)):
        t = median_time(cases, peer)
        if t is not None and ours_cold:
            out.append((f"cold build at least {factor:g}x faster than {peer}",
                        f"{peer} {t:.2f} s / ours {ours_cold:.2f} s = {t / ours_cold:.2f}x",
                        t / ours_cold >= factor))
    for peer, factor in (("Hugo", TARGET_WITHIN_HUGO), (HUGO_MINIMAL, TARGET_WITHIN_HUGO_MINIMAL)):
        t = median_time(cases, peer)
        if t is not None and ours_cold:
            out.append((f"cold build within {factor:g}x of {peer}",
                        f"ours {ours_cold:.2f} s / {peer} {t:.2f} s = {ours_cold / t:.2f}x",
                        ours_cold / t <= factor))
    bare = median_time(cases, OURS_BARE)
    if bare is not None and ours_cold:
        least = least_with_readers(cases, floor)
        out.append((f"cold build with the search index and cards within {TARGET_READERS_RATIO:g}x of the build without",
                    f"{ours_cold:.2f} s / {bare:.2f} s = {ours_cold / bare:.2f}x"
                    + (f" (the least possible on this machine: {least[0]:.2f}x, see under the build table)" if least else ""),
                    ours_cold / bare <= TARGET_READERS_RATIO))
        for peer, factor in (("Pelican", TARGET_VS_PELICAN), ("Hugo", TARGET_WITHIN_HUGO), (HUGO_MINIMAL, TARGET_WITHIN_HUGO_MINIMAL)):
            t = median_time(cases, peer)
            if t is not None:
                ratio, met = (t / bare, t / bare >= factor) if peer == "Pelican" else (bare / t, bare / t <= factor)
                out.append((f"the same, without the search index and cards (the work the peers do), against {peer} ({factor:g}x)",
                            f"{ratio:.2f}x ({bare:.2f} s, {peer} {t:.2f} s)", met))
    hugo_t = median_time(cases, "Hugo")
    if hugo_t is not None and ours_edit is not None:
        out.append(("rebuild after editing one guide under 1/3 of Hugo's full build",
                    f"ours {ours_edit:.3f} s vs Hugo {hugo_t:.3f} s / 3 = {hugo_t * TARGET_EDIT_OF_HUGO:.3f} s",
                    ours_edit < hugo_t * TARGET_EDIT_OF_HUGO))
    if ours_noop is not None:
        out.append((f"rebuild with nothing changed under {TARGET_NOOP_S} s", f"{ours_noop:.3f} s",
                    ours_noop < TARGET_NOOP_S))
    return out


def scaling(workdir: Path, args, log):
    """This project alone at N and at the large N, alternated run by run so both meet the same
    machine; the growth in time is judged against the growth in guides."""
    big_label = f"{OURS} (N={args.scale_n:,})"
    small_label = f"{OURS} (N={args.n:,})"
    log(f"scaling: {args.n} and {args.scale_n} guides, alternated")
    tools = [ours(workdir, corpus_mod.make_corpus(args.n), "earnverdict-base", small_label),
             ours(workdir, corpus_mod.make_corpus(args.scale_n), "earnverdict-scale", big_label)]
    cases = run_builds(tools, args.scale_runs, log)
    lines = build_table(cases, f"{args.n:,} and {args.scale_n:,}", args.scale_runs, base_tool=small_label)
    base, big = median_time(cases, small_label), median_time(cases, big_label)
    peaks = [summarize(c.ok).peak_mb for (tool, _), c in cases.items() if tool == big_label and c.ok]
    base_case = cases.get((small_label, COLD))
    base_peak = summarize(base_case.ok).peak_mb if base_case and base_case.ok else None
    targets: list[tuple[str, str, bool | None]] = []
    if base and big:
        growth, linear = big / base, args.scale_n / args.n
        cpu_small = summarize(cases[(small_label, COLD)].ok).cpu_median
        cpu_big = summarize(cases[(big_label, COLD)].ok).cpu_median
        cpu_note = (f"; CPU time {cpu_big:.1f} s / {cpu_small:.1f} s = {cpu_big / cpu_small:.2f}x"
                    if cpu_small and cpu_big else "")
        targets.append((f"N={args.scale_n:,}: cold build time grows no worse than linearly",
                        f"wall {big:.2f} s / {base:.2f} s = {growth:.2f}x for {linear:g}x the guides "
                        f"({1000 * base / args.n:.2f} -> {1000 * big / args.scale_n:.2f} ms per guide){cpu_note}",
                        growth <= linear))
    else:
        targets.append((f"N={args.scale_n:,}: cold build time grows no worse than linearly", "a build failed", None))
    if peaks:
        targets.append((f"N={args.scale_n:,}: peak memory under {TARGET_PEAK_MB} MB",
                        f"{max(peaks):.0f} MB (N={args.n:,}: {fmt(base_peak, '.0f')} MB)",
                        max(peaks) < TARGET_PEAK_MB))
    data = {f"{t}|{c}": [asdict(r) for r in case.results] for (t, c), case in cases.items()}
    return lines, targets, data, cases


def weight_section(site: Path):
    from sitegen.precompress import MIN_BYTES
    from weight import page_assets, precompressed_status, pyodide_files, weigh
    rows, targets, data = [], [], {}
    guide = first_guide(site)
    quiz = site / "quiz" / "index.html"
    if guide:
        files = page_assets(site, site / guide / "index.html")
        rows.append(weigh("guide page: HTML + CSS", site, [f for f in files if f.suffix != ".js"]))
        rows.append(weigh("guide page: its JS (service worker registration, sw.js)", site,
                          [f for f in files if f.suffix == ".js"]))
    if quiz.is_file():
        w = weigh("quiz page: HTML + CSS + JS (worker and sw.js included) before Pyodide", site,
                  page_assets(site, quiz))
        rows.append(w)
        targets.append((f"quiz page's own HTML, CSS and JS under {TARGET_QUIZ_KB} KB before Pyodide",
                        f"{w.raw / 1024:.1f} KB raw ({w.gzip / 1024:.1f} KB gzip)", w.raw < TARGET_QUIZ_KB * 1024))
    runtime = pyodide_files(site)
    if runtime:
        rows.append(weigh("Pyodide as shipped (runtime, lock, precompiled engine)", site, runtime))
    lines = ["### Weight", "", "| what | files | raw KB | gzip KB | brotli KB |", "| --- | ---: | ---: | ---: | ---: |"]
    for w in rows:
        br = "n/a (pip install brotli)" if w.brotli is None else f"{w.brotli / 1024:.1f}"
        lines.append(f"| {w.label} | {len(w.files)} | {w.raw / 1024:.1f} | {w.gzip / 1024:.1f} | {br} |")
        data[w.label] = asdict(w)
    if not quiz.is_file():
        lines.append("| quiz page | not built | | | |")
    large, gz, br = precompressed_status(site)
    lines += ["", f"Precompressed copies in the build: {gz} of {large} compressible files of "
                  f"{MIN_BYTES // 1024} KB or more have a .gz beside them, {br} a .br."]
    data["precompressed"] = {"large": large, "gz": gz, "br": br}
    return lines, targets, data


def quiz_section(site: Path, workdir: Path, runs: int, log):
    from quiz_timing import GUIDE_SETTLE_MS, PYODIDE_DIR, measure_quiz, median_of
    lines = ["### Quiz in headless Chromium (127.0.0.1)", ""]
    targets: list = []
    if not (site / "quiz" / "index.html").is_file() or not (site / PYODIDE_DIR / "pyodide.js").is_file():
        lines.append("Not measured: the build has no quiz/index.html or no pyodide/pyodide.js yet.")
        return lines, [("quiz timings", "quiz page not built", None)], {}
    from sitegen.quiz import QuizBuildError, extract_pyodide
    try:  # Pyodide as distributed, with its own lock file: what "bare Pyodide" starts
        upstream = extract_pyodide(cache_root())
    except (QuizBuildError, OSError) as err:
        lines.append(f"Not measured: no Pyodide runtime ({err}).")
        return lines, [("quiz timings", "no Pyodide runtime", None)], {}
    log(f"quiz: {runs} cold+warm runs each of the quiz page and bare Pyodide ({chromium_version()})")
    r = measure_quiz(site, workdir, upstream, runs, first_guide(site))
    q_int_c = median_of([t.interactive_ms for t in r.quiz_cold])
    q_rdy_c = median_of([t.ready_ms for t in r.quiz_cold])
    q_rdy_w = median_of([t.ready_ms for t in r.quiz_warm])
    b_rdy_c = median_of([t.ready_ms for t in r.bare_cold])
    b_rdy_w = median_of([t.ready_ms for t in r.bare_warm])
    v_med = median_of(r.verdict_ms)
    v_max = max(r.verdict_ms) if r.verdict_ms else None
    v_first = median_of(r.verdict_first_ms)
    f_submit, f_change = median_of(r.form_submit_ms), median_of(r.form_change_ms)
    f_max = max(r.form_submit_ms + r.form_change_ms) if r.form_submit_ms else None
    ratio = lambda a, b: f"{a / b:.2f}" if a and b else "n/a"  # noqa: E731

    def spread(timings, attr: str) -> str:
        """median (min-max) of one measure over the runs."""
        values = [getattr(t, attr) for t in timings if getattr(t, attr) is not None]
        if not values:
            return "n/a"
        return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"

    lines += [f"Median (min-max) of {runs} run(s); times in ms from navigation start. {chromium_version()}.", "",
              "| measure | quiz page | bare Pyodide 0.25.1 in a worker | quiz / bare |",
              "| --- | ---: | ---: | ---: |",
              f"| questions interactive, cold cache | {spread(r.quiz_cold, 'interactive_ms')} | | |",
              f"| questions interactive, warm cache | {spread(r.quiz_warm, 'interactive_ms')} | | |",
              f"| engine ready, cold cache | {spread(r.quiz_cold, 'ready_ms')} | {spread(r.bare_cold, 'ready_ms')} "
              f"| {ratio(q_rdy_c, b_rdy_c)} |",
              f"| engine ready, warm cache | {spread(r.quiz_warm, 'ready_ms')} | {spread(r.bare_warm, 'ready_ms')} "
              f"| {ratio(q_rdy_w, b_rdy_w)} |",
              f"| diagnostic: engine ready, cold cache, service workers blocked | "
              f"{spread(r.quiz_cold_no_sw, 'ready_ms')} | | {ratio(median_of([t.ready_ms for t in r.quiz_cold_no_sw]), b_rdy_c)} |",
              f"| diagnostic: questions interactive, cold cache, service workers blocked | "
              f"{spread(r.quiz_cold_no_sw, 'interactive_ms')} | | |",
              f"| diagnostic: Python started -> engine ready, in the quiz worker, cold / warm | "
              f"{spread(r.quiz_cold, 'engine_load_ms')} / {spread(r.quiz_warm, 'engine_load_ms')} | | |",
              f"| verdict once ready (window.earnverdict.verdict, {len(r.verdict_ms)} calls) | "
              f"median {fmt(v_med, '.1f')}, first {fmt(v_first, '.1f')}, max {fmt(v_max, '.1f')} | | |",
              f"| verdict via the form: answers submitted -> verdict on screen | {fmt(f_submit, '.1f')} "
              f"(max {fmt(max(r.form_submit_ms) if r.form_submit_ms else None, '.1f')}) | | |",
              f"| verdict via the form: one answer changed -> verdict redrawn ({len(r.form_change_ms)} changes) | "
              f"{fmt(f_change, '.1f')} (max {fmt(max(r.form_change_ms) if r.form_change_ms else None, '.1f')}) | | |", ""]
    errors = [f"{kind}: {t.error}" for kind in ("quiz_cold", "quiz_warm", "bare_cold", "bare_warm", "quiz_cold_no_sw")
              for t in getattr(r, kind) if t.error]
    if r.problems or errors:
        lines += ["Problems: " + "; ".join(r.problems + errors), ""]
    js_beyond = [u for u in r.guide_scripts if "sw-register" not in u]
    lines += [f"Guide page: scripts it loads: {', '.join(u.rsplit('/', 1)[-1] for u in r.guide_scripts) or 'none'}; "
              f"requests the server saw within {GUIDE_SETTLE_MS / 1000:g} s of load, service worker included: "
              f"{len(r.guide_page_requests)}, of them Pyodide: {len(r.guide_pyodide_requests)}.", ""]
    targets += [
        (f"quiz: questions interactive within {TARGET_INTERACTIVE_MS} ms of navigation (cold)",
         f"{fmt(q_int_c, '.0f')} ms", None if q_int_c is None else q_int_c <= TARGET_INTERACTIVE_MS),
        (f"quiz: engine ready within {TARGET_READY_RATIO}x of bare Pyodide (cold, median)",
         f"{fmt(q_rdy_c, '.0f')} ms / {fmt(b_rdy_c, '.0f')} ms = {ratio(q_rdy_c, b_rdy_c)}x",
         None if not (q_rdy_c and b_rdy_c) else q_rdy_c / b_rdy_c <= TARGET_READY_RATIO),
        (f"quiz: a verdict within {TARGET_VERDICT_MS} ms of the last answer once ready (form, median)",
         f"submit {fmt(f_submit, '.1f')} ms, change {fmt(f_change, '.1f')} ms (slowest {fmt(f_max, '.1f')} ms); "
         f"API median {fmt(v_med, '.1f')} ms",
         None if f_submit is None else max(f_submit, f_change or 0) <= TARGET_VERDICT_MS),
        ("guide pages: no Pyodide, no JS beyond registering the service worker",
         f"{len(js_beyond)} other scripts, {len(r.guide_pyodide_requests)} Pyodide requests",
         None if not r.guide_scripts and not first_guide(site) else
         (not js_beyond and not r.guide_pyodide_requests)),
    ]
    data = {k: [asdict(t) for t in getattr(r, k)]
            for k in ("quiz_cold", "quiz_warm", "bare_cold", "bare_warm", "quiz_cold_no_sw")}
    data |= {"verdict_ms": r.verdict_ms, "form_submit_ms": r.form_submit_ms,
             "form_change_ms": r.form_change_ms, "guide_scripts": r.guide_scripts,
             "guide_page_requests": r.guide_page_requests,
             "guide_pyodide_requests": r.guide_pyodide_requests, "problems": r.problems + errors}
    return lines, targets, data


def lighthouse_section(site: Path, workdir: Path, log):
    from lighthouse import CATEGORIES, run_lighthouse
    from sitegen.hosting import SiteServer
    lines = ["### Lighthouse (npm lighthouse, mobile defaults, Debian chromium)", "",
             "| page | " + " | ".join(CATEGORIES) + " |", "|---" * (len(CATEGORIES) + 1) + "|"]
    pages = [("guide", first_guide(site)), ("quiz", "quiz/" if (site / "quiz" / "index.html").is_file() else None)]
    results, data = [], {}
    with SiteServer(site) as server:
        url = server.origin + "/"
        for label, path in pages:
            if path is None:
                lines.append(f"| {label} | not built |" + " |" * (len(CATEGORIES) - 1))
                continue
            log(f"lighthouse: {label} page")
            res = run_lighthouse(label, url + path, workdir)
            results.append(res)
            data[label] = asdict(res)
            if res.error:
                lines.append(f"| {label} | {res.error} |" + " |" * (len(CATEGORIES) - 1))
            else:
                lines.append(f"| {label} | " + " | ".join(fmt(res.scores[c], "d") for c in CATEGORIES) + " |")
    lines += ["", "Simulated mobile metrics: " + "; ".join(
        f"{r.label}: FCP {r.metrics.get('first-contentful-paint')}, LCP {r.metrics.get('largest-contentful-paint')}, "
        f"TBT {r.metrics.get('total-blocking-time')}, CLS {r.metrics.get('cumulative-layout-shift')}"
        for r in results if not r.error) + "."]
    below = [f"- {r.label}, {cat}: " + "; ".join(items)
             for r in results if not r.error for cat, items in r.obstacles.items() if items]
    lines += ["", "What stands in the way of 100:" if below else "Nothing below 100.", *below]
    return lines, data


if __name__ == "__main__":
    sys.exit(main())
