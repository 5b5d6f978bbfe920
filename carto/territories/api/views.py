"""Territory API: boundaries (GeoJSON built by PostGIS), one territory, locate, search."""

import json

from django.contrib.gis.db.models.functions import Envelope
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from carto.api import (
    GEOJSON,
    CachedGetMixin,
    geojson_response,
    paged_feature_collection,
    parse_query,
)
from carto.openapi import JSON, errors

from ..codes import KIND_ORDER, Kind, is_valid_code, normalize_code
from ..functions import TerritoryFeature
from ..models import Territory
from ..querysets import zoom_tolerance
from ..services import locate
from .params import LocateParams, SearchParams, TerritoryListParams, ZoomParams
from .schemas import LOCATION, SEARCH_RESULTS, TERRITORY_COLLECTION, TERRITORY_DETAIL
from .serializers import (
    TerritoryFeatureSerializer,
    TerritorySearchResultSerializer,
    TerritorySummarySerializer,
    with_display_geometry,
)


class TerritoryListView(CachedGetMixin, APIView):
    """Boundaries as one GeoJSON FeatureCollection, simplified for `zoom`, serialised by PostGIS."""

    @extend_schema(
        operation_id="territories_list",
        summary="Contours des territoires (GeoJSON)",
        description="Une FeatureCollection paginée, contours simplifiés à la taille d'un pixel pour `zoom`.",
        parameters=[TerritoryListParams],
        responses={(200, GEOJSON): TERRITORY_COLLECTION, **errors(404)},
        tags=["territoires"],
    )
    def get(self, request):
        params = parse_query(TerritoryListParams, request)
        queryset = Territory.objects.of_kind(*params.get("kind", []))
        fallback = params.get("fallback") == "commune"
        if "bbox" in params:
            queryset = queryset.in_bbox(params["bbox"], without_outline=fallback)
        if params.get("departement"):
            queryset = queryset.in_departements(
                normalize_code(Kind.DEPARTEMENT, c) for c in params["departement"]
            )
        tolerance, digits = zoom_tolerance(params.get("zoom"))
        return paged_feature_collection(
            request,
            queryset.order_by("kind", "code"),
            TerritoryFeature(tolerance, digits, commune_fallback=fallback),
            params["page"],
            params["page_size"],
            zoom=params.get("zoom"),
        )


class TerritoryDetailView(CachedGetMixin, APIView):
    @extend_schema(
        operation_id="territories_detail",
        summary="Un territoire (Feature GeoJSON)",
        parameters=[
            ZoomParams,
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=Kind.values),
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, description="Code officiel (INSEE, SIREN, QPV)."
            ),
        ],
        responses={(200, GEOJSON): TERRITORY_DETAIL, **errors(404)},
        tags=["territoires"],
    )
    def get(self, request, kind: str, code: str):
        if kind not in Kind.values:
            raise Http404(
                f"Type de territoire inconnu « {kind} » (connus : {', '.join(Kind.values)})."
            )
        code = normalize_code(kind, code)
        if not is_valid_code(kind, code):
            raise Http404(f"« {code} » n'est pas un code de {Kind(kind).label.lower()}.")
        params = parse_query(ZoomParams, request)
        tolerance, _digits = zoom_tolerance(params.get("zoom"))
        territory = with_display_geometry(
            Territory.objects.filter(kind=kind, code=code), tolerance
        ).first()
        if territory is None:
            raise Http404(f"Aucun territoire de type « {kind} » ne porte le code {code}.")
        data = TerritoryFeatureSerializer(territory, context={"request": request}).data
        return geojson_response(json.dumps(data, ensure_ascii=False))


class TerritoryLocateView(CachedGetMixin, APIView):
    @extend_schema(
        operation_id="territories_locate",
        summary="Territoires contenant un point",
        description=(
            "La commune, l'EPCI, le département, la région, le bassin de vie et les QPV qui contiennent le point. "
            "`qpv_in_commune` liste les QPV de la commune dont le contour n'est pas connu."
        ),
        parameters=[LocateParams],
        responses={(200, JSON): LOCATION},
        examples=[
            OpenApiExample(
                "Mairie de Lens", value={"lon": 2.832435, "lat": 50.429256}, request_only=True
            )
        ],
        tags=["territoires"],
    )
    def get(self, request):
        params = parse_query(LocateParams, request)
        location = locate(params["lon"], params["lat"])
        context = {"request": request}

        def summary(territory):
            return (
                TerritorySummarySerializer(territory, context=context).data if territory else None
            )

        data = {"lon": location.lon, "lat": location.lat}
        for kind in KIND_ORDER:
            if kind != Kind.QPV:
                data[kind] = summary(location.by_kind.get(kind))
        data["qpv"] = [summary(t) for t in location.qpv]
        data["qpv_in_commune"] = [summary(t) for t in location.qpv_in_commune]
        return Response(data)


class TerritorySearchView(CachedGetMixin, APIView):
    @extend_schema(
        operation_id="territories_search",
        summary="Recherche de territoires (autocomplétion)",
        description="Noms et codes de tous les types, sans tenir compte des accents (« lievin » trouve Liévin).",
        parameters=[SearchParams],
        responses={(200, JSON): SEARCH_RESULTS},
        tags=["territoires"],
    )
    def get(self, request):
        params = parse_query(SearchParams, request)
        queryset = (
            Territory.objects.of_kind(*params.get("kind", []))
            .search(params["q"])
            .defer("geom")
            .annotate(envelope=Envelope("geom"))[: params["limit"]]
        )
        results = TerritorySearchResultSerializer(
            queryset, many=True, context={"request": request}
        ).data
        return Response({"q": params["q"], "results": results})
