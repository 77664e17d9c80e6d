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


def test_a_card_shows_its_title_where_a_line_drawn_whole_would_put_it():
    """Titles are stamped word by word from a per-process cache: every word must land within
    half a pixel of where Pillow puts it in the whole line, wrapped at the card's width."""
    from PIL import Image, ImageChops, ImageDraw

    from sitegen import cards

    title = "Negotiation tactics that lift a backend developer's salary by a fifth"
    card = cards.Card(title, "Guide for Backend developers", "EarnVerdict")
    with Image.open(io.BytesIO(cards.draw(card))) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "P", (cards.WIDTH, cards.HEIGHT))
        assert image.getpalette()[:48] == list(cards.palette())
        pixels = image.copy()
    ink = set(range(1, 1 + cards.LEVELS))  # the INK shades
    muted = set(range(1 + 2 * cards.LEVELS, 1 + 3 * cards.LEVELS))
    accent = set(range(1 + cards.LEVELS, 1 + 2 * cards.LEVELS))
    assert pixels.getpixel((10, 300)) in accent and pixels.getpixel((600, 600)) == 0  # the bar; background
    label = pixels.crop((0, 0, cards.WIDTH, cards.MARGIN + 80)).tobytes()
    assert set(label) & muted and not set(label) & ink

    size = cards.TITLE_SIZES[0]
    bold, _ = cards.font_files()
    lines = cards.wrap(title, cards.font(bold, size), cards.WIDTH - 2 * cards.MARGIN)
    assert len(lines) == 3 and " ".join(lines) == title
    whole = Image.new("L", (cards.WIDTH, cards.HEIGHT), 0)
    pen = ImageDraw.Draw(whole)
    for i, line in enumerate(lines):
        assert pen.textlength(line, font=cards.font(bold, size)) <= cards.WIDTH - 2 * cards.MARGIN
        pen.text((cards.MARGIN, cards.MARGIN + 80 + i * int(size * 1.18)), line, font=cards.font(bold, size), fill=255)
    drawn = Image.frombytes("L", pixels.size, bytes(255 if v in ink else 0 for v in pixels.tobytes()))
    expected = whole.point(lambda v: 255 if v >= 26 else 0)  # half a shade or more: an INK index
    ink_pixels = sum(1 for v in expected.tobytes() if v)
    off = sum(1 for v in ImageChops.difference(drawn, expected).tobytes() if v)
    assert ink_pixels > 10_000 and off < ink_pixels * 0.03, (off, ink_pixels)


def test_a_word_wider_than_the_card_is_cut_at_its_edge():
    from PIL import Image

    from sitegen import cards

    card = cards.Card("Supercalifragilisticexpialidociouslyoverlongcompensationword", "Role hub", "EarnVerdict")
    with Image.open(io.BytesIO(cards.draw(card))) as image:
        edge = image.crop((cards.WIDTH - 1, 0, cards.WIDTH, cards.HEIGHT)).tobytes()
    assert set(edge) & set(range(1, 1 + cards.LEVELS))  # title ink on the last column


def test_an_edit_that_changes_no_card_leaves_the_cards_pack_unread(content, tmp_path, capsys, monkeypatch):
    # Cards are named after what they show: when the output folder holds every card a build
    # needs, as the last build wrote it, none is read from the pack (at N=10,000 it is some
    # 150 MB) and none is written again.
    from sitegen import cacheguard, cards

    site = tmp_path / "site"
    assert run_cli("build", "--content", content, "--out", site, capsys=capsys)[0] == 0
    before = {path: data for path, data in tree(site).items() if path.startswith("assets/cards/")}
    reads = []
    real_read = cacheguard.read_sealed
    monkeypatch.setattr(cacheguard, "read_sealed", lambda path: reads.append(path.name) or real_read(path))
    guide = content / "guides/alpha.md"
    guide.write_text(guide.read_text() + "\nOne more sentence in the body.\n")
    assert run_cli("build", "--content", content, "--out", site, capsys=capsys)[0] == 0
    assert cards.PACK not in reads
    assert {path: data for path, data in tree(site).items() if path.startswith("assets/cards/")} == before

    guide.write_text(guide.read_text().replace("title: Alpha guide for backend developers", "title: Alpha guide, retitled"))
    assert run_cli("build", "--content", content, "--out", site, capsys=capsys)[0] == 0
    assert cards.PACK in reads  # a new card: the others come from the pack, not drawn again
    after = {path: data for path, data in tree(site).items() if path.startswith("assets/cards/")}
    assert len(after) == len(before) and len(set(after) - set(before)) == 1
