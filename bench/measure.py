"""Wall time and peak memory of one build command, and the statistics over runs."""
from __future__ import annotations

import os
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


def run_measured(cmd: list[str], cwd: Path, env: dict | None = None) -> RunResult:
    """Run cmd to completion; wall time by perf_counter, peak memory as the larger of the sampled
    process-tree PSS and the main process's own ru_maxrss (which catches peaks between samples)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = _TreeMemory(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        # ru_maxrss is in kilobytes on Linux.
        peak_kb = max(sampler.peak_kb, usage.ru_maxrss)
        return RunResult(seconds, peak_kb / 1024, proc.returncode, "\n".join(tail))


@dataclass
class Summary:
    median: float
    low: float
    high: float
    peak_mb: float
    runs: int


def summarize(results: list[RunResult]) -> Summary:
    times = [r.seconds for r in results]
    return Summary(statistics.median(times), min(times), max(times),
                   max(r.peak_mb for r in results), len(results))
