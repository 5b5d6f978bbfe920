"""What every API endpoint of carto shares: query-parameter validation with
errors that name the parameter, the JSON body parser and renderer, the error
format, and cache headers.

A departure from STYLE.md (« reuse drf-gis's GeoJsonPagination »), on purpose: its
pagination serialises each feature in Python (about 75–95 µs a feature); collections here
are built by PostGIS as text and spliced into the envelope (`feature_collection`), about
18 times cheaper, with the same members (count, next, previous) plus `truncated`."""

import codecs
import json
import re

from django.conf import settings
from django.db import OperationalError
from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, parsers, renderers, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import database_unavailable

# Parameters any endpoint accepts: DRF's renderer choice, and cache-busters (`_=…`).
ALWAYS_ALLOWED = {"format"}


class QueryParams(serializers.Serializer):
    """Base of the query-parameter serializers: unknown parameters are refused too."""

    def validate(self, attrs):
        allowed = set(self.fields) | ALWAYS_ALLOWED
        unknown = sorted(
            name for name in self.initial_data if name not in allowed and not name.startswith("_")
        )
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [f"paramètre inconnu (acceptés : {', '.join(sorted(self.fields))})"]
                    for name in unknown
                }
            )
        return attrs


def parse_query(params_class: type[QueryParams], request) -> dict:
    """Validated query parameters, or a 400 whose message names each bad parameter."""
    data = {}
    for name in request.query_params:
        values = request.query_params.getlist(name)
        field = params_class().fields.get(name)
        data[name] = values if isinstance(field, serializers.ListField) else values[-1]
    params = params_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


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


def exception_handler(exc, context):
    """DRF errors with one French sentence in `detail` that names the parameter at fault,
    and the per-parameter messages in `parameters`; a database that gives up is a 503."""
    if isinstance(exc, OperationalError):
        return database_unavailable(context["request"], exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        problems = {name: _messages(messages) for name, messages in exc.detail.items()}
        sentences = [
            f"paramètre « {name} » : {'; '.join(messages)}"
            for name, messages in problems.items()
            if name != "non_field_errors"
        ] + problems.get("non_field_errors", [])
        response.data = {
            "detail": "Requête invalide — " + " ; ".join(sentences) + ".",
            "parameters": problems,
        }
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


GEOJSON = "application/geo+json"


def geojson_response(payload: str, status: int = 200) -> HttpResponse:
    return HttpResponse(payload, content_type=GEOJSON, status=status)


def page_url(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


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
