"""Response schemas of the directory API (what sql/features.sql, pages.sql and the
serializers build), for the OpenAPI description.

A page of a directory collection (pages.py) has the members of `carto.openapi.PAGING`
plus `count_exact`; `count` is exact only when `count_exact` is true (a lower bound
otherwise), `page_size` is the size served (at most 5 000). An actor of a collection is a
full Feature, or with `properties` a light one: only the chosen members."""

from carto.openapi import (
    CODES,
    LON_LAT,
    POINT,
    array,
    boolean,
    detail,
    feature,
    feature_collection,
    geometry,
    integer,
    number,
    obj,
    string,
)
from carto.openapi import PAGING as BASE_PAGING

from ..models import Precision

LINK = obj({"id": integer(), "name": string(), "url": string()}, required=["id", "name", "url"])
TERM = obj({"slug": string(), "label": string()}, required=["slug", "label"])
PRECISION = string(enum=list(Precision.values))

# The properties built by carto_actor_feature (nulls and empty values stripped).
ACTOR_PROPERTIES = obj(
    {
        "id": integer(),
        "name": string(),
        "kind": string(),
        "kind_label": string(),
        "themes": CODES,
        "publics": CODES,
        "labels": CODES,
        "address": string(),
        "postcode": string(),
        "city": string(),
        "precision": PRECISION,
        "to_locate": boolean(),
        "itinerant": boolean(),
        "opening_hours": string(),
        "appointment": boolean(),
        "email": string(),
        "phone": string(),
        "website": string(),
        "network": string(),
        "parent_id": integer(),
        "commune": string(),
        "epci": string(),
        "bv": string(),
        "departement": string(),
        "region": string(),
        "qpv": CODES,
        "qpv_near": CODES,
        "source": string(),
        "last_verified": string(format="date"),
        "distance_m": number(description="Avec `near` : distance au point, en mètres."),
        "url": string(),
    },
    required=["id", "name", "kind", "kind_label", "themes", "publics", "precision", "url"],
)
ACTOR_FEATURE = feature(ACTOR_PROPERTIES, POINT, integer())
# With `properties`: only the members asked for (each as in the full Feature), and the id.
ACTOR_LIGHT_FEATURE = feature(
    obj(ACTOR_PROPERTIES["properties"], additionalProperties=False), POINT, integer()
)
ACTOR_LIGHT_FEATURE["required"].append("id")

PAGING = {
    **BASE_PAGING,
    "count": integer(
        minimum=0,
        description=(
            "Nombre de résultats : exact si `count_exact`, sinon un minimum (compté jusqu'à "
            "10 000 ; non compté autour d'un point sans rayon)."
        ),
    ),
    "count_exact": boolean(),
    "numberReturned": integer(minimum=0, maximum=5000),
    "page": integer(
        minimum=1, description="Numéro de la page (pour une page atteinte par `cursor` aussi)."
    ),
    "page_size": integer(minimum=1, maximum=5000, description="Taille servie (au plus 5 000)."),
    "truncated": boolean(description="D'autres résultats suivent (voir `next`)."),
    "next": string(
        nullable=True, format="uri", description="La page suivante (paramètre `cursor`)."
    ),
    "previous": string(
        nullable=True, format="uri", description="La page précédente (avec `page` seulement)."
    ),
}


def directory_collection(feature_schema: dict) -> dict:
    """A page of a directory collection, as pages.py and DirectoryListView build it."""
    return feature_collection(feature_schema, PAGING, required=list(PAGING))


ACTOR_COLLECTION = directory_collection({"anyOf": [ACTOR_FEATURE, ACTOR_LIGHT_FEATURE]})

ACTOR_DETAIL_REQUIRED = [
    "name", "kind", "kind_label", "themes", "publics", "precision", "precision_label",
    "to_locate", "opening_hours", "opening_hours_text", "open_now", "itinerant",
    "parent", "antennas", "initiatives", "duplicate_of", "territories", "source",
    "services", "access_conditions", "amenities", "funded_posts", "sources", "contact",
]  # fmt: skip
# The contact person, published only with their consent (null otherwise).
CONTACT = obj(
    {"name": string(nullable=True), "email": string(nullable=True), "phone": string(nullable=True)},
    required=["name", "email", "phone"],
    nullable=True,
    description="Personne contact : seulement si elle a accepté la publication, null sinon.",
)
ACTOR_DETAIL = detail(
    obj(
        {
            "name": string(),
            "kind": string(),
            "kind_label": string(),
            "themes": array(TERM),
            "publics": array(TERM),
            "labels": CODES,
            "description": string(),
            "siret": string(),
            "rna": string(),
            "network": string(),
            "address": string(),
            "address_extra": string(),
            "postcode": string(),
            "city": string(),
            "precision": PRECISION,
            "precision_label": string(),
            "to_locate": boolean(),
            "service_area_codes": CODES,
            "opening_hours": string(),
            "opening_hours_text": array(string(), nullable=True),
            "open_now": boolean(nullable=True),
            "appointment": boolean(),
            "itinerant": boolean(),
            "email": string(),
            "phone": string(),
            "website": string(),
            "contact": CONTACT,
            "services": CODES,
            "access_conditions": CODES,
            "amenities": array(TERM),
            "funded_posts": array(
                obj(
                    {**TERM["properties"], "count": integer(minimum=1)},
                    required=["slug", "label", "count"],
                )
            ),
            "sources": array(
                obj(
                    {"source": string(), "source_id": string(), "url": string()},
                    required=["source", "source_id"],
                )
            ),
            "parent": {**LINK, "nullable": True},
            "antennas": array(LINK),
            "initiatives": array(
                obj(
                    {"id": integer(), "title": string(), "url": string()},
                    required=["id", "title", "url"],
                )
            ),
            "duplicate_of": {**LINK, "nullable": True},
            "territories": obj(
                {
                    "commune": string(nullable=True),
                    "epci": string(nullable=True),
                    "bv": string(nullable=True),
                    "departement": string(nullable=True),
                    "region": string(nullable=True),
                    "qpv": CODES,
                    "qpv_near": CODES,
                },
                required=["commune", "epci", "bv", "departement", "region", "qpv", "qpv_near"],
            ),
            "source": string(),
            "source_id": string(),
            "source_url": string(),
            "last_verified": string(nullable=True, format="date"),
            "updated_at": string(format="date-time"),
        },
        required=ACTOR_DETAIL_REQUIRED,
    ),
    POINT,
    integer(),
)

# The properties built by carto_initiative_feature.
INITIATIVE_PROPERTIES = obj(
    {
        "id": integer(),
        "title": string(),
        "summary": string(),
        "action_status": string(),
        "dimension": string(),
        "themes": CODES,
        "publics": CODES,
        "keywords": CODES,
        "organizer": LINK,
        "territory_scope": string(),
        "footprint": CODES,
        "period": string(),
        "link": string(),
        "source": string(),
        "distance_m": number(),
        "url": string(),
    },
    required=["id", "title", "themes", "publics", "source", "url"],
)
INITIATIVE_GEOMETRY = geometry("Point", "Polygon", "MultiPolygon", nullable=True)
INITIATIVE_FEATURE = feature(INITIATIVE_PROPERTIES, INITIATIVE_GEOMETRY, integer())
INITIATIVE_COLLECTION = directory_collection(INITIATIVE_FEATURE)

_TEXT_FIELDS = [
    "title", "action_status", "end_reason", "dimension", "summary", "programme",
    "initiative_precision", "context", "territory_scope", "description", "resources", "people",
    "results_territory", "results_centre", "results_inhabitants", "limits", "perspectives",
    "period", "url", "source", "source_id", "source_url",
]  # fmt: skip
_LIST_FIELDS = ["partners", "initiators"]
INITIATIVE_DETAIL = detail(
    obj(
        {
            **{name: string() for name in _TEXT_FIELDS},
            "keywords": CODES,
            **{name: array(string()) for name in _LIST_FIELDS},
            "themes": array(TERM),
            "publics": array(TERM),
            "organizer": {**LINK, "nullable": True},
            "partner_actors": array(LINK),
            "footprint_codes": CODES,
            "territory_codes": CODES,
            "updated_at": string(format="date-time"),
        },
        required=[*_TEXT_FIELDS, *_LIST_FIELDS, "themes", "publics", "organizer", "partner_actors"],
    ),
    INITIATIVE_GEOMETRY,
    integer(),
)

_COUNTED_TERM = {"slug": string(), "label": string(), "actors": integer(minimum=0)}
TAXONOMY = obj(
    {
        "kinds": array(
            obj(
                {**_COUNTED_TERM, "typology": string(nullable=True)},
                required=["slug", "label", "actors"],
            )
        ),
        "themes": array(
            obj(
                {**_COUNTED_TERM, "initiatives": integer(minimum=0)},
                required=["slug", "label", "actors", "initiatives"],
            )
        ),
        "publics": array(
            obj(
                {**_COUNTED_TERM, "initiatives": integer(minimum=0)},
                required=["slug", "label", "actors", "initiatives"],
            )
        ),
        "totals": obj(
            {"actors": integer(minimum=0), "initiatives": integer(minimum=0)},
            required=["actors", "initiatives"],
        ),
    },
    required=["kinds", "themes", "publics", "totals"],
)

GEOCODE = obj(
    {
        "q": string(),
        "available": boolean(),
        "results": array(
            obj(
                {
                    "label": string(),
                    "center": LON_LAT,
                    "precision": string(),
                    "citycode": string(nullable=True),
                },
                required=["label", "center", "precision"],
            )
        ),
    },
    required=["q", "available", "results"],
)

__all__ = [
    "ACTOR_COLLECTION",
    "ACTOR_DETAIL",
    "GEOCODE",
    "INITIATIVE_COLLECTION",
    "INITIATIVE_DETAIL",
    "TAXONOMY",
]
