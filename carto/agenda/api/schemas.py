"""Response schemas of the agenda API (what functions.session_feature and the detail
build), for the OpenAPI description and the schema checks schemathesis runs."""

from carto.openapi import (
    CODES,
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

from ..models import Attendance, Format, Level

ORGANIZER = obj({"id": integer(), "name": string()}, required=["id", "name"], nullable=True)
FORMAT = string(enum=list(Format.values))
LEVEL = string(enum=["", *Level.values])
ATTENDANCE = string(enum=list(Attendance.values))

SESSION_PROPERTIES = obj(
    {
        "id": integer(),
        "event_id": integer(),
        "title": string(),
        "starts_at": string(format="date-time"),
        "ends_at": string(format="date-time"),
        "cancelled": boolean(),
        "format": FORMAT,
        "format_label": string(),
        "level": LEVEL,
        "level_label": string(),
        "themes": CODES,
        "publics": CODES,
        "attendance": ATTENDANCE,
        "attendance_label": string(),
        "place_name": string(),
        "address": string(),
        "online_url": string(),
        "accessible": boolean(),
        "organizer": ORGANIZER,
        "organizer_name": string(),
        "registration": boolean(),
        "capacity": integer(nullable=True),
        "places_left": integer(nullable=True),
        "series": string(),
        "url": string(),
        "distance_m": number(),
    },
    required=["id", "event_id", "title", "starts_at", "ends_at", "format", "attendance", "url"],
)
SESSION = feature(SESSION_PROPERTIES, geometry("Point", nullable=True), id_schema=integer())
SESSION_COLLECTION = paged_collection(
    SESSION,
    period=obj(
        {"from": string(format="date-time"), "to": string(format="date-time")},
        required=["from", "to"],
    ),
)

SESSION_SUMMARY = obj(
    {
        "id": integer(),
        "starts_at": string(format="date-time"),
        "ends_at": string(format="date-time"),
        "cancelled": boolean(),
        "places_left": integer(nullable=True),
    },
    required=["id", "starts_at", "ends_at", "cancelled", "places_left"],
)
EVENT_DETAIL = detail(
    obj(
        {
            "id": integer(),
            "title": string(),
            "description": string(),
            "format": FORMAT,
            "level": LEVEL,
            "themes": CODES,
            "publics": CODES,
            "attendance": ATTENDANCE,
            "recurrence": string(),
            "place_name": string(),
            "address": string(),
            "online_url": string(),
            "accessible": boolean(),
            "organizer": ORGANIZER,
            "organizer_name": string(),
            "registration": boolean(),
            "capacity": integer(nullable=True),
            "territory_codes": CODES,
            "initiatives": array(obj({"id": integer(), "title": string()})),
            "sessions": array(SESSION_SUMMARY),
            "url": string(),
            "calendar_url": string(),
        },
        required=["id", "title", "format", "attendance", "sessions", "url"],
    ),
    geometry("Point", nullable=True),
    integer(),
)
