"""The Nu HTML Checker (npm `vnu-jar`, pinned in package.json) run with the JRE.

Pages are checked as a host serves them (sitegen.hosting), so the checker judges every
resource against the page's Content-Security-Policy with the page's real origin; checked as
files, whose origin is opaque, every same-origin script would count as a violation.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from sitegen.hosting import SiteServer

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LD_JSON = '<script type="application/ld+json">'


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise AssertionError("java not found: the Nu HTML Checker needs a JRE (make browser installs it)")
    if not VNU_JAR.is_file():
        raise AssertionError(f"{VNU_JAR} not found: `make test` installs it with npm ci (package.json)")
    # The checker refuses loopback addresses unless told otherwise; the pages are served on 127.0.0.1.
    return [java, "-Dnu.validator.servlet.allow-forbidden-hosts=true", "-jar", str(VNU_JAR), "--format", "json", "--stdout"]


def is_structured_data(message: dict) -> bool:
    """The one message let through: the checker counts a JSON-LD block as an inline script the
    CSP blocks. It is data, not a script: browsers neither run it nor apply script-src to it."""
    return (message.get("subType") == "warning" and "Inline script violates Content Security Policy" in message.get("message", "")
            and highlighted(message) == LD_JSON)


def highlighted(message: dict) -> str:
    """The part of the page's source the message points at."""
    start = message.get("hiliteStart", 0)
    return message.get("extract", "")[start:start + message.get("hiliteLength", 0)]


def check(targets: list[str]) -> list[str]:
    """Every message (error, warning or info) for the given files or URLs, as `where: message` lines."""
    result = subprocess.run([*vnu_command(), *targets], capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        raise AssertionError(f"the Nu HTML Checker failed ({result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}") from None
    return [f"{m.get('url', '')}:{m.get('lastLine', '')}: {m.get('type')} {m.get('subType', '')}: {m.get('message')}"
            for m in messages if not is_structured_data(m)]


def check_sites(sites: list[Path]) -> tuple[int, list[str]]:
    """Every HTML page of every site, each served on 127.0.0.1: (pages checked, messages)."""
    servers = [SiteServer(site) for site in sites]
    urls = []
    for site, server in zip(sites, servers):
        server.__enter__()
        for page in sorted(site.rglob("*.html")):
            rel = page.relative_to(site).as_posix()
            urls.append(f"{server.origin}/{rel.removesuffix('index.html')}")
    try:
        return len(urls), check(urls)
    finally:
        for server in servers:
            server.__exit__(None, None, None)
