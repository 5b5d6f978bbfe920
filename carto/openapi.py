"""The OpenAPI description of what carto answers: building blocks for the response
schemas (GeoJSON geometries, Features, FeatureCollections, errors), and a hook that
documents the answers every operation can give.

Design choice: collections are GeoJSON built by PostGIS, so no serializer describes
them; their schemas are written here and beside each app's API (`api/schemas.py`),
precisely enough (required members, types) that a response of the wrong shape fails
the schema check that schemathesis runs in the test suite. OpenAPI 3.0: `nullable`.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse

from carto.api import GEOJSON as GEOJSON  # re-exported: one definition of the type

JSON = "application/json"
CSV = "text/csv"


class AutoSchema(SpectacularAutoSchema):
    """Descriptions come from `extend_schema(description=…)`, in French, never from the
    views' docstrings, which are written for developers."""

    def get_description(self):
        return ""


# -- JSON Schema shorthands ---------------------------------------------------------------


def string(nullable: bool = False, **extra) -> dict:
    return {"type": "string", **({"nullable": True} if nullable else {}), **extra}


def integer(nullable: bool = False, **extra) -> dict:
    return {"type": "integer", **({"nullable": True} if nullable else {}), **extra}


def number(nullable: bool = False, **extra) -> dict:
    return {"type": "number", **({"nullable": True} if nullable else {}), **extra}


def boolean(nullable: bool = False, **extra) -> dict:
    return {"type": "boolean", **({"nullable": True} if nullable else {}), **extra}


def array(items: dict, nullable: bool = False, **extra) -> dict:
    return {"type": "array", "items": items, **({"nullable": True} if nullable else {}), **extra}


def obj(properties: dict, required=(), nullable: bool = False, **extra) -> dict:
    """An object whose `required` members must be there; others may be left out."""
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    if nullable:
        schema["nullable"] = True
    return schema


def all_required(properties: dict, **extra) -> dict:
    return obj(properties, required=properties, **extra)


LON_LAT = array(number(), minItems=2, maxItems=2)
BBOX = array(number(), minItems=4, maxItems=4)
CODES = array(string())


# -- GeoJSON (RFC 7946) -------------------------------------------------------------------


def geometry(*types: str, nullable: bool = False) -> dict:
    """A GeoJSON geometry of one of `types` (all of them when none is named)."""
    kinds = list(types) or [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
    ]
    return obj(
        {"type": string(enum=kinds), "coordinates": array({})},
        required=["type", "coordinates"],
        nullable=nullable,
    )


POINT = geometry("Point")
AREA = geometry("Polygon", "MultiPolygon")


def feature(
    properties: dict, geometry_schema: dict, id_schema: dict | None = None, **members
) -> dict:
    """A Feature; with `id_schema`, its `id` is required too (a detail names its thing)."""
    schema = obj(
        {
            "type": string(enum=["Feature"]),
            "geometry": geometry_schema,
            "properties": properties,
            **members,
        },
        required=["type", "geometry", "properties"],
    )
    if id_schema is not None:
        schema["properties"]["id"] = id_schema
    return schema


def detail(properties: dict, geometry_schema: dict, id_schema: dict, **members) -> dict:
    """The Feature of one thing: its id is required."""
    schema = feature(properties, geometry_schema, id_schema, **members)
    schema["required"].append("id")
    return schema


def feature_collection(feature_schema: dict, members: dict, required=()) -> dict:
    return obj(
        {"type": string(enum=["FeatureCollection"]), "features": array(feature_schema), **members},
        required=["type", "features", *required],
    )


PAGING = {
    "count": integer(description="Nombre total de résultats correspondants."),
    "numberReturned": integer(),
    "page": integer(minimum=1),
    "page_size": integer(minimum=1),
    "truncated": boolean(),
    "next": string(nullable=True, format="uri"),
    "previous": string(nullable=True, format="uri"),
}


def paged_collection(feature_schema: dict, **members) -> dict:
    """A page of a collection built by `carto.api.paged_feature_collection`."""
    return feature_collection(feature_schema, {**PAGING, **members}, required=list(PAGING))


# -- responses ----------------------------------------------------------------------------

ERROR = obj(
    {
        "detail": string(description="Une phrase en français qui nomme ce qui ne va pas."),
        "parameters": obj(
            {},
            additionalProperties=array(string()),
            description="Les messages par paramètre, pour une requête invalide.",
        ),
    },
    required=["detail"],
)

ERROR_DESCRIPTIONS = {
    400: "Requête invalide : le message nomme le paramètre en cause.",
    404: "Ressource ou page inconnue.",
    405: "Méthode non permise sur cette adresse.",
    413: "Corps de requête trop grand.",
    414: "Adresse trop longue.",
    415: "Type de contenu non accepté : application/json seulement.",
    502: "Service externe (géocodeur) en erreur.",
    503: "Base de données ou service de calcul indisponible, ou temps de calcul dépassé.",
}


def error(status: int) -> OpenApiResponse:
    return OpenApiResponse(response=ERROR, description=ERROR_DESCRIPTIONS[status])


def errors(*statuses: int) -> dict:
    """`responses` entries for these error statuses, in the API's JSON error format."""
    return {(status, JSON): error(status) for status in statuses}


def csv_document(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=string(), description=description)


# Every request can meet these answers before its view runs (carto/middleware.py) or when
# the database gives up (carto/errors.py); Django and DRF answer 405 to other methods.
COMMON_STATUSES = (400, 405, 413, 414, 503)
POST_STATUSES = (415,)


def add_common_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: document the common error answers."""
    error_schema = {"$ref": "#/components/schemas/Error"}
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = COMMON_STATUSES + (POST_STATUSES if method == "post" else ())
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(
                    str(status),
                    {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {JSON: {"schema": error_schema}},
                    },
                )
    return result
