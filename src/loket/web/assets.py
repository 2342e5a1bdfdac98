"""The static files (CSS, scripts) under content-hashed names, precompressed, with long cache lives.

`python -m loket.web.assets` (run by `make install`) writes each file's gzip and brotli forms
beside it (`loket.css.gz`, `loket.css.br`) and `assets.json`, the manifest of their hashes. The
server reads them once at start-up (and makes any that are missing or stale, in memory, so an
install without the build step still serves compressed files); a request never compresses.

Templates name files as before (`url_for('static', path='loket.css')`) and get the hashed name,
`/static/loket.3f9c0a1be2d4.css`, served with `Cache-Control: public, max-age=31536000, immutable`:
a changed file has a new name, so a browser never needs to ask again. The plain name still
answers, with a short cache life (a page cached before a deploy may still name it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli
from fastapi import APIRouter, Request
from fastapi.responses import Response
from jinja2 import pass_context

from loket.web.templating import STATIC_DIR

SERVED = (".css", ".js", ".svg", ".txt")
MANIFEST = "assets.json"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


@dataclass(frozen=True)
class Asset:
    path: str  # as the templates name it: "vendor/htmx-2.0.11.min.js"
    hashed: str  # "vendor/htmx-2.0.11.min.3f9c0a1be2d4.js"
    digest: str
    media_type: str
    plain: bytes
    gz: bytes
    br: bytes


def hashed_name(path: str, digest: str) -> str:
    """`loket.css` -> `loket.<12 hex>.css`."""
    stem, dot, ext = path.rpartition(".")
    return f"{stem}.{digest[:12]}.{ext}" if dot else f"{path}.{digest[:12]}"


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SERVED)


def _compressed(source: Path, suffix: str, plain: bytes, make: bool) -> bytes:
    """The file's `.gz`/`.br` form: the built one when it is newer than the source, else made now."""
    built = source.with_name(source.name + suffix)
    if built.exists() and built.stat().st_mtime >= source.stat().st_mtime:
        return built.read_bytes()
    data = gzip.compress(plain, 9, mtime=0) if suffix == ".gz" else brotli.compress(plain, quality=11)
    if make:
        built.write_bytes(data)
    return data


def load(root: Path = STATIC_DIR, *, write: bool = False) -> dict[str, Asset]:
    """Every served file by its plain and by its hashed name (writing the built forms with `write`)."""
    found: dict[str, Asset] = {}
    for source in _sources(root):
        plain = source.read_bytes()
        digest = hashlib.sha256(plain).hexdigest()
        path = source.relative_to(root).as_posix()
        media = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith("javascript"):
            media += "; charset=utf-8"
        asset = Asset(
            path,
            hashed_name(path, digest),
            digest,
            media,
            plain,
            _compressed(source, ".gz", plain, write),
            _compressed(source, ".br", plain, write),
        )
        found[path] = found[asset.hashed] = asset
    return found


_LOADED: dict[tuple[object, ...], dict[str, Asset]] = {}


def loaded(root: Path = STATIC_DIR) -> dict[str, Asset]:
    """`load(root)`, once per process while no file changes (every app of a test run shares it)."""
    key = (root, *((p.as_posix(), p.stat().st_mtime_ns) for p in _sources(root)))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load(root)
    return _LOADED[key]


def static_url_for(assets: dict[str, Asset]) -> Any:
    """The templates' `url_for`: a static file by its hashed name, every other route as before."""

    # A static file's path, found once: the router's url_path_for walks every route (about a
    # millisecond), and a page links a dozen files.
    paths: dict[str, Any] = {}

    @pass_context
    def url_for(context: Any, name: str, /, **params: Any) -> Any:
        request = context["request"]
        if name == "static" and params.get("path") in assets:
            path = params["path"]
            if path not in paths:
                paths[path] = request.scope["router"].url_path_for("static", path=assets[path].hashed)
            return paths[path].make_absolute_url(base_url=request.base_url)
        return request.url_for(name, **params)

    return url_for


def build(root: Path = STATIC_DIR) -> dict[str, str]:
    """Write the gzip and brotli forms and the manifest; {name: hashed name}."""
    assets = load(root, write=True)
    manifest = {a.path: a.hashed for a in assets.values()}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _encoding(accept: str) -> str | None:
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if "br" in offered:
        return "br"
    if "gzip" in offered:
        return "gzip"
    return None


def router(assets: dict[str, Asset]) -> APIRouter:
    """`/static/{path}`: a known file in the best encoding the browser accepts; 404 otherwise."""
    routes = APIRouter(include_in_schema=False)

    @routes.get("/static/{path:path}", name="static")
    async def static(path: str, request: Request) -> Response:
        asset = assets.get(path)
        if asset is None:
            return Response(b"Not found", status_code=404, media_type="text/plain")
        cache = IMMUTABLE if path == asset.hashed else SHORT
        headers = {"Cache-Control": cache, "ETag": f'"{asset.digest[:32]}"', "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        encoding = _encoding(request.headers.get("accept-encoding", ""))
        body = {"br": asset.br, "gzip": asset.gz}.get(encoding or "", asset.plain)
        if encoding:
            headers["Content-Encoding"] = encoding
        return Response(body, media_type=asset.media_type, headers=headers)

    return routes


if __name__ == "__main__":
    names = build()
    sys.stdout.write(f"static assets: {len(names)} files, gzip and brotli, in {STATIC_DIR}\n")
