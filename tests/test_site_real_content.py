"""The real guides in content/ build with no problems."""

from __future__ import annotations

from conftest import ROOT, run_subprocess


def test_real_content_builds_without_problems(tmp_path):
    out = tmp_path / "site"
    result = run_subprocess("build", "--content", ROOT / "content", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    published = [p for p in (ROOT / "content/guides").rglob("*.md") if "\ndraft: true" not in p.read_text(encoding="utf-8")]
    assert len(list((out / "guides").glob("*/index.html"))) == len(published)
    assert (out / "quiz/index.html").is_file() and (out / "index.html").is_file()
