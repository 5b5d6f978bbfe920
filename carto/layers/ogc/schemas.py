"""Response schemas of OGC API Features (Part 1: Core, GeoJSON), for the OpenAPI description."""

from carto.actors.api.schemas import ACTOR_PROPERTIES, INITIATIVE_PROPERTIES
from carto.openapi import BBOX, array, detail, feature_collection, geometry, integer, obj, string
from carto.territories.api.schemas import TERRITORY_PROPERTIES

LINK = obj(
    {"href": string(format="uri"), "rel": string(), "type": string(), "title": string()},
    required=["href", "rel"],
)
LINKS = array(LINK)

LANDING = obj(
    {"title": string(), "description": string(), "links": LINKS}, required=["title", "links"]
)
CONFORMANCE = obj({"conformsTo": array(string(format="uri"))}, required=["conformsTo"])
COLLECTION = obj(
    {
        "id": string(),
        "title": string(),
        "description": string(),
        "itemType": string(enum=["feature"]),
        "crs": array(string(format="uri")),
        "links": LINKS,
        "extent": obj({"spatial": obj({"bbox": array(BBOX), "crs": string()}, required=["bbox"])}),
    },
    required=["id", "title", "links"],
)
COLLECTIONS = obj(
    {"links": LINKS, "collections": array(COLLECTION)}, required=["links", "collections"]
)

# An item is an actor, an initiative or a territory, by collection.
ITEM_ID = {"oneOf": [integer(), string()]}
ITEM_PROPERTIES = {"anyOf": [ACTOR_PROPERTIES, INITIATIVE_PROPERTIES, TERRITORY_PROPERTIES]}
ITEM = detail(ITEM_PROPERTIES, geometry(nullable=True), ITEM_ID, links=LINKS)
# numberMatched: only when known exactly (counted up to a bound, or the last page).
ITEMS = feature_collection(
    ITEM,
    {
        "numberMatched": integer(minimum=0),
        "numberReturned": integer(minimum=0, maximum=5000),
        "timeStamp": string(format="date-time"),
        "links": LINKS,
    },
    required=["numberReturned", "timeStamp", "links"],
)
