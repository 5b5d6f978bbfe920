"""Response schemas of the planning API (coverage, gaps, siting, tours), for the OpenAPI
description."""

from carto.openapi import (
    CODES,
    array,
    boolean,
    feature,
    feature_collection,
    geometry,
    integer,
    number,
    obj,
    string,
)
from carto.territories.api.schemas import TERRITORY_PROPERTIES

COVERAGE_PROPERTIES = obj(
    {
        **TERRITORY_PROPERTIES["properties"],
        "population": integer(nullable=True),
        "actors": integer(minimum=0),
        "initiatives": integer(minimum=0),
        "actors_per_10k": number(nullable=True),
        "reached_population": integer(),
        "loaded_population": integer(),
        "share_within": number(minimum=0, maximum=1),
        "distance_m": number(minimum=0, description="QPV : distance au plus proche acteur."),
        "actors_near": integer(minimum=0),
        "own_outline": boolean(),
        "covered": boolean(),
    },
    required=[*TERRITORY_PROPERTIES["required"], "population", "actors", "initiatives"],
)
COVERAGE_FEATURE = feature(
    COVERAGE_PROPERTIES,
    geometry("Polygon", "MultiPolygon", nullable=True),
    string(pattern=r"^[a-z]+:[0-9A-Za-z]+$"),
)
_COVERAGE_MEMBERS = {
    "level": string(enum=["region", "departement", "bv", "epci", "commune", "qpv"]),
    "max_km": number(),
    "filters": obj({"kind": CODES, "theme": CODES, "public": CODES, "q": string()}),
    "territory": string(nullable=True),
    "programme": CODES,
    "bbox": array(number(), nullable=True),
    "numberReturned": integer(minimum=0),
    "precomputed": boolean(
        description=(
            "Vrai quand la réponse vient de la couverture précalculée (aucun filtre, des types, "
            "un thème ou un public) ; faux : calculée à la demande (texte libre, filtres combinés)."
        )
    ),
    "computed_at": string(
        format="date-time",
        nullable=True,
        description="Dernière mise à jour de la couverture précalculée (null : calcul à la demande).",
    ),
}
COVERAGE = feature_collection(COVERAGE_FEATURE, _COVERAGE_MEMBERS, required=list(_COVERAGE_MEMBERS))
GAPS = feature_collection(
    COVERAGE_FEATURE,
    {**_COVERAGE_MEMBERS, "count": integer(minimum=0), "truncated": boolean()},
    required=[*_COVERAGE_MEMBERS, "count", "truncated"],
)

_TARGET = {"id": string(), "label": string(), "weight": number()}
SITING = obj(
    {
        "method": string(enum=["exact", "greedy"]),
        "level": string(),
        "k": integer(minimum=1),
        "max_km": number(),
        "unit": string(enum=["habitants", "QPV"]),
        "hosts": array(
            obj(
                {
                    "actor": obj(
                        {
                            "id": integer(),
                            "name": string(),
                            "kind": string(),
                            "kind_label": string(),
                            "city": string(),
                            "url": string(),
                        },
                        required=["id", "name", "kind", "kind_label", "url"],
                    ),
                    "lon": number(),
                    "lat": number(),
                    "gain": number(),
                    "covered": array(
                        obj({**_TARGET, "distance_m": number()}, required=[*_TARGET, "distance_m"])
                    ),
                },
                required=["actor", "lon", "lat", "gain", "covered"],
            )
        ),
        "covered_weight": number(),
        "open_weight": number(),
        "total_weight": number(),
        "share": number(minimum=0, maximum=1),
        "upper_bound_optimum": number(),
        "guarantee": number(),
        "worst_case_guarantee": number(),
        "stop_reason": string(),
        "summary": string(),
        "uncovered": array(obj(_TARGET, required=list(_TARGET))),
    },
    required=[
        "method", "level", "k", "max_km", "unit", "hosts", "covered_weight", "open_weight",
        "total_weight", "share", "summary", "uncovered",
    ],
)  # fmt: skip

STOP_ID = {"oneOf": [integer(), string()]}
TOUR = obj(
    {
        "method": string(),
        "router": string(),
        "return_to_start": boolean(),
        "start": obj(
            {"label": string(), "lon": number(), "lat": number()}, required=["lon", "lat"]
        ),
        "date_from": string(format="date"),
        "date_to": string(format="date"),
        "periods": string(enum=["any", "school_holidays", "outside_school_holidays"]),
        "zone": string(nullable=True),
        "order": array(STOP_ID),
        "order_duration_s": integer(),
        "total_distance_m": integer(),
        "total_duration_s": integer(),
        "days": array(string(format="date")),
        "stops": array(
            obj(
                {
                    "order": integer(minimum=1),
                    "id": STOP_ID,
                    "label": string(),
                    "address": string(),
                    "lon": number(),
                    "lat": number(),
                    "date": string(format="date"),
                    "start": string(format="date-time"),
                    "end": string(format="date-time"),
                    "leg_distance_m": integer(),
                    "leg_duration_s": integer(),
                    "notes": array(string()),
                },
                required=["order", "id", "label", "lon", "lat", "date", "start", "end"],
            )
        ),
        "return_leg": obj(
            {"distance_m": integer(), "duration_s": integer()},
            required=["distance_m", "duration_s"],
            nullable=True,
        ),
        "unscheduled": array(
            obj(
                {"id": STOP_ID, "label": string(), "position": integer(), "reason": string()},
                required=["id", "label", "reason"],
            )
        ),
    },
    required=["method", "router", "start", "date_from", "date_to", "order", "stops", "unscheduled"],
)
TOUR_GEOJSON = feature_collection(
    feature(
        obj({"kind": string(enum=["start", "stop", "unscheduled", "route"])}, required=["kind"]),
        geometry("Point", "LineString"),
    ),
    {},
)
