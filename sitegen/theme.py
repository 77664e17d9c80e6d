"""The theme: Jinja2 templates (autoescaped, strict) and content-hashed assets from templates/."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup

from sitegen.cacheguard import read_sealed, write_sealed
from sitegen.compact import compact
from sitegen.quiz import RUNTIME_DIR, STAGING_CACHE

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")
# Only pages that compile WebAssembly (the quiz's Pyodide, search's Pagefind) allow it in their own
# policy; the one in _headers, which also covers the workers, is the site-wide ceiling.
WASM_PAGES = ("quiz", "search")
CSP_WITHOUT_WASM = CSP.replace(" 'wasm-unsafe-eval'", "")


@dataclass(frozen=True)
class Asset:
    name: str  # as templates ask for it: 'style.css'
    path: str  # output path: 'assets/style.1a2b3c4d5e.css'
    data: bytes


def collect_assets(assets_dir: Path) -> dict[str, Asset]:
    """Every file in templates/assets under a name carrying its content hash."""
    assets = {}
    if not assets_dir.is_dir():
        return assets
    for file in sorted(p for p in assets_dir.rglob("*") if p.is_file()):
        name = file.relative_to(assets_dir).as_posix()
        data = compact(name, file.read_bytes())
        assets[name] = Asset(name, hashed_path(name, data), data)
    return assets


def hashed_path(name: str, data: bytes) -> str:
    """'img/chart.png' -> 'assets/img/chart.1a2b3c4d5e.png': a new name whenever the bytes change."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    pure = PurePosixPath(name)
    return f"assets/{pure.with_name(f'{pure.stem}.{digest}{pure.suffix}')}"


def script_json(data: object) -> Markup:
    """JSON safe inside a <script type="application/json"> data block (no '</script>' breakout)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class SealedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache with each compiled template sealed with its sha256 (cacheguard):
    a damaged one is compiled again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = read_sealed(Path(self._get_cache_filename(bucket)))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            write_sealed(Path(self._get_cache_filename(bucket)), bucket.bytecode_to_string())
        except OSError:
            pass  # a cache: the template is simply compiled again next time


class MissingAsset(Exception):
    pass


class DictFirstEnvironment(jinja2.Environment):
    """The templates read their data from dicts. Jinja looks `page.title` up as an attribute
    first, raising and catching an AttributeError on every one of a page's hundred-odd lookups;
    a dict's key is tried first here (a fifth of a page's templating), its methods after."""

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(templates_dir: Path, cache_dir: Path | None, site: dict, assets: dict[str, Asset], catalog) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(str(templates_dir))
    bytecode = None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        bytecode = SealedBytecodeCache(str(cache_dir))
    # Every build makes a new environment, so a template never needs re-checking on disk
    # (auto_reload would stat each one on every page it is used for).
    env = DictFirstEnvironment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False,
                             trim_blocks=True, lstrip_blocks=True, bytecode_cache=bytecode, keep_trailing_newline=True)
    base_path = site["base_path"]

    def url(path: str = "") -> str:
        """A site path ('guides/x/' or '/guides/x/') as a URL under the base path."""
        return base_path + str(path).lstrip("/")

    def asset(name: str) -> str:
        if name not in assets:
            raise MissingAsset(f"asset '{name}' is not in templates/assets/ (have: {', '.join(sorted(assets)) or 'none'})")
        return base_path + assets[name].path

    catalog_data = catalog_lists(catalog)
    env.globals.update(site=site, url=url, asset=asset, catalog=catalog, csp=CSP, csp_without_wasm=CSP_WITHOUT_WASM, wasm_pages=WASM_PAGES,
                       runtime_dir=RUNTIME_DIR, staging_cache=STAGING_CACHE,
                       catalog_data=catalog_data, catalog_json=script_json(catalog_data), to_script_json=script_json)
    return env


def catalog_lists(catalog) -> dict:
    return {name: getattr(catalog, name)() for name in ("roles", "levels", "markets", "skills")}
