"""Social preview cards: one 1200x630 PNG per guide, hub, the home page and the quiz, inside the
site, byte-identical across builds, and a new file whenever what it shows changes."""

from __future__ import annotations

import io
import re

from conftest import run_cli, tree

BASE = "https://earnverdict.com/"


def card_urls(site) -> dict[str, str]:
    """Page (output path) -> its og:image URL, for every page that has one."""
    found = {}
    for html in sorted(site.rglob("*.html")):
        match = re.search(r'<meta property="og:image" content="([^"]+)">', html.read_text())
        if match:
            found[html.relative_to(site).as_posix()] = match.group(1)
    return found


def assert_is_card(site, url: str, base: str = BASE) -> bytes:
    from PIL import Image

    assert url.startswith(base), url
    target = site / url.removeprefix(base)
    assert target.is_file() and target.resolve().is_relative_to(site.resolve()), url
    data = target.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (1200, 630)), url
    return data


def test_every_guide_hub_home_and_quiz_page_has_a_card_inside_the_site(real_site):
    cards = card_urls(real_site)
    pages = {p.relative_to(real_site).as_posix() for p in real_site.rglob("index.html")}
    expected = {p for p in pages if p.startswith(("guides/", "roles/", "quiz/")) and p != "guides/index.html"} | {"index.html"}
    assert expected <= set(cards), sorted(expected - set(cards))
    for url in set(cards.values()):
        assert_is_card(real_site, url)
    assert len(set(cards.values())) == len(cards)  # one card per page, each its own
    guide = (real_site / "guides/best-skills-for-devops-engineers/index.html").read_text()
    assert '<meta name="twitter:card" content="summary_large_image">' in guide
    assert f'"image":"{cards["guides/best-skills-for-devops-engineers/index.html"]}"' in guide  # the Article's


def test_cards_are_byte_identical_across_builds_and_follow_the_title(content, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"  # each output folder draws its own
    assert run_cli("build", "--content", content, "--out", first, capsys=capsys)[0] == 0
    assert run_cli("build", "--content", content, "--out", second, capsys=capsys)[0] == 0
    cards = {path: data for path, data in tree(first).items() if path.startswith("assets/cards/")}
    assert cards and cards == {path: data for path, data in tree(second).items() if path.startswith("assets/cards/")}

    before = card_urls(second)["guides/alpha/index.html"]
    old_bytes = assert_is_card(second, before)
    guide = content / "guides/alpha.md"
    guide.write_text(guide.read_text().replace("title: Alpha guide for backend developers", "title: Alpha guide, retitled"))
    assert run_cli("build", "--content", content, "--out", second, capsys=capsys)[0] == 0
    after = card_urls(second)["guides/alpha/index.html"]
    assert after != before
    assert assert_is_card(second, after) != old_bytes
    assert not (second / before.removeprefix(BASE)).exists()  # the old card left with the old title


def test_cards_are_absolute_under_a_sub_path(subpath_site):
    cards = card_urls(subpath_site)
    assert cards
    for url in cards.values():
        assert_is_card(subpath_site, url, base="https://example.org/careers/")
