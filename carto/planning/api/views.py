"""Coverage API: one Feature per territory with coverage figures, and the gaps first."""

import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from carto import csv_export
from carto.actors.api.params import SlugListField, TerritoryRefField, programme_field
from carto.actors.models import ActorKind, Public, Theme
from carto.api import CachedGetMixin, QueryParams, geojson_response, parse_query
from carto.openapi import CSV, GEOJSON, csv_document
from carto.territories.functions import TerritoryFeature
from carto.territories.models import Territory
from carto.territories.querysets import zoom_tolerance

from ..coverage import LEVELS, coverage, gaps
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
    zoom = serializers.IntegerField(required=False, min_value=0, max_value=22, default=8)
    format = serializers.ChoiceField(required=False, choices=["geojson", "csv"], default="geojson")


class GapsParams(CoverageParams):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=5000, default=100)


def _filters(params: dict) -> dict:
    return {key: params[key] for key in ("kind", "theme", "public", "q") if params.get(key)}


def _coverage(params: dict):
    """The coverage rows a request asks for."""
    return coverage(
        params["level"],
        _filters(params),
        params.get("territory"),
        params["max_km"],
        params.get("programme"),
    )


def csv_response(rows, filename: str) -> HttpResponse:
    return csv_export.response(
        [title for _key, title in CSV_COLUMNS],
        ([row.__dict__.get(key) for key, _title in CSV_COLUMNS] for row in rows),
        filename,
    )


def feature_collection(rows, params: dict, **members) -> HttpResponse:
    tolerance, digits = zoom_tolerance(params["zoom"])
    shapes = dict(
        Territory.objects.filter(kind=params["level"], code__in=[r.code for r in rows])
        .annotate(feature=TerritoryFeature(tolerance, digits, commune_fallback=True))
        .values_list("code", "feature")
    )
    features = []
    for row in rows:
        feature = json.loads(shapes[row.code])
        feature["properties"].update(row.properties())
        features.append(feature)
    body = {
        "type": "FeatureCollection",
        "level": params["level"],
        "max_km": params["max_km"],
        "filters": _filters(params),
        "territory": ":".join(params["territory"]) if params.get("territory") else None,
        "programme": params.get("programme", []),
        "numberReturned": len(features),
        **members,
        "features": features,
    }
    return geojson_response(json.dumps(body, ensure_ascii=False))


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
        rows = _coverage(params)
        rows.sort(key=lambda r: r.code)
        if params["format"] == "csv":
            return csv_response(rows, f"couverture-{params['level']}.csv")
        return feature_collection(rows, params)


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
        rows = gaps(_coverage(params))
        total = len(rows)
        rows = rows[: params["limit"]]
        if params["format"] == "csv":
            return csv_response(rows, f"zones-blanches-{params['level']}.csv")
        return feature_collection(rows, params, count=total, truncated=total > len(rows))
