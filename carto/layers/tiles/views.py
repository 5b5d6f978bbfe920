"""HTTP of the vector tiles: plain Django views (a tile's Python must stay thin), their
headers, and the TileJSON documents QGIS and MapLibre add a source from.

- `Content-Type: application/vnd.mapbox-vector-tile`; an empty tile is a 204 without a
  body (MapLibre, QGIS, GDAL and protomaps-leaflet all take it as « nothing here »);
- a strong ETag from the tile's bytes (BLAKE2b), 304 to a matching If-None-Match
  (Django's ConditionalGetMiddleware); `Cache-Control: public, max-age` of the API;
- tiles of 200 bytes or more go gzip-compressed to the clients that accept it, compressed
  here once (and cached so), with their own strong ETag (`"…-gzip"`) and
  `Vary: Accept-Encoding`: the site's GZipMiddleware, which would compress each response
  again and weaken the ETag, leaves them alone;
- CORS like the API (CORS_URLS_REGEX covers /tiles/); errors are JSON, in French, naming
  the parameter (the API's own validation and messages).
"""

import gzip
import hashlib

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe
from rest_framework.exceptions import ValidationError

from carto.territories.codes import Kind

from . import build, store
from .filters import actor_filters, invalid_detail
from .grid import CLUSTER_MAX_ZOOM, TILEJSON_MAX_ZOOM, check_tile

MVT = "application/vnd.mapbox-vector-tile"
MAP_THRESHOLD = 5000  # the map draws the actors as tiles past this many (its markers' cap)
GZIP_MIN_BYTES = 200  # below, as GZipMiddleware: not worth it
ACTOR_FIELDS = {
    "id": "Number — identifiant de l'acteur (/api/v1/actors/<id>/), quand le point est un acteur seul",
    "kind": "String — type d'acteur (slug), quand le point est un acteur seul",
    "name": "String — nom de l'acteur (zoom 12 et plus)",
    "count": "Number — nombre d'acteurs que le point représente (1 : un acteur)",
}
TERRITORY_FIELDS = {
    "code": "String — code officiel (INSEE, SIREN, QPV)",
    "name": "String — nom",
    "population": "Number — population municipale",
}


def _accepts_gzip(request) -> bool:
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")


def _tile(data: bytes, pack: bool) -> tuple[bytes, bytes | None, str]:
    """(bytes, their gzip or None, digest): what is served and cached of a tile; gzipped
    when `pack` and worth it."""
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    packed = None
    if pack and len(data) >= GZIP_MIN_BYTES:
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        packed = packed if len(packed) < len(data) else None
    return data, packed, digest


def _respond(request, tile: tuple[bytes, bytes | None, str]) -> HttpResponse:
    data, packed, digest = tile
    if not data:
        response = HttpResponse(status=204, content_type=MVT)
        response["ETag"] = f'"{digest}"'
    else:
        compressed = packed is not None and _accepts_gzip(request)
        response = HttpResponse(packed if compressed else data, content_type=MVT)
        if compressed:
            response["Content-Encoding"] = "gzip"
        response["ETag"] = f'"{digest}-gzip"' if compressed else f'"{digest}"'
        patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, public=True, max_age=settings.CARTO_API_CACHE_SECONDS)
    return response


def _serve(request, key: str, make) -> HttpResponse:
    """The tile cached under `key` when current, else `make()`'s bytes (then cached)."""
    version, tile = store.lookup(key)
    if tile is None:
        # Without a cache, compressed only for a client that takes it.
        tile = _tile(make(), pack=version is not None or _accepts_gzip(request))
        store.keep(key, version, tile)
    return _respond(request, tile)


def _invalid(exc: ValidationError) -> JsonResponse:
    return JsonResponse(invalid_detail(exc), status=400, json_dumps_params={"ensure_ascii": False})


def _no_parameters(request) -> JsonResponse | None:
    """Territory tiles take no parameter: any (but cache-busters `_…`) is a 400 naming it."""
    unknown = sorted(name for name in request.GET if not name.startswith("_"))
    if not unknown:
        return None
    return _invalid(
        ValidationError({name: ["paramètre inconnu (les tuiles de territoires n'en prennent pas)"]
                         for name in unknown})
    )  # fmt: skip


def _kind(kind: str) -> str:
    if kind not in Kind.values:
        raise Http404(f"Type de territoire « {kind} » inconnu (connus : {', '.join(Kind.values)}).")
    return kind


@require_safe
def actor_tile(request, z: int, x: int, y: int):
    """The listed actors matching the directory's filters (q, kind, theme, public,
    territory): clusters with their count up to zoom 11, the actors themselves from 12."""
    check_tile(z, x, y)
    try:
        filters = actor_filters(request.GET)
    except ValidationError as exc:
        return _invalid(exc)
    return _serve(
        request, f"actors/{z}/{x}/{y}?{filters.key}", lambda: build.actor_tile(filters, z, x, y)
    )


@require_safe
def territory_tile(request, kind: str, z: int, x: int, y: int):
    """The outlines of one kind of territory (code, name, population), simplified per zoom."""
    kind = _kind(kind)
    check_tile(z, x, y)
    refusal = _no_parameters(request)
    if refusal is not None:
        return refusal
    return _serve(
        request, f"territories/{kind}/{z}/{x}/{y}", lambda: build.territory_tile(kind, z, x, y)
    )


def _template(request, name: str, query: str = "", **kwargs) -> str:
    """The absolute URL template {z}/{x}/{y} of a tile route, with its query string."""
    path = reverse(name, kwargs={**kwargs, "z": 0, "x": 0, "y": 0})
    url = request.build_absolute_uri(path).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    return f"{url}?{query}" if query else url


def _tilejson(name: str, description: str, tiles: str, layer: dict, minzoom: int) -> dict:
    """A TileJSON 3.0.0 document for one vector layer."""
    return {
        "tilejson": "3.0.0",
        "name": name,
        "description": description,
        "attribution": "carto — annuaire des acteurs de la participation citoyenne",
        "scheme": "xyz",
        "tiles": [tiles],
        "minzoom": minzoom,
        "maxzoom": TILEJSON_MAX_ZOOM,
        "bounds": [-180, -85.0511287798066, 180, 85.0511287798066],
        "center": [2.5, 46.6, 5],
        "vector_layers": [{**layer, "minzoom": minzoom, "maxzoom": TILEJSON_MAX_ZOOM}],
    }


def _json(document: dict) -> JsonResponse:
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=settings.CARTO_API_CACHE_SECONDS)
    return response


@require_safe
def actor_tilejson(request):
    """TileJSON of the actor tiles, for the same filters as this request's (validated)."""
    try:
        filters = actor_filters(request.GET)
    except ValidationError as exc:
        return _invalid(exc)
    description = (
        "Acteurs publiés de l'annuaire : points regroupés avec leur nombre (count) jusqu'au "
        "zoom 11, chaque acteur à partir du zoom 12 (regroupés encore au-delà de 3 000 par tuile)."
    )
    layer = {"id": "actors", "description": "Acteurs", "fields": ACTOR_FIELDS}
    tiles = _template(request, "tiles-actors", filters.key)
    return _json(_tilejson("carto — acteurs", description, tiles, layer, 0))


@require_safe
def territory_tilejson(request, kind: str):
    """TileJSON of the outlines of one kind of territory."""
    kind = _kind(kind)
    refusal = _no_parameters(request)
    if refusal is not None:
        return refusal
    label = Kind(kind).label
    layer = {"id": "territories", "description": label, "fields": TERRITORY_FIELDS}
    tiles = _template(request, "tiles-territories", kind=kind)
    minzoom = build.TERRITORY_MIN_ZOOM[kind]
    description = f"Contours : {label.lower()}, simplifiés selon le zoom."
    return _json(_tilejson(f"carto — {label.lower()}", description, tiles, layer, minzoom))


def map_settings() -> dict:
    """What the map's script needs to draw the actors as tiles (carto/layers/views.py)."""
    tile = reverse("tiles-actors", kwargs={"z": 0, "x": 0, "y": 0})
    return {
        "actors": tile.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf"),
        "threshold": MAP_THRESHOLD,
        "renderer": static("vendor/protomaps-leaflet/protomaps-leaflet.js"),
        "maxDataZoom": TILEJSON_MAX_ZOOM,
        "pointZoom": CLUSTER_MAX_ZOOM + 1,
    }
