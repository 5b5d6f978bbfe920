"""OGC API — Features — Part 1: Core, with the GeoJSON encoding, under /ogc/.

So that QGIS, GDAL/OGR and other standard clients read the directory and the
territories as a feature service. Features are built by PostGIS; `bbox`, `limit` and
paging links as the standard asks.

Paging: the `next` link carries an opaque `cursor` (keyset: the last id, or code), so that
a client walking a million actors page after page pays the same for the last page as for
the first. `limit` above CARTO_API_MAX_FEATURES (5 000) is served capped, as the standard
permits; `offset` reaches the first CARTO_API_MAX_OFFSET rows (a deeper one is refused,
naming `cursor`). `numberMatched` is given when known exactly — counted up to
CARTO_API_COUNT_LIMIT, or on the last page — and left out otherwise, as the standard
allows. Items skip DRF's request cycle (one statement a page, carto/actors/api/pages.py).
"""

import json
from datetime import UTC, datetime

from django.db import OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from carto.actors.api import pages
from carto.api import (
    CURSOR_MAX_LENGTH,
    GEOJSON,
    BBoxField,
    CachedGetMixin,
    QueryParams,
    cache_publicly,
    cursor_url,
    feature_collection,
    filters_digest,
    geojson_response,
    gzipped,
    invalid,
    not_found,
    parse_fields,
    parse_query,
    read_cursor,
    sign_cursor,
)
from carto.errors import database_unavailable
from carto.openapi import JSON, errors

from . import schemas
from .collections import COLLECTIONS

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000_000  # what the parameter parses (below bigint); pages.max_offset() serves


class ItemsParams(QueryParams):
    bbox = BBoxField(required=False)
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        default=DEFAULT_LIMIT,
        help_text="Au plus 5 000 objets par réponse (une demande plus grande est plafonnée).",
    )
    offset = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_OFFSET,
        default=0,
        help_text=(
            "Dans les 10 000 premiers objets ; au-delà, suivre le lien `next` (paramètre `cursor`)."
        ),
    )
    cursor = serializers.CharField(
        required=False,
        max_length=CURSOR_MAX_LENGTH,
        help_text="Curseur opaque du lien `next` : la page suivante, à toute profondeur.",
    )
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
        description=(
            "Au plus 5 000 objets par réponse ; le lien `next` donne la suite, à toute "
            "profondeur. `numberMatched` est donné quand il est connu exactement (jusqu'à "
            "10 000 objets, ou à la dernière page), omis sinon."
        ),
        parameters=[ItemsParams, COLLECTION_ID],
        responses={(200, GEOJSON): schemas.ITEMS, **errors(404)},
        tags=["OGC API Features"],
    )
    def get(self, request, collection_id: str):
        """Reached only if dispatch lets DRF serve a GET: the same answer."""
        return self.items(request, collection_id)

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        try:
            return gzipped(request, cache_publicly(self.items(request, kwargs["collection_id"])))
        except Http404 as exc:
            return not_found(str(exc))
        except serializers.ValidationError as exc:
            return invalid(exc.detail)
        except OperationalError as exc:
            return database_unavailable(request, exc)

    def items(self, request, collection_id: str) -> HttpResponse:
        collection = get_collection(collection_id)
        query = request.GET
        params = parse_fields(ItemsParams, query)
        limit = min(params["limit"], pages.max_features())
        order = f"ogc:{collection.id}"
        digest = filters_digest(query)
        offset = None
        if "cursor" in params:
            if "offset" in query:
                raise serializers.ValidationError(
                    {"offset": ["offset et cursor s'excluent : le curseur donne déjà la page"]}
                )
            kinds = (int,) if collection.key == "id" else (str,)
            state = read_cursor(params["cursor"], digest, order, kinds)
            window = pages.Window(
                limit, after=tuple(state["k"]), position=state["p"], count=state["c"],
                exact=state["x"],
            )  # fmt: skip
        else:
            offset = params["offset"]
            window = pages.Window(limit, offset=offset, position=offset)
        bbox = params.get("bbox")
        if offset is not None and offset >= pages.max_offset():
            # Past the end (known when counted), an empty page; else too deep for an offset.
            count = matches(collection, bbox)
            if count > pages.count_limit() or offset < count:
                raise serializers.ValidationError({"offset": [pages.too_deep()]})
            page = pages.Page("", 0, False, None, count, True)
        elif collection.entity:
            page = pages.fetch(collection.entity, {"bbox": bbox}, window)
        else:
            page = territory_page(collection, bbox, window)
        links = [
            {"rel": "self", "type": "application/geo+json", "href": request.build_absolute_uri()}
        ]
        if page.more:
            state = {"m": order, "f": digest, "k": json.loads(page.last_key),
                     "p": window.position + page.returned, "c": page.count, "x": page.exact}  # fmt: skip
            href = cursor_url(request, sign_cursor(state), drop=("offset", "cursor"))
            links.append({"rel": "next", "type": "application/geo+json", "href": href})
        if offset:
            query = request.GET.copy()
            query["offset"] = str(max(0, offset - limit))
            href = absolute(request, "ogc-items", collection_id=collection.id)
            links.append(
                {
                    "rel": "prev",
                    "type": "application/geo+json",
                    "href": f"{href}?{query.urlencode()}",
                }
            )
        envelope = {
            **({"numberMatched": page.count} if page.exact else {}),
            "numberReturned": page.returned,
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": links,
        }
        return geojson_response(feature_collection(envelope, [page.features]))


def matches(collection, bbox) -> int:
    """The collection's objects (in the bbox), counted up to the bound (+1)."""
    if collection.entity:
        return pages.count_matches(collection.entity, {"bbox": bbox})
    queryset = collection.queryset()
    if bbox:
        queryset = queryset.in_bbox(bbox)
    return queryset.order_by().values("pk")[: pages.count_limit() + 1].count()


def territory_page(collection, bbox, window: pages.Window) -> pages.Page:
    """A page of a collection served through the ORM (territories, at most some 35 000
    rows; the agenda's sessions), keyset by its `key` (a code, or an id)."""
    key = collection.key
    queryset = collection.queryset()
    if bbox:
        queryset = queryset.in_bbox(bbox)
    rows = queryset.filter(**{f"{key}__gt": window.after[0]}) if window.after else queryset
    found = list(
        rows.annotate(feature=collection.feature()).values_list(key, "feature")[
            window.offset : window.offset + window.size + 1
        ]
    )
    counted = None
    if len(found) > window.size and window.after is None:
        counted = queryset.order_by().values("pk")[: pages.count_limit() + 1].count()
    last_key = json.dumps([found[window.size - 1][0]]) if len(found) > window.size else None
    features = ",".join(feature for _key, feature in found[: window.size])
    return pages.settle(window, len(found), features, last_key, counted)


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
                description="Identifiant : un nombre (acteurs, initiatives, séances) ou un code de territoire.",
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
