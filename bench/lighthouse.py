"""npm's lighthouse against Debian's chromium: the four category scores of a page and the audits
that keep each below 100."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LIGHTHOUSE_VERSION = "12"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-sync"


def install_dir() -> Path:
    base = os.environ.get("EARNVERDICT_CACHE") or Path.home() / ".cache" / "earnverdict"
    return Path(base) / "lighthouse"


def ensure_lighthouse() -> Path:
    """The lighthouse CLI, installed with npm into the cache directory (outside the repository)."""
    target = install_dir()
    binary = target / "node_modules" / ".bin" / "lighthouse"
    if binary.exists():
        return binary
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["npm", "install", "--prefix", str(target), "--no-audit", "--no-fund",
                             "--silent", f"lighthouse@{LIGHTHOUSE_VERSION}"],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not binary.exists():
        reason = (result.stderr.strip().splitlines() or ["no binary installed"])[-1]
        raise RuntimeError(f"npm install lighthouse@{LIGHTHOUSE_VERSION} failed: {reason}")
    return binary


@dataclass
class LighthouseResult:
    label: str
    scores: dict[str, int | None] = field(default_factory=dict)
    obstacles: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)   # Lighthouse's display values
    error: str | None = None


def obstacles(report: dict) -> dict[str, list[str]]:
    """Per category, the weighted audits that did not pass, with Lighthouse's display value."""
    out: dict[str, list[str]] = {}
    audits = report["audits"]
    for name in CATEGORIES:
        items = []
        for ref in report["categories"][name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                shown = audit.get("displayValue") or ""
                items.append(f"{audit['title']} ({audit['score']:.2f}{', ' + shown if shown else ''})")
        out[name] = items
    return out


def run_lighthouse(label: str, url: str, workdir: Path, chrome: str = "/usr/bin/chromium") -> LighthouseResult:
    try:
        binary = ensure_lighthouse()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        return LighthouseResult(label, error=str(err))
    report_path = workdir / f"lighthouse-{label.replace(' ', '-')}.json"
    env = {**os.environ, "CHROME_PATH": chrome}
    result = subprocess.run(
        [str(binary), url, "--quiet", "--output=json", f"--output-path={report_path}",
         f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"],
        capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0 or not report_path.exists():
        reason = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
        return LighthouseResult(label, error=f"lighthouse failed: {reason}")
    report = json.loads(report_path.read_text())
    scores = {name: (None if report["categories"][name]["score"] is None
                     else round(report["categories"][name]["score"] * 100)) for name in CATEGORIES}
    metrics = {m: report["audits"][m].get("displayValue", "").replace("\xa0", " ") for m in METRICS}
    return LighthouseResult(label, scores, obstacles(report), metrics)
