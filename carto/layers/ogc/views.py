"""OGC API — Features — Part 1: Core, with the GeoJSON encoding, under /ogc/.

So that QGIS, GDAL/OGR and other standard clients read the directory and the
territories as a feature service. Features are built by PostGIS; `limit` is
capped; `bbox`, `limit`, `offset` and paging links as the standard asks.
"""

import json
from datetime import UTC, datetime

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from carto.api import (
    GEOJSON,
    BBoxField,
    CachedGetMixin,
    QueryParams,
    feature_collection,
    geojson_response,
    parse_query,
)
from carto.openapi import JSON, errors

from . import schemas
from .collections import COLLECTIONS

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000  # far beyond any collection, far below PostgreSQL's bigint


class ItemsParams(QueryParams):
    bbox = BBoxField(required=False)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET, default=0)
    datetime = serializers.CharField(
        required=False, help_text="Accepté ; les collections n'ont pas de dimension temporelle."
    )
    f = serializers.ChoiceField(required=False, choices=["json", "geojson"])


class FormatParams(QueryParams):
    f = serializers.ChoiceField(required=False, choices=["json"])


COLLECTION_ID = OpenApiParameter(
    "collection_id", str, OpenApiParameter.PATH, enum=list(COLLECTIONS)
)


def absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def collection_info(request, collection) -> dict:
    extent = collection.extent()
    info = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"rel": "self", "type": "application/json", "title": collection.title,
             "href": absolute(request, "ogc-collection", collection_id=collection.id)},
            {"rel": "items", "type": "application/geo+json", "title": "Objets",
             "href": absolute(request, "ogc-items", collection_id=collection.id)},
        ],
    }  # fmt: skip
    if extent:
        info["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return info


def get_collection(collection_id: str):
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise Http404(
            f"Collection inconnue « {collection_id} » (connues : {', '.join(COLLECTIONS)})."
        ) from None


class OgcView(CachedGetMixin, APIView):
    schema_tags = ["OGC API Features"]


class LandingView(OgcView):
    @extend_schema(
        operation_id="ogc_landing",
        summary="OGC API Features : page d'accueil",
        parameters=[FormatParams],
        responses={(200, JSON): schemas.LANDING},
        tags=["OGC API Features"],
    )
    def get(self, request):
        parse_query(FormatParams, request)
        return JsonResponse(
            {
                "title": "carto — OGC API Features",
                "description": "L'annuaire des acteurs de la participation citoyenne et les territoires de référence.",
                "links": [
                    {
                        "rel": "self",
                        "type": "application/json",
                        "href": absolute(request, "ogc-landing"),
                    },
                    {
                        "rel": "service-desc",
                        "type": "application/vnd.oai.openapi+json;version=3.0",
                        "href": absolute(request, "schema-json"),
                    },
                    {
                        "rel": "service-doc",
                        "type": "text/html",
                        "href": absolute(request, "api-docs"),
                    },
                    {
                        "rel": "conformance",
                        "type": "application/json",
                        "href": absolute(request, "ogc-conformance"),
                    },
                    {
                        "rel": "data",
                        "type": "application/json",
                        "href": absolute(request, "ogc-collections"),
                    },
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )


class ConformanceView(OgcView):
    @extend_schema(
        operation_id="ogc_conformance",
        summary="Classes de conformité",
        parameters=[FormatParams],
        responses={(200, JSON): schemas.CONFORMANCE},
        tags=["OGC API Features"],
    )
    def get(self, request):
        parse_query(FormatParams, request)
        return JsonResponse({"conformsTo": CONFORMANCE})


class CollectionsView(OgcView):
    @extend_schema(
        operation_id="ogc_collections",
        summary="Collections",
        parameters=[FormatParams],
        responses={(200, JSON): schemas.COLLECTIONS},
        tags=["OGC API Features"],
    )
    def get(self, request):
        parse_query(FormatParams, request)
        return JsonResponse(
            {
                "links": [
                    {
                        "rel": "self",
                        "type": "application/json",
                        "href": absolute(request, "ogc-collections"),
                    }
                ],
                "collections": [collection_info(request, c) for c in COLLECTIONS.values()],
            },
            json_dumps_params={"ensure_ascii": False},
        )


class CollectionView(OgcView):
    @extend_schema(
        operation_id="ogc_collection",
        summary="Une collection",
        parameters=[FormatParams, COLLECTION_ID],
        responses={(200, JSON): schemas.COLLECTION, **errors(404)},
        tags=["OGC API Features"],
    )
    def get(self, request, collection_id: str):
        parse_query(FormatParams, request)
        return JsonResponse(
            collection_info(request, get_collection(collection_id)),
            json_dumps_params={"ensure_ascii": False},
        )


class ItemsView(OgcView):
    @extend_schema(
        operation_id="ogc_items",
        summary="Objets d'une collection (GeoJSON)",
        parameters=[ItemsParams, COLLECTION_ID],
        responses={(200, GEOJSON): schemas.ITEMS, **errors(404)},
        tags=["OGC API Features"],
    )
    def get(self, request, collection_id: str):
        collection = get_collection(collection_id)
        params = parse_query(ItemsParams, request)
        queryset = collection.queryset()
        if "bbox" in params:
            queryset = queryset.in_bbox(params["bbox"])
        matched = queryset.count()
        limit, offset = params["limit"], params["offset"]
        features = list(
            queryset.annotate(feature=collection.feature()).values_list("feature", flat=True)[
                offset : offset + limit
            ]
        )
        base = absolute(request, "ogc-items", collection_id=collection.id)

        def page(new_offset: int) -> str:
            query = request.GET.copy()
            query["offset"] = str(new_offset)
            query["limit"] = str(limit)
            return f"{base}?{query.urlencode()}"

        links = [
            {"rel": "self", "type": "application/geo+json", "href": request.build_absolute_uri()}
        ]
        if offset + len(features) < matched:
            links.append(
                {"rel": "next", "type": "application/geo+json", "href": page(offset + limit)}
            )
        if offset > 0:
            links.append(
                {
                    "rel": "prev",
                    "type": "application/geo+json",
                    "href": page(max(0, offset - limit)),
                }
            )
        envelope = {
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": links,
        }
        return geojson_response(feature_collection(envelope, features))


class ItemView(OgcView):
    @extend_schema(
        operation_id="ogc_item",
        summary="Un objet (Feature GeoJSON)",
        parameters=[
            FormatParams,
            COLLECTION_ID,
            OpenApiParameter(
                "feature_id",
                str,
                OpenApiParameter.PATH,
                description="Identifiant : un nombre (acteurs, initiatives) ou un code de territoire.",
            ),
        ],
        responses={(200, GEOJSON): schemas.ITEM, **errors(404)},
        tags=["OGC API Features"],
    )
    def get(self, request, collection_id: str, feature_id: str):
        collection = get_collection(collection_id)
        parse_query(FormatParams, request)
        try:
            lookup = collection.lookup(feature_id)
        except ValueError:
            raise Http404(
                f"Identifiant « {feature_id} » invalide pour la collection {collection.id}."
            ) from None
        feature = (
            collection.queryset()
            .filter(**lookup)
            .annotate(feature=collection.feature())
            .values_list("feature", flat=True)
            .first()
        )
        if feature is None:
            raise Http404(f"Aucun objet « {feature_id} » dans la collection {collection.id}.")
        data = json.loads(feature)
        data["links"] = [
            {"rel": "self", "type": "application/geo+json", "href": request.build_absolute_uri()},
            {
                "rel": "collection",
                "type": "application/json",
                "href": absolute(request, "ogc-collection", collection_id=collection.id),
            },
        ]
        return HttpResponse(
            json.dumps(data, ensure_ascii=False), content_type="application/geo+json"
        )
