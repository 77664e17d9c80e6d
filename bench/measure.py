"""Wall time and peak memory of one build command, and the statistics over runs."""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


@dataclass
class RunResult:
    seconds: float
    peak_mb: float
    returncode: int
    stderr_tail: str
    cpu_seconds: float | None = None   # user + system of the build and its workers, from GNU time


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _process_tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(_children(p))
    return tree


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages of forked workers are counted once in total."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class _TreeMemory(threading.Thread):
    """Samples the summed PSS of a process and all its descendants; a build that forks workers
    is charged for all of them, not just its main process."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            total = sum(_pss_kb(p) for p in _process_tree(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            self.done.wait(SAMPLE_SECONDS)


# GNU time reports the build's peak resident set from a small parent. The benchmark's own
# ru_maxrss would mislead: Linux carries a parent's high-water mark across fork and exec, so a
# child of this (corpus-holding) process would inherit its size.
GNU_TIME = "/usr/bin/time"


def run_measured(cmd: list[str], cwd: Path, env: dict | None = None) -> RunResult:
    """Run cmd to completion; wall time by perf_counter, peak memory as the larger of the sampled
    process-tree PSS and the largest single process's peak RSS reported by GNU time."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [GNU_TIME, "-f", "%M %U %S", "-o", rss.name, *cmd] if Path(GNU_TIME).exists() else cmd
        start = time.perf_counter()
        # A session of its own, so an interrupted benchmark can stop the build and its workers.
        proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        sampler = _TreeMemory(proc.pid)
        sampler.start()
        try:
            _, status, _ = os.wait4(proc.pid, 0)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            os.waitpid(proc.pid, 0)
            raise
        finally:
            sampler.done.set()
            sampler.join()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        peak_kb, cpu = sampler.peak_kb, None
        reported = rss.read().strip().splitlines()
        fields = reported[-1].split() if reported else []
        if len(fields) == 3 and fields[0].isdigit():   # kilobytes, user s, system s
            peak_kb = max(peak_kb, int(fields[0]))
            cpu = float(fields[1]) + float(fields[2])
        return RunResult(seconds, peak_kb / 1024, proc.returncode, "\n".join(tail), cpu)


@dataclass
class Summary:
    median: float
    low: float
    high: float
    peak_mb: float
    runs: int
    cpu_median: float | None = None


def summarize(results: list[RunResult]) -> Summary:
    times = [r.seconds for r in results]
    cpus = [r.cpu_seconds for r in results if r.cpu_seconds is not None]
    return Summary(statistics.median(times), min(times), max(times),
                   max(r.peak_mb for r in results), len(results),
                   statistics.median(cpus) if cpus else None)
