"""Brotli and gzip copies of the large files, for hosts that serve precompressed files."""

import gzip

import brotli

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
