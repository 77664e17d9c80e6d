"""Social preview cards: a 1200x630 PNG per guide, hub, the home page and the quiz.

A card is drawn from its title, its label (the role, or what the page is) and the brand, with
Pillow and the Roboto files of the pinned `font-roboto` package, never a system font, so the same
text gives the same bytes on every machine. Its file name is the hash of everything drawn on it:
a new title gives a new name, and a card already drawn is taken from the cache.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection

WIDTH, HEIGHT = 1200, 630
CARDS_DIR = "assets/cards"  # under assets/, so the host caches them like the theme: for a year
CACHE = "cards"  # the folder, in the output folder's build state, of the drawn cards' pack
PACK = "cards.pack"
# Raised whenever the drawing changes, so old cached cards are not taken for new ones.
LAYOUT_VERSION = "4"
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


@functools.cache
def font_version() -> str:
    from .fingerprint import installed_version

    return f"pillow {installed_version('pillow', 'PIL')}, font-roboto {installed_version('font-roboto', 'font_roboto')}"


def wrap(text: str, font, width: int) -> list[str]:
    """Greedy word wrap by width, each word measured once (see word_width); a word longer than
    the line stands alone."""
    lines: list[str] = []
    space = word_width(font, " ")
    used = 0.0
    for word in text.split():
        size = word_width(font, word)
        if lines and used + space + size <= width:
            lines[-1] = f"{lines[-1]} {word}"
            used += space + size
        else:
            lines.append(word)
            used = size
    return lines


@functools.lru_cache(maxsize=8192)  # titles share most of their words
def word_width(text_font, word: str) -> float:
    """A word's advance. A line is measured as the sum of its words and spaces: kerning across a
    space, the only difference from measuring the line whole, is nil in Roboto."""
    return text_font.getlength(word)


def draw(card: Card) -> bytes:
    """The card as a 16-colour PNG (see png): the background, then LEVELS shades from the
    background to each colour, for antialiased edges.

    Nothing is drawn twice in a process: the accent bar with the brand and each label are drawn
    once into the card's base, and each word of a title once per size, then stamped at its place
    (a whole pixel: within half a pixel of where a line drawn whole would put it)."""
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
    indices = base(card.brand, card.label).copy()
    space = word_width(title_font, " ")
    top, bottom = HEIGHT, 0
    ink = COLORS.index(INK)
    for i, line in enumerate(lines):
        x, y = float(MARGIN), MARGIN + 80 + i * line_height
        for word in line.split(" "):
            left, upper, shaded = word_layer(title_font, word, ink)
            box = stamp_at(indices, shaded, round(x) + left, y + upper)
            if box is not None:
                top, bottom = min(top, box[1]), max(bottom, box[3])
            x += word_width(title_font, word) + space
    return png(indices, card.brand, card.label, top, bottom)


PAD = 2  # columns of background left of the card in the image drawn on: see png()


@functools.lru_cache(maxsize=64)
def base(brand: str, label: str):
    """Palette indices of every card with this brand and label, before its title: the accent bar
    and the brand in the accent colour, the label in the muted one."""
    from PIL import Image, ImageDraw

    bold, regular = font_files()
    layer = Image.new("L", (PAD + WIDTH, HEIGHT), 0)
    pen = ImageDraw.Draw(layer)
    pen.rectangle((PAD, 0, PAD + 23, HEIGHT), fill=255)
    pen.text((PAD + MARGIN, HEIGHT - MARGIN - 40), brand, font=font(bold, 40), fill=255)
    indices = layer.point(shade_table(COLORS.index(ACCENT)))
    left, upper, shaded = word_layer(font(regular, 36), label, COLORS.index(MUTED))
    stamp_at(indices, shaded, MARGIN + left, MARGIN + upper)
    return indices


# A title's common words come back card after card; the rest are seldom seen twice. Some 13 KB
# a word: 8,192 of them held 65 MB in each process drawing 5,000 cards of the benchmark's corpus,
# for the same hits as 512.
@functools.lru_cache(maxsize=1024)
def word_layer(text_font, text: str, k: int):
    """A text drawn alone in the k-th colour: its ink's offset from where it is drawn, and its
    palette indices over the ink's box (None when it has no ink)."""
    from PIL import Image, ImageDraw

    left, upper, right, lower = text_font.getbbox(text)
    if left >= right or upper >= lower:
        return 0, 0, None
    mask = Image.new("L", (right - left, lower - upper), 0)
    ImageDraw.Draw(mask).text((-left, -upper), text, font=text_font, fill=255)
    return left, upper, mask.point(shade_table(k))


def stamp_at(indices, shaded, x: int, y: int) -> tuple | None:
    """Stamp palette indices with their top left at (x, y) of the card, cut at the card's edges;
    the brighter index wins where two texts of one colour meet. The box stamped, or None."""
    from PIL import ImageChops

    if shaded is None:
        return None
    box = (max(0, x), max(0, y), min(WIDTH, x + shaded.width), min(HEIGHT, y + shaded.height))
    if box[0] >= box[2] or box[1] >= box[3]:
        return None
    if box != (x, y, x + shaded.width, y + shaded.height):
        shaded = shaded.crop((box[0] - x, box[1] - y, box[2] - x, box[3] - y))
    where = (PAD + box[0], box[1], PAD + box[2], box[3])
    indices.paste(ImageChops.lighter(indices.crop(where), shaded), where)
    return box


@functools.lru_cache(maxsize=16)  # a font keeps the glyphs it has rendered: reused across cards
def font(path: Path, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size)


@functools.cache
def shade_table(k: int) -> list[int]:
    """Mask value (0-255) -> palette index for the k-th colour: 0 (background) below half a shade."""
    levels = [round(value * LEVELS / 255) for value in range(256)]
    return [1 + k * LEVELS + level - 1 if level else 0 for level in levels]


@functools.cache
def palette() -> bytes:
    shades = [BACKGROUND]
    for color in COLORS:
        shades += [tuple(round(b + (c - b) * level / LEVELS) for b, c in zip(BACKGROUND, color)) for level in range(1, LEVELS + 1)]
    return bytes(channel for shade in shades for channel in shade)


# -- the PNG ---------------------------------------------------------------------------------
# Written here rather than by Pillow, to compress only the rows a title covers: the rows above
# it (the label's) and below it (the brand's) are the same on every card with that brand and
# label, so they are compressed once per process, each part ending on a full flush, and the
# parts are joined into one zlib stream.
LEVEL = 6
Z_RLE = 3  # zlib's run-length strategy: long runs of one index, 2.5 times faster than the default
ROW = 1 + WIDTH // 2  # a filter byte (0: none), then two 4-bit pixels a byte


def png(indices, brand: str, label: str, top: int, bottom: int) -> bytes:
    """The 4-bit palette PNG of the card: `indices` is PAD columns of background, then the card,
    so that packing it 4 bits a pixel gives each row a leading zero byte, its filter byte."""
    import struct
    import zlib

    if bottom <= top:  # no title ink: all one part
        top = bottom = HEIGHT
    rows = indices.tobytes("raw", "L;4")
    head, head_raw = deflated_rows(brand, label, 0, top)
    tail, tail_raw = deflated_rows(brand, label, bottom, HEIGHT)
    middle = rows[top * ROW:bottom * ROW]
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 9, Z_RLE)
    body = compressor.compress(middle) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(tail_raw, zlib.adler32(middle, zlib.adler32(head_raw)))
    stream = b"\x78\x9c" + head + body + tail + struct.pack(">I", checksum)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 4, 3, 0, 0, 0)  # 4-bit palette, not interlaced
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"PLTE", palette()) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


@functools.lru_cache(maxsize=256)
def deflated_rows(brand: str, label: str, start: int, end: int) -> tuple[bytes, bytes]:
    """Rows start to end of the base card, raw and deflated; the last part of the stream (the
    rows that end the card) is its final block."""
    import zlib

    raw = base(brand, label).tobytes("raw", "L;4")[start * ROW:end * ROW]
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 9, Z_RLE)
    return compressor.compress(raw) + compressor.flush(zlib.Z_FINISH if end == HEIGHT else zlib.Z_FULL_FLUSH), raw


def card_files(cards: list[Card], folder: Path, drawn: dict | None = None,
               present: Collection[str] = ()) -> Callable[[], dict[str, bytes | None]]:
    """Every card's bytes by output path, drawn only when folder (the cache) lacks them and
    `drawn` (digest -> bytes, the cards drawn with the pages) too. The drawing starts now, in
    other processes when there are many cards, so the build can do other work meanwhile; the
    function returned waits for it.

    The cache is one sealed pack of the cards the pages use, rewritten whenever that set changes:
    one file to read and write rather than one per card, whose creation costs more than a card's
    bytes on this kind of file system. A damaged pack has every card drawn again.

    present: the output paths the output folder holds as the last build wrote them. A card is
    named after what it shows, so when every card is among them, none changed: each is given as
    None (unchanged) and the pack is not read (at N=10,000 it is some 150 MB). A pack left with
    the card of a page since removed is rewritten the next time a card is drawn."""
    import pickle

    from .cacheguard import read_sealed, write_sealed_pickle

    if all(card.path in present for card in cards):
        return lambda: {card.path: None for card in sorted(cards, key=lambda card: card.path)}
    pack = folder / PACK
    blob = read_sealed(pack)  # None when absent or damaged
    kept: dict[str, bytes] = pickle.loads(blob) if blob is not None else {}  # digest -> bytes
    packed = set(kept)
    kept.update(drawn or {})
    used: dict[str, Card] = {}  # digest -> card
    for card in cards:
        used.setdefault(card.digest(), card)
    missing = [card for digest, card in used.items() if digest not in kept]
    drawing = draw_all(missing)

    def files() -> dict[str, bytes]:
        drawn = dict(zip((card.digest() for card in missing), drawing()))
        data = {digest: kept[digest] if digest in kept else drawn[digest] for digest in used}
        if data.keys() != packed:
            write_sealed_pickle(pack, data)
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
        pictures = [draw(card) for card in cards]
        return lambda: pictures
    pool = multiprocessing.get_context("fork").Pool(workers)
    pending = pool.map_async(draw, cards, chunksize=16)

    def drawn() -> list[bytes]:
        try:
            return pending.get()
        finally:
            pool.terminate()
            pool.join()

    return drawn
