"""Coverage API: one Feature per territory with coverage figures, and the gaps first."""

import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from carto import csv_export
from carto.actors.api.params import SlugListField, TerritoryRefField, programme_field
from carto.actors.models import ActorKind, Public, Theme
from carto.api import GEOJSON as GEOJSON_TYPE
from carto.api import (
    BBoxField,
    CachedGetMixin,
    QueryParams,
    geojson_response,
    gzipped,
    parse_query,
)
from carto.api import feature_collection as spliced_collection
from carto.openapi import CSV, GEOJSON, csv_document
from carto.territories.shapes import simplified

from .. import documents
from ..coverage import LEVELS, coverage, facets_for, gaps
from ..precompute import is_ready, state
from .schemas import COVERAGE, GAPS

CSV_COLUMNS = [
    ("kind", "niveau"), ("code", "code"), ("name", "nom"), ("population", "population"),
    ("actors", "acteurs"), ("initiatives", "initiatives"), ("actors_per_10k", "acteurs_pour_10000_hab"),
    ("share_within", "part_population_a_portee"), ("reached_population", "population_a_portee"),
    ("loaded_population", "population_communes_chargees"), ("distance_m", "distance_m"),
    ("covered", "couvert"), ("own_outline", "contour_propre"),
]  # fmt: skip


class CoverageParams(QueryParams):
    level = serializers.ChoiceField(
        choices=LEVELS, help_text="Niveau : bv, epci, commune, qpv, departement, region."
    )
    kind = SlugListField(ActorKind, help_text="Type(s) d'acteur (répétable).")
    theme = SlugListField(Theme, help_text="Thème(s) (répétable).")
    public = SlugListField(Public, help_text="Public(s) (répétable).")
    q = serializers.CharField(required=False, max_length=200)
    territory = TerritoryRefField(
        required=False, help_text="Périmètre « type:code », ex. departement:62."
    )
    programme = programme_field(
        help_text=(
            "Restreint le périmètre aux communes où agit un site de ce(s) programme(s) de l'État "
            "(et aux territoires qui les contiennent) ; les acteurs comptés restent ceux des filtres "
            "(répétable : l'un ou l'autre)."
        )
    )
    max_km = serializers.FloatField(
        required=False,
        min_value=0.1,
        max_value=100,
        default=5.0,
        help_text="Portée en km (défaut 5).",
    )
    bbox = BBoxField(
        required=False,
        help_text=(
            "Seulement les territoires dont une commune a sa mairie dans ce rectangle (la vue "
            "d'une carte) : minlon,minlat,maxlon,maxlat."
        ),
    )
    zoom = serializers.IntegerField(required=False, min_value=0, max_value=22, default=8)
    format = serializers.ChoiceField(required=False, choices=["geojson", "csv"], default="geojson")


class GapsParams(CoverageParams):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=5000, default=100)


def _filters(params: dict) -> dict:
    return {key: params[key] for key in ("kind", "theme", "public", "q") if params.get(key)}


class CoverageNotReady(exceptions.APIException):
    status_code = 503
    default_detail = (
        "La couverture nationale n'est pas encore calculée (la file de tâches s'en charge après "
        "un import) : réessayez dans quelques minutes, ou choisissez un territoire."
    )


def _coverage(params: dict):
    """The coverage rows a request asks for. All of France for a filter the precomputed
    data answers, before it was first computed: a 503, not a national live computation
    that would outlast the web worker."""
    national = not params.get("territory") and not params.get("bbox")
    if national and facets_for(_filters(params)) is not None and not is_ready():
        raise CoverageNotReady()
    return coverage(
        params["level"],
        _filters(params),
        params.get("territory"),
        params["max_km"],
        params.get("programme"),
        bbox=params.get("bbox"),
    )


def _source(params: dict, current: dict) -> dict:
    """Whether the answer came from the precomputed coverage, and as of when (the rule of
    coverage.precomputed_facets, on the state read once for the request)."""
    if facets_for(_filters(params)) is None or current["full_at"] is None:
        return {"precomputed": False, "computed_at": None}
    updated = current["updated_at"]
    return {"precomputed": True, "computed_at": updated.isoformat() if updated else None}


def csv_response(rows, filename: str) -> HttpResponse:
    return csv_export.response(
        [title for _key, title in CSV_COLUMNS],
        ([row.__dict__.get(key) for key, _title in CSV_COLUMNS] for row in rows),
        filename,
    )


# Given by the territory's own properties: not repeated (a JSON object has unique keys).
TERRITORY_KEYS = {"kind", "code", "name", "population"}


def answer(request, params: dict, build) -> HttpResponse:
    """`build(current_state)`'s response; for all of France from the precomputed data, the
    answer kept whole until that data, the initiatives or the territories change
    (documents.py), computed by the first request that asks."""
    current = state()
    national = not any(params.get(name) for name in ("territory", "bbox", "programme"))
    if not (
        national
        and params["format"] == "geojson"
        and current["full_at"] is not None
        and facets_for(_filters(params)) is not None
    ):
        return gzipped(request, build(current))
    digest = documents.key(request.path, params, current)
    packed = documents.read(digest)
    if packed is None:
        built = build(current)
        if built.status_code != 200:
            return built
        packed = documents.keep(digest, built.content)
    return documents.response(request, packed, GEOJSON_TYPE)


def feature_collection(rows, params: dict, current: dict, **members) -> HttpResponse:
    """The rows as Features: each territory's outline simplified for the zoom (cached,
    carto.territories.shapes) and its properties, spliced as text with the coverage
    figures: no GeoJSON is parsed again in Python."""
    shapes = simplified(params["level"], [r.code for r in rows], params["zoom"], True)
    features = []
    for row in rows:
        geometry, properties = shapes[row.code]
        figures = json.dumps(
            {k: v for k, v in row.properties().items() if k not in TERRITORY_KEYS},
            ensure_ascii=False,
        )
        features.append(
            f'{{"type": "Feature", "id": "{row.kind}:{row.code}", '
            f'"geometry": {geometry or "null"}, '
            f'"properties": {properties[:-1]}, {figures[1:]}}}'
        )
    body = {
        "level": params["level"],
        "max_km": params["max_km"],
        "filters": _filters(params),
        "territory": ":".join(params["territory"]) if params.get("territory") else None,
        "programme": params.get("programme", []),
        "bbox": list(params["bbox"]) if params.get("bbox") else None,
        "numberReturned": len(features),
        **_source(params, current),
        **members,
    }
    return geojson_response(spliced_collection(body, features))


class CoverageView(CachedGetMixin, APIView):
    @extend_schema(
        operation_id="coverage",
        summary="Couverture des territoires par les acteurs",
        description=(
            "Une Feature par territoire du niveau demandé : population, nombre d'acteurs et d'initiatives "
            "correspondant aux filtres, acteurs pour 10 000 habitants, part de la population (placée à la "
            "mairie de chaque commune) à moins de `max_km` d'un acteur. Pour les QPV : distance au plus proche "
            "acteur depuis le contour (ou la commune si le contour est inconnu) et couvert oui/non. "
            "Avec `programme`, seuls les territoires où agit un site de ce programme (ex. les communes "
            "des cités éducatives) : leurs zones blanches sont les sites sans acteur à portée."
        ),
        parameters=[CoverageParams],
        responses={
            (200, GEOJSON): COVERAGE,
            (200, CSV): csv_document("Un territoire par ligne (format=csv)."),
        },
        tags=["planification"],
    )
    def get(self, request):
        params = parse_query(CoverageParams, request)

        def build(current):
            rows = _coverage(params)
            rows.sort(key=lambda r: r.code)
            if params["format"] == "csv":
                return csv_response(rows, f"couverture-{params['level']}.csv")
            return feature_collection(rows, params, current)

        return answer(request, params, build)


class GapsView(CachedGetMixin, APIView):
    @extend_schema(
        operation_id="coverage_gaps",
        summary="Zones blanches : les territoires les moins couverts d'abord",
        parameters=[GapsParams],
        responses={
            (200, GEOJSON): GAPS,
            (200, CSV): csv_document(
                "Les moins couverts d'abord, un territoire par ligne (format=csv)."
            ),
        },
        tags=["planification"],
    )
    def get(self, request):
        params = parse_query(GapsParams, request)

        def build(current):
            rows = gaps(_coverage(params))
            total = len(rows)
            rows = rows[: params["limit"]]
            if params["format"] == "csv":
                return csv_response(rows, f"zones-blanches-{params['level']}.csv")
            return feature_collection(
                rows, params, current, count=total, truncated=total > len(rows)
            )

        return answer(request, params, build)
