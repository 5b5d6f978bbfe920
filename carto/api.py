"""What every API endpoint of carto shares: query-parameter validation with
errors that name the parameter, the JSON body parser and renderer, the error
format, and cache headers.

A departure from STYLE.md (« reuse drf-gis's GeoJsonPagination »), on purpose: its
pagination serialises each feature in Python (about 75–95 µs a feature); collections here
are built by PostGIS as text and spliced into the envelope (`feature_collection`), about
18 times cheaper, with the same members (count, next, previous) plus `truncated`.

The hot collections (the directory, OGC items) skip DRF's request cycle: `parse_fields`
validates with the same declared fields as `parse_query` without building a serializer a
request, and errors keep the same body (`validation_error_body`). Deep pages are served by
keyset: `sign_cursor`/`read_cursor` carry the last row's sort key in an opaque token, signed
(a client cannot forge one) and bound to the request's filters (`filters_digest`). They
compress their bodies themselves, at a fast level (`gzipped`)."""

import base64
import binascii
import codecs
import gzip
import hashlib
import hmac
import json
import re
from urllib.parse import urlencode

from django.conf import settings
from django.db import OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, parsers, renderers, serializers

from .errors import database_unavailable

# Parameters any endpoint accepts: DRF's renderer choice, and cache-busters (`_=…`).
ALWAYS_ALLOWED = {"format"}


class QueryParams(serializers.Serializer):
    """Base of the query-parameter serializers: unknown parameters are refused too."""

    def validate(self, attrs):
        refuse_unknown(type(self), self.initial_data)
        return self.cross_check(attrs)

    @classmethod
    def cross_check(cls, attrs: dict) -> dict:
        """Rules between parameters (a subclass's); raises a ValidationError naming them."""
        return attrs


def refuse_unknown(params_class: type[QueryParams], names) -> None:
    fields = params_class._declared_fields
    unknown = sorted(
        name
        for name in names
        if name not in fields and name not in ALWAYS_ALLOWED and not name.startswith("_")
    )
    if unknown:
        accepted = ", ".join(sorted(fields))
        raise serializers.ValidationError(
            {name: [f"paramètre inconnu (acceptés : {accepted})"] for name in unknown}
        )


def parse_query(params_class: type[QueryParams], request) -> dict:
    """Validated query parameters, or a 400 whose message names each bad parameter."""
    fields = params_class._declared_fields
    data = {}
    for name in request.query_params:
        values = request.query_params.getlist(name)
        data[name] = values if isinstance(fields.get(name), serializers.ListField) else values[-1]
    params = params_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


def parse_fields(params_class: type[QueryParams], query) -> dict:
    """What `parse_query` gives, for the hot paths: the class's declared fields validate
    their values directly (they hold no state once declared), with no serializer built
    per request; the same messages, raised as one ValidationError({name: [messages]})."""
    fields = params_class._declared_fields
    refuse_unknown(params_class, query)
    attrs, problems = {}, {}
    for name, field in fields.items():
        if name not in query:  # absent: its default, if it has one (none is required here)
            if field.required:
                problems[name] = [field.error_messages["required"]]
            elif field.default is not serializers.empty:
                attrs[name] = field.get_default()
            continue
        values = query.getlist(name)
        data = values if isinstance(field, serializers.ListField) else values[-1]
        try:
            attrs[name] = field.run_validation(data)
        except serializers.ValidationError as exc:
            problems[name] = exc.detail
    if problems:
        raise serializers.ValidationError(problems)
    return params_class.cross_check(attrs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$",
        "example": "2.70,50.35,2.95,50.50",
        "description": "minlon,minlat,maxlon,maxlat en WGS84 (min < max)",
    }
)
class BBoxField(serializers.Field):
    """`minlon,minlat,maxlon,maxlat` in WGS84."""

    default_error_messages = {
        "format": "quatre nombres attendus : minlon,minlat,maxlon,maxlat (reçu « {value} »)",
        "range": "longitudes entre -180 et 180, latitudes entre -90 et 90 (reçu « {value} »)",
        "order": "minlon doit être inférieur à maxlon et minlat à maxlat (reçu « {value} »)",
    }

    def to_internal_value(self, data):
        parts = str(data).split(",")
        try:
            minx, miny, maxx, maxy = (float(part) for part in parts)
        except ValueError:
            self.fail("format", value=data)
        if any(v != v for v in (minx, miny, maxx, maxy)):  # NaN
            self.fail("format", value=data)
        if not (
            -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90
        ):
            self.fail("range", value=data)
        if minx >= maxx or miny >= maxy:
            self.fail("order", value=data)
        return (minx, miny, maxx, maxy)

    def to_representation(self, value):
        return ",".join(str(v) for v in value)


_CONTROL_RUNS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\s]+")


class TextLineField(serializers.CharField):
    """One line of text: line breaks, tabs and other control characters become a space
    (a label travels into calendar files, CSV cells and page titles)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        return _CONTROL_RUNS.sub(" ", text).strip()


def _messages(detail) -> list[str]:
    """Flatten DRF's nested error details (a ListField gives {index: [errors]})."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list | tuple):
        return [message for value in detail for message in _messages(value)]
    return [str(detail).rstrip(". ")]


def _first_message(detail) -> str:
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    if isinstance(detail, dict):
        return _first_message(next(iter(detail.values()), ""))
    return str(detail)


def validation_error_body(detail: dict) -> dict:
    """One French sentence naming each parameter at fault, and the messages by parameter."""
    problems = {name: _messages(messages) for name, messages in detail.items()}
    sentences = [
        f"paramètre « {name} » : {'; '.join(messages)}"
        for name, messages in problems.items()
        if name != "non_field_errors"
    ] + problems.get("non_field_errors", [])
    return {"detail": "Requête invalide — " + " ; ".join(sentences) + ".", "parameters": problems}


def invalid(detail: dict) -> JsonResponse:
    """A 400 as the exception handler words it, for views outside DRF's cycle."""
    return JsonResponse(
        validation_error_body(detail), status=400, json_dumps_params={"ensure_ascii": False}
    )


def not_found(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=404, json_dumps_params={"ensure_ascii": False})


def exception_handler(exc, context):
    """DRF errors with one French sentence in `detail` that names the parameter at fault,
    and the per-parameter messages in `parameters`; a database that gives up is a 503."""
    # Imported here: rest_framework.views reads the renderer setting, which names this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, OperationalError):
        return database_unavailable(context["request"], exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        response.data = validation_error_body(exc.detail)
    elif isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": _first_message(response.data)}
    return response


class CachedGetMixin:
    """Public cache headers on successful GET responses (the ETag comes from
    ConditionalGetMiddleware, which also answers 304 to If-None-Match)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            patch_cache_control(response, public=True, max_age=settings.CARTO_API_CACHE_SECONDS)
        return response


def cache_publicly(response: HttpResponse) -> HttpResponse:
    """The headers CachedGetMixin gives (to a success), for views outside DRF's cycle."""
    if response.status_code == 200:
        response["Cache-Control"] = f"public, max-age={settings.CARTO_API_CACHE_SECONDS}"
    return response


ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# zlib's level 6 (GZipMiddleware's) up to a megabyte: a page of 1 000 light actors
# (180 KB) in 1.7 ms, 17.5 bytes an actor (22 at level 1); level 1 beyond: a page of
# 5 000 full actors (2.6 MB) in 7 ms instead of 18.
GZIP_LEVEL = 6
GZIP_LEVEL_LARGE = 1
GZIP_LARGE = 1024 * 1024


def gzipped(request, response: HttpResponse) -> HttpResponse:
    """A collection compressed here, at a level chosen by its size (GZIP_LEVEL): the
    middleware leaves a response that already has a Content-Encoding alone."""
    if (
        response.status_code != 200
        or response.streaming  # a CSV export, written as it streams
        or len(response.content) < 1024
        or not ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    ):
        return response
    level = GZIP_LEVEL if len(response.content) <= GZIP_LARGE else GZIP_LEVEL_LARGE
    response.content = gzip.compress(response.content, compresslevel=level, mtime=0)
    response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


GEOJSON = "application/geo+json"


def geojson_response(payload: str, status: int = 200) -> HttpResponse:
    return HttpResponse(payload, content_type=GEOJSON, status=status)


# -- keyset cursors ----------------------------------------------------------------------

CURSOR_SALT = "carto.api.cursor"
CURSOR_MAX_LENGTH = 2000
# Parameters that choose the page or its form, not the rows: a cursor stays valid across them.
PAGE_PARAMETERS = {"cursor", "page", "page_size", "limit", "offset", "format", "f", "properties"}


def filters_digest(query) -> str:
    """A short fingerprint of the parameters that choose the rows (not the page)."""
    pairs = sorted(
        (name, value)
        for name, values in query.lists()
        if name not in PAGE_PARAMETERS and not name.startswith("_")
        for value in values
    )
    digest = hashlib.blake2b(json.dumps(pairs).encode(), digest_size=9).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _cursor_key(secret: str) -> bytes:
    return hashlib.sha256(f"{CURSOR_SALT}:{secret}".encode()).digest()


_cursor_keys: dict[str, bytes] = {}


def _signature(payload: bytes) -> str:
    """HMAC-SHA256 of the payload, 128 bits, under a key derived once from SECRET_KEY."""
    secret = settings.SECRET_KEY
    key = _cursor_keys.get(secret) or _cursor_keys.setdefault(secret, _cursor_key(secret))
    digest = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_cursor(state: dict) -> str:
    """An opaque token for `state` (the last row's key, the position, the count so far):
    base64url JSON and its signature, URL-safe as it is."""
    payload = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode())
    payload = payload.rstrip(b"=")
    return f"{payload.decode()}.{_signature(payload)}"


def _unsign(token: str):
    payload, dot, signature = token.rpartition(".")
    if not dot or not hmac.compare_digest(signature, _signature(payload.encode())):
        raise ValueError("bad signature")
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


BAD_CURSOR = (
    "curseur illisible ou altéré : reprenez le lien « next » d'une réponse, tel quel "
    "(ou repartez de la première page, sans cursor)"
)
OTHER_CURSOR = (
    "ce curseur vient d'une autre requête (d'autres filtres) : reprenez le lien « next » "
    "de la réponse à cette requête-ci"
)


def read_cursor(token: str, digest: str, mode: str, kinds: tuple[type, ...]) -> dict:
    """The state a cursor carries, checked: signed by this server, made for these filters
    and this order, its key of the expected types; else a ValidationError naming `cursor`."""
    try:
        state = _unsign(token)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise serializers.ValidationError({"cursor": [BAD_CURSOR]}) from None
    if not isinstance(state, dict) or state.get("f") != digest or state.get("m") != mode:
        raise serializers.ValidationError({"cursor": [OTHER_CURSOR]})
    key, position, count, exact = state.get("k"), state.get("p"), state.get("c"), state.get("x")
    valid = (
        isinstance(key, list)
        and len(key) == len(kinds)
        and all(_of_kind(value, kind) for value, kind in zip(key, kinds, strict=False))
        and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (position, count)
        )
        and isinstance(exact, bool)
    )
    if not valid:
        raise serializers.ValidationError({"cursor": [BAD_CURSOR]})
    state["k"] = [float(v) if kind is float else v for v, kind in zip(key, kinds, strict=True)]
    return state


def _of_kind(value, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, int | float) and value == value and abs(value) != float("inf")
    return isinstance(value, kind)


def page_url(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def cursor_url(request, token: str, drop=("page", "cursor")) -> str:
    """This request's URL resuming after `token`: the same parameters, the cursor instead
    of the page (or offset). The token is URL-safe as it is (quoting it cost more than
    the rest of the response's Python)."""
    pairs = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in drop
        for value in values
    ]
    query = f"{urlencode(pairs)}&cursor={token}" if pairs else f"cursor={token}"
    return request.build_absolute_uri(f"{request.path}?{query}")


def feature_collection(envelope: dict, features: list[str]) -> str:
    """A FeatureCollection's text: the envelope's members, then the features PostGIS
    built as text, spliced in without being parsed again."""
    head = json.dumps({"type": "FeatureCollection", **envelope}, ensure_ascii=False)[:-1]
    separator = ", " if len(head) > 1 else ""
    return f'{head}{separator}"features": [{",".join(features)}]}}'


def paged_feature_collection(
    request, queryset, feature, page: int, size: int, **members
) -> HttpResponse:
    """A page of features built by PostGIS (`feature`: an expression giving each row's
    Feature as text), wrapped in a FeatureCollection that says how many matched and
    whether more pages follow; a page past the end is a 404 naming it."""
    count = queryset.count()
    pages = max(1, -(-count // size))
    if page > pages:
        raise Http404(f"Page {page} au-delà de la dernière ({pages}) pour {count} résultats.")
    features = list(
        queryset.annotate(feature=feature).values_list("feature", flat=True)[
            (page - 1) * size : page * size
        ]
    )
    envelope = {
        "count": count,
        "numberReturned": len(features),
        "page": page,
        "page_size": size,
        "truncated": page < pages,
        "next": page_url(request, page + 1) if page < pages else None,
        "previous": page_url(request, page - 1) if page > 1 else None,
        **members,
    }
    return geojson_response(feature_collection(envelope, features))


# -- JSON bodies -------------------------------------------------------------------------

MAX_JSON_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"


def json_depth(value) -> int:
    """How deeply arrays and objects nest in a decoded JSON value (an explicit stack: no
    recursion to exhaust)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _lone_surrogate_at(value, path: str = "") -> str | None:
    """The path of the first string holding a lone UTF-16 surrogate (valid JSON, invalid text)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(racine)"
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        name = str(key).encode("utf-8", "backslashreplace").decode("utf-8")
        where = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{name}" if path else name)
        found = _lone_surrogate_at(key, where) if isinstance(key, str) else None
        found = found or _lone_surrogate_at(item, where)
        if found:
            return found
    return None


def _refuse_constant(name: str):
    raise ValueError(f"{name} n'est pas une valeur JSON standard")


class JsonBodyParser(parsers.JSONParser):
    """`application/json` bodies only (anything else is a 415, so a cross-origin POST needs a
    CORS preflight), bounded in size and nesting, valid Unicode text, standard JSON (no NaN)."""

    strict = True

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        limit = settings.CARTO_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"Corps de requête trop grand : au plus {limit} octets.")
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(
                f"Corps de requête illisible en {encoding} : {exc}."
            ) from None
        too_deep = exceptions.ParseError(f"JSON trop imbriqué : au plus {MAX_JSON_DEPTH} niveaux.")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON invalide : {exc}.") from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        where = _lone_surrogate_at(data)
        if where:
            raise exceptions.ParseError(
                f"JSON invalide : « {where} » contient un caractère UTF-16 isolé (\\uD800–\\uDFFF), "
                "qui n'est pas du texte."
            )
        return data


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer; should a message ever echo text UTF-8 cannot carry (a lone
    surrogate), the body falls back to ASCII escapes instead of failing."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)


class _AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True
