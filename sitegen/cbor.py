"""CBOR (RFC 8949), the part of it that Pagefind's index files use: integers, text and arrays."""

from __future__ import annotations

WIDTHS = {24: 1, 25: 2, 26: 4, 27: 8}  # the head's additional information -> bytes of count that follow


def encode_head(major: int, count: int) -> bytes:
    if count < 24:
        return bytes([major << 5 | count])
    for info, width in WIDTHS.items():
        if count < 1 << (8 * width):
            return bytes([major << 5 | info]) + count.to_bytes(width, "big")
    raise ValueError(f"CBOR count too large: {count}")


def head(data: bytes, at: int, major: int) -> tuple[int, int]:
    """The count or value in the head at `at` of an item of this major type, and where it ends."""
    byte = data[at]
    if byte >> 5 != major:
        raise ValueError(f"CBOR type {byte >> 5} where {major} was expected")
    info = byte & 31
    if info < 24:
        return info, at + 1
    width = WIDTHS.get(info)
    if width is None:
        raise ValueError("an indefinite or reserved CBOR length")
    return int.from_bytes(data[at + 1:at + 1 + width], "big"), at + 1 + width


def item(data: bytes, at: int):
    """The value at `at` and where it ends."""
    major = data[at] >> 5
    if major == 1:
        value, at = head(data, at, 1)
        return -1 - value, at
    value, at = head(data, at, major)
    if major == 0:
        return value, at
    if major == 3:
        return data[at:at + value].decode(), at + value
    if major == 4:
        items = []
        for _ in range(value):
            element, at = item(data, at)
            items.append(element)
        return items, at
    raise ValueError(f"CBOR type {major} is not read here")


def decode(data: bytes):
    value, end = item(data, 0)
    if end != len(data):
        raise ValueError("bytes after the CBOR value")
    return value


def encode(value) -> bytes:
    if isinstance(value, int):
        return encode_head(0, value) if value >= 0 else encode_head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode()
        return encode_head(3, len(raw)) + raw
    return encode_head(4, len(value)) + b"".join(encode(element) for element in value)
