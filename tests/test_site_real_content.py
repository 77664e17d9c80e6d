"""The real guides in content/ build with no problems."""

from __future__ import annotations

from conftest import ROOT


def test_real_content_builds_without_problems(real_site):
    published = [p for p in (ROOT / "content/guides").rglob("*.md") if "\ndraft: true" not in p.read_text(encoding="utf-8")]
    assert len(list((real_site / "guides").glob("*/index.html"))) == len(published)
    assert (real_site / "quiz/index.html").is_file() and (real_site / "index.html").is_file()
