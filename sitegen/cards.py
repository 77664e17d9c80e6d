"""Social preview cards: a 1200x630 PNG per guide, hub, the home page and the quiz.

A card is drawn from its title, its label (the role, or what the page is) and the brand, with
Pillow and the Roboto files of the pinned `font-roboto` package, never a system font, so the same
text gives the same bytes on every machine. Its file name is the hash of everything drawn on it:
a new title gives a new name, and a card already drawn is taken from the cache.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

WIDTH, HEIGHT = 1200, 630
CARDS_DIR = "assets/cards"  # under assets/, so the host caches them like the theme: for a year
CACHE = "cards"  # the folder, in the output folder's build state, of the drawn cards' pack
PACK = "cards.pack"
# Raised whenever the drawing changes, so old cached cards are not taken for new ones.
LAYOUT_VERSION = "3"
CARD_KINDS = ("guide", "hub", "home", "quiz")
BACKGROUND, INK, ACCENT, MUTED = (11, 93, 75), (255, 255, 255), (95, 211, 179), (214, 236, 229)
COLORS = (INK, ACCENT, MUTED)
LEVELS = 5  # shades of each colour for antialiased edges: 1 + 3 * 5 = 16 palette entries, 4 bits
MARGIN = 80
TITLE_SIZES = (72, 64, 56, 48)  # the largest that fits in TITLE_LINES lines is used
TITLE_LINES = 4
POOL_WORTH_CARDS = 40  # some 0.5 s of drawing: more than a process pool costs to start


@dataclass(frozen=True)
class Card:
    title: str
    label: str  # the role, or what the page is ("Role hub", "The 30-second quiz")
    brand: str

    @property
    def path(self) -> str:
        return f"{CARDS_DIR}/{self.digest()[:16]}.png"

    def digest(self) -> str:
        text = "\0".join((LAYOUT_VERSION, font_version(), self.title, self.label, self.brand))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def alt(self) -> str:
        return f"{self.title}: {self.label}, {self.brand}"


def card_for(kind: str, title: str, role_plural: str | None, brand: str) -> Card | None:
    """The card a page gets, or None for pages that are not shared (lists, tags, 404, search)."""
    if kind not in CARD_KINDS:
        return None
    label = {
        "guide": f"Guide for {role_plural}" if role_plural else "Career-income guide",
        "hub": f"Role hub: {role_plural}" if role_plural else "Role hub",
        "home": "Career-income guides and a 30-second quiz",
        "quiz": "The 30-second income quiz",
    }[kind]
    return Card(title, label, brand)


def font_files() -> tuple[Path, Path]:
    import font_roboto

    folder = Path(font_roboto.__file__).resolve().parent / "files"
    return folder / "Roboto-Bold.ttf", folder / "Roboto-Regular.ttf"


@functools.cache  # read from installed metadata, some 2 ms a time
def font_version() -> str:
    from importlib.metadata import version

    return f"pillow {version('pillow')}, font-roboto {version('font-roboto')}"


def wrap(text: str, font, width: int) -> list[str]:
    """Greedy word wrap by measured width; a word longer than the line stands alone."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def draw(card: Card) -> bytes:
    """The card as a 16-colour PNG: each colour's text is drawn antialiased into a mask of its
    own, and the masks become palette indices (the background, then LEVELS shades from the
    background to each colour). A quarter of the time of a true-colour PNG, a fifth of the bytes.

    Only the title is drawn for every card: the accent bar with the brand, and each label, are
    drawn once per process and stamped in. A mask covers only its text's box, not the card."""
    from PIL import Image

    bold, _ = font_files()
    text_width = WIDTH - 2 * MARGIN
    for size in TITLE_SIZES:
        title_font = font(bold, size)
        lines = wrap(card.title, title_font, text_width)
        if len(lines) <= TITLE_LINES:
            break
    else:
        lines = lines[:TITLE_LINES]
        lines[-1] = lines[-1] + "…"
    line_height = int(size * 1.18)
    title = tuple(((MARGIN, MARGIN + 80 + i * line_height), line) for i, line in enumerate(lines))
    indices = frame(card.brand).copy()
    stamp(indices, label_layer(card.label))
    stamp(indices, text_layer(title, title_font, COLORS.index(INK)))
    image = Image.frombytes("P", (WIDTH, HEIGHT), indices.tobytes())
    image.putpalette(palette())
    out = io.BytesIO()
    # Run-length coding suits long runs of one index: 2.5 times faster than the default strategy
    # at level 6, for 5% more bytes; zlib gives the same bytes for the same pixels every time.
    image.save(out, format="PNG", optimize=False, compress_level=6, compress_type=Z_RLE, bits=4)
    return out.getvalue()


Z_RLE = 3  # zlib's run-length strategy


@functools.lru_cache(maxsize=4)
def frame(brand: str):
    """Palette indices of every card with this brand before its label and title: the accent
    bar and the brand, both in the accent colour."""
    from PIL import Image, ImageDraw

    bold, _ = font_files()
    layer = Image.new("L", (WIDTH, HEIGHT), 0)
    pen = ImageDraw.Draw(layer)
    pen.rectangle((0, 0, 23, HEIGHT), fill=255)
    pen.text((MARGIN, HEIGHT - MARGIN - 40), brand, font=font(bold, 40), fill=255)
    return layer.point(shade_table(COLORS.index(ACCENT)))


@functools.lru_cache(maxsize=256)  # one per role and page kind: a few KB each
def label_layer(label: str):
    _, regular = font_files()
    return text_layer((((MARGIN, MARGIN), label),), font(regular, 36), COLORS.index(MUTED))


def text_layer(texts: tuple, text_font, k: int):
    """Texts in the k-th colour as (box, palette indices) over the box they cover on the card.
    They share one mask, so texts that touch blend as on a full-card mask, and text beyond the
    card's edge is cut there as it would be on the card."""
    from PIL import Image, ImageDraw

    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    boxes = [measure.textbbox(xy, text, font=text_font) for xy, text in texts]
    pad = 2  # a pixel or two of slack around the measured ink costs nothing: it stays background
    box = (max(0, min(b[0] for b in boxes) - pad), max(0, min(b[1] for b in boxes) - pad),
           min(WIDTH, max(b[2] for b in boxes) + pad), min(HEIGHT, max(b[3] for b in boxes) + pad))
    if box[0] >= box[2] or box[1] >= box[3]:
        return box, None
    mask = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
    pen = ImageDraw.Draw(mask)
    for (x, y), text in texts:  # whole-pixel shifts: the glyphs rasterize exactly as at (x, y)
        pen.text((x - box[0], y - box[1]), text, font=text_font, fill=255)
    return box, mask.point(shade_table(k))


def stamp(indices, layer) -> None:
    """Texts never overlap, so the brightest index at a pixel is the one text drawn there."""
    from PIL import ImageChops

    box, shaded = layer
    if shaded is not None:
        indices.paste(ImageChops.lighter(indices.crop(box), shaded), box)


@functools.lru_cache(maxsize=16)  # a font keeps the glyphs it has rendered: reused across cards
def font(path: Path, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size)


def shade_table(k: int) -> list[int]:
    """Mask value (0-255) -> palette index for the k-th colour: 0 (background) below half a shade."""
    levels = [round(value * LEVELS / 255) for value in range(256)]
    return [1 + k * LEVELS + level - 1 if level else 0 for level in levels]


def palette() -> list[int]:
    shades = [BACKGROUND]
    for color in COLORS:
        shades += [tuple(round(b + (c - b) * level / LEVELS) for b, c in zip(BACKGROUND, color)) for level in range(1, LEVELS + 1)]
    return [channel for shade in shades for channel in shade]


def card_files(cards: list[Card], folder: Path) -> Callable[[], dict[str, bytes]]:
    """Every card's bytes by output path, drawn only when folder (the cache) lacks them. The
    drawing starts now, in other processes when there are many cards, so the build can do other
    work meanwhile; the function returned waits for it.

    The cache is one sealed pack of the cards the pages use, rewritten whenever that set changes:
    one file to read and write rather than one per card, whose creation costs more than a card's
    bytes on this kind of file system. A damaged pack has every card drawn again."""
    import pickle

    from .cacheguard import read_sealed, write_sealed

    pack = folder / PACK
    blob = read_sealed(pack)  # None when absent or damaged
    kept: dict[str, bytes] = pickle.loads(blob) if blob is not None else {}  # digest -> bytes
    used: dict[str, Card] = {}  # digest -> card
    for card in cards:
        used.setdefault(card.digest(), card)
    missing = [card for digest, card in used.items() if digest not in kept]
    drawing = draw_all(missing)

    def files() -> dict[str, bytes]:
        drawn = dict(zip((card.digest() for card in missing), drawing()))
        data = {digest: kept[digest] if digest in kept else drawn[digest] for digest in used}
        if data.keys() != kept.keys():
            write_sealed(pack, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            for stale in [p for p in folder.iterdir() if p.name != PACK]:  # one file a card, before the pack
                stale.unlink(missing_ok=True)
        return {card.path: data[digest] for digest, card in sorted(used.items(), key=lambda item: item[1].path)}

    return files


def draw_all(cards: list[Card]) -> Callable[[], list[bytes]]:
    """Draw cards, on every core when there are enough to pay for starting the processes; the
    function returned waits for them."""
    import multiprocessing
    import os

    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(cards) < POOL_WORTH_CARDS or "fork" not in multiprocessing.get_all_start_methods():
        drawn = [draw(card) for card in cards]
        return lambda: drawn
    pool = multiprocessing.get_context("fork").Pool(workers)
    pending = pool.map_async(draw, cards, chunksize=16)

    def drawn() -> list[bytes]:
        try:
            return pending.get()
        finally:
            pool.terminate()
            pool.join()

    return drawn
