"""Response schemas of the territory API (what sql/territory_feature.sql and the
serializers build), for the OpenAPI description."""

from carto.openapi import (
    BBOX,
    CODES,
    LON_LAT,
    array,
    boolean,
    detail,
    feature,
    geometry,
    integer,
    number,
    obj,
    paged_collection,
    string,
)

from ..codes import Kind

KIND = string(enum=list(Kind.values))
PARENTS = obj(
    {
        "region": string(),
        "departement": string(),
        "epci": string(),
        "bv": string(),
    }
)

# The properties built by carto_territory_feature (nulls stripped).
TERRITORY_PROPERTIES = obj(
    {
        "kind": KIND,
        "code": string(),
        "name": string(),
        "population": integer(),
        "commune_count": integer(),
        "parents": PARENTS,
        "departements": CODES,
        "communes": CODES,
        "has_outline": boolean(),
        "outline": string(enum=["own", "commune"]),
        "vintage": string(),
    },
    required=["kind", "code", "name", "has_outline"],
)
TERRITORY_ID = string(pattern=r"^[a-z]+:[0-9A-Za-z]+$")
TERRITORY_FEATURE = feature(
    TERRITORY_PROPERTIES, geometry("Polygon", "MultiPolygon", nullable=True), TERRITORY_ID
)
TERRITORY_COLLECTION = paged_collection(TERRITORY_FEATURE, zoom=integer(nullable=True))

TERRITORY_DETAIL = detail(
    obj(
        {
            "kind": KIND,
            "kind_label": string(),
            "code": string(),
            "name": string(),
            "population": integer(nullable=True),
            "commune_count": integer(),
            "parents": PARENTS,
            "departements": CODES,
            "communes": CODES,
            "has_outline": boolean(),
            "center": {**LON_LAT, "nullable": True},
            "vintage": string(),
            "source": string(),
        },
        required=["kind", "kind_label", "code", "name", "population", "has_outline", "center"],
    ),
    geometry("Polygon", "MultiPolygon", nullable=True),
    TERRITORY_ID,
    bbox={**BBOX, "nullable": True},
)

TERRITORY_SUMMARY = obj(
    {
        "kind": KIND,
        "kind_label": string(),
        "code": string(),
        "name": string(),
        "population": integer(nullable=True),
        "url": string(format="uri"),
    },
    required=["kind", "kind_label", "code", "name", "population", "url"],
)
NULLABLE_SUMMARY = {**TERRITORY_SUMMARY, "nullable": True}

LOCATION = obj(
    {
        "lon": number(),
        "lat": number(),
        **{kind: NULLABLE_SUMMARY for kind in ("region", "departement", "epci", "bv", "commune")},
        "qpv": array(TERRITORY_SUMMARY),
        "qpv_in_commune": array(TERRITORY_SUMMARY),
    },
    required=[
        "lon",
        "lat",
        "region",
        "departement",
        "epci",
        "bv",
        "commune",
        "qpv",
        "qpv_in_commune",
    ],
)

SEARCH_RESULTS = obj(
    {
        "q": string(),
        "results": array(
            obj(
                {
                    **TERRITORY_SUMMARY["properties"],
                    "label": string(),
                    "departement": string(nullable=True),
                    "center": {**LON_LAT, "nullable": True},
                    "bbox": {**BBOX, "nullable": True},
                },
                required=[*TERRITORY_SUMMARY["required"], "label", "center", "bbox"],
            )
        ),
    },
    required=["q", "results"],
)

__all__ = [
    "LOCATION",
    "SEARCH_RESULTS",
    "TERRITORY_COLLECTION",
    "TERRITORY_DETAIL",
    "TERRITORY_FEATURE",
    "TERRITORY_PROPERTIES",
]
