"""Brotli and gzip copies of the large files, for hosts that serve precompressed files."""

import gzip

import brotli
import pytest

from sitegen.precompress import MIN_BYTES
from sitegen.quiz import RUNTIME_DIR


def test_large_files_get_identical_brotli_and_gzip_copies(subpath_site):
    for name in (f"{RUNTIME_DIR}/pyodide.asm.wasm", f"{RUNTIME_DIR}/pyodide.asm.js"):
        original = (subpath_site / name).read_bytes()
        assert brotli.decompress((subpath_site / f"{name}.br").read_bytes()) == original
        assert gzip.decompress((subpath_site / f"{name}.gz").read_bytes()) == original


def test_small_and_already_compressed_files_get_no_copies(subpath_site):
    copies = {p.with_suffix("") for p in subpath_site.rglob("*") if p.suffix in (".br", ".gz")}
    assert copies, "no precompressed copies at all"
    for original in copies:
        assert original.stat().st_size >= MIN_BYTES
        assert original.suffix not in (".zip", ".whl")
    assert not (subpath_site / RUNTIME_DIR / "python_stdlib.zip.br").exists()
    assert not (subpath_site / "index.html.br").exists()  # a page this small is left to the host


def test_precompressed_copies_stay_out_of_the_service_workers_precache(subpath_site):
    worker = (subpath_site / "sw.js").read_text()
    assert "pyodide.asm.wasm" in worker
    assert ".wasm.br" not in worker and ".wasm.gz" not in worker


def test_copies_started_early_are_the_copies_made_late_and_not_made_twice(tmp_path, monkeypatch):
    from sitegen import precompress

    sitemap = b"".join(b"<url><loc>https://example.org/guides/g%05d/</loc></url>\n" % n for n in range(2000))
    files = {"sitemap.xml": sitemap, "robots.txt": b"User-agent: *\n"}
    early = precompress.start_precompressing(files, tmp_path / "early")()
    assert set(early) == {"sitemap.xml.br", "sitemap.xml.gz"} and brotli.decompress(early["sitemap.xml.br"]) == sitemap

    site = {**files, "big.js": b"let x = 1;\n" * 10000}
    reference = precompress.precompressed(site, tmp_path / "reference")
    calls = []
    monkeypatch.setattr(precompress, "ENCODINGS", {suffix: (lambda f, suffix=suffix: lambda data: calls.append(suffix) or f(data))(f)
                                                    for suffix, f in precompress.ENCODINGS.items()})
    copies = precompress.precompressed(site, tmp_path / "late", made=early)
    assert copies == reference and list(copies) == list(reference)  # same bytes, same order
    assert calls == [".gz", ".br"]  # big.js only: the sitemap's copies were made early


def test_a_failure_while_compressing_early_reaches_the_build(tmp_path, monkeypatch):
    from sitegen import precompress

    def broken(data):
        raise OSError("disk full")

    monkeypatch.setattr(precompress, "ENCODINGS", {".gz": broken})
    waiting = precompress.start_precompressing({"sitemap.xml": b"x" * MIN_BYTES}, tmp_path)
    with pytest.raises(OSError, match="disk full"):
        waiting()


def test_a_file_the_output_holds_keeps_its_copies_there_or_has_them_made_from_its_bytes(tmp_path):
    from sitegen import precompress

    data = b"let x = 1;\n" * 10000
    reference = precompress.precompressed({"big.js": data}, tmp_path / "reference")
    present = {"big.js": ("digest", len(data), 0)}
    unread = precompress.precompressed({"big.js": None}, tmp_path / "cache", present={**present, **dict.fromkeys(reference, ("d", 1, 0))},
                                       read_back=lambda rel: pytest.fail(f"{rel} read back"))
    assert unread == dict.fromkeys(reference)  # as the output holds them
    # An output without them (the last build was not deployable): made from the file's bytes there.
    assert precompress.precompressed({"big.js": None}, tmp_path / "cache", present=present, read_back={"big.js": data}.get) == reference


def test_an_edit_reads_neither_the_quiz_runtime_nor_its_copies(content, built, tmp_path, capsys, monkeypatch):
    # The output holds the runtime (some 10 MB) and its copies as the cache records them: an
    # edit's build takes them as they are there instead of reading and hashing them again.
    from conftest import run_cli, tree

    from sitegen import precompress, runtime

    reads = []
    real_runtime, real_copy = runtime.read_cached, precompress.cached
    monkeypatch.setattr(runtime, "read_cached", lambda folder: reads.append(folder.name) or real_runtime(folder))
    monkeypatch.setattr(precompress, "cached", lambda path, make: reads.append(path.name) or real_copy(path, make))
    beta = content / "guides/beta.md"
    beta.write_text(beta.read_text().replace("Nothing more to say.", "A new sentence."), encoding="utf-8")
    assert run_cli("build", "--content", content, "--out", built, capsys=capsys)[0] == 0
    assert reads == []

    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--content", content, "--out", fresh, capsys=capsys)[0] == 0
    assert tree(built) == tree(fresh)


def test_xml_is_compressed_at_the_quicker_brotli_quality_under_its_own_cache_name(tmp_path):
    # The sitemap changes with the content; the runtime's copies are made once per machine.
    import hashlib

    from sitegen import precompress

    sitemap = b"".join(b"<url><loc>https://example.org/guides/g%05d/</loc></url>\n" % n for n in range(2000))
    script = b"let x = 1;\n" * 10000
    copies = precompress.precompressed({"sitemap.xml": sitemap, "big.js": script}, tmp_path)
    assert copies["sitemap.xml.br"] == brotli.compress(sitemap, quality=precompress.XML_BROTLI_QUALITY)
    assert copies["big.js.br"] == brotli.compress(script, quality=11)
    digest = hashlib.sha256(sitemap).hexdigest()
    names = {path.name for path in (tmp_path / precompress.CACHE).iterdir()}
    assert f"{digest}.q{precompress.XML_BROTLI_QUALITY}.br" in names and f"{digest}.br" not in names
