"""The spool: bytes a build sets aside on disk, not in memory, until a later stage reads them."""

from __future__ import annotations

from sitegen.spool import Spool


def test_what_is_spooled_comes_back_byte_for_byte_from_a_file_not_memory(tmp_path):
    spool = Spool(tmp_path / "state")
    cards = {f"card{n}": bytes([n]) * (1000 + n) for n in range(50)}
    for key, data in cards.items():
        spool[key] = data
    spool["card3"] = b"drawn again for another page"  # a key comes back once: its first bytes stay
    assert dict(spool) == cards and len(spool) == 50 and "card49" in spool and "other" not in spool
    assert spool.file.tell() == sum(map(len, cards.values()))  # in the file, once each
    assert list((tmp_path / "state").iterdir()) == []  # unnamed: gone with the process, however it ends
    kept = {}
    kept.update(spool)  # how the cards stage takes them
    assert kept == cards
    spool.close()
    assert spool.file is None


def test_an_empty_spool_makes_no_file(tmp_path):
    spool = Spool(tmp_path)
    assert dict(spool) == {} and spool.file is None
    spool.close()
