"""The GeoJSON Feature of a session, built by PostgreSQL (json_build_object) for the API's
collection, the OGC collection and the map: no serializer runs per session.

Its members are public only: the organiser is named when it is listed (else the name the
organiser gave), the visio link is given when the event needs no registration (else only
to the registered, in their confirmation), no e-mail ever."""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Case, F, Func, IntegerField, JSONField, Q, TextField, Value, When
from django.db.models.functions import Cast, Concat, JSONObject

from .models import Attendance, Format, Level


def _labels(field: str, choices) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(label)) for value, label in choices],
        default=Value(""),
        output_field=TextField(),
    )


def session_feature(page_url: str, with_distance: bool = False) -> Cast:
    """Each session row (annotated with `places_taken`) as a Feature's text; `page_url`
    prefixes the event's page (…/agenda/evenements/)."""
    properties = dict(
        id=F("id"),
        event_id=F("event_id"),
        title=F("event__title"),
        starts_at=F("starts_at"),
        ends_at=F("ends_at"),
        cancelled=F("cancelled"),
        format=F("event__format"),
        format_label=_labels("event__format", Format.choices),
        level=F("event__level"),
        level_label=_labels("event__level", Level.choices),
        themes=F("event__themes"),
        publics=F("event__publics"),
        attendance=F("event__attendance"),
        attendance_label=_labels("event__attendance", Attendance.choices),
        place_name=F("event__place_name"),
        address=F("event__address"),
        online_url=Case(
            When(event__registration=False, then=F("event__online_url")),
            default=Value(""),
            output_field=TextField(),
        ),
        accessible=F("event__accessible"),
        organizer=Case(
            When(
                event__organizer__listed=True,
                then=JSONObject(id=F("event__organizer_id"), name=F("event__organizer__name")),
            ),
            default=Value(None, output_field=JSONField()),
        ),
        organizer_name=Case(
            When(event__organizer__listed=True, then=F("event__organizer__name")),
            default=F("event__organizer_name"),
            output_field=TextField(),
        ),
        registration=F("event__registration"),
        capacity=F("event__capacity"),
        places_left=Case(
            When(
                Q(event__capacity__isnull=False),
                then=Func(F("event__capacity") - F("places_taken"), Value(0), function="GREATEST"),
            ),
            default=Value(None),
            output_field=IntegerField(),
        ),
        series=F("event__series"),
        url=Concat(
            Value(page_url), Cast("event_id", TextField()), Value("/"), output_field=TextField()
        ),
    )
    if with_distance:
        properties["distance_m"] = Func(
            F("distance_m"), template="ROUND((%(expressions)s)::numeric, 1)"
        )
    geometry = Func(AsGeoJSON("event__location", precision=6), template="(%(expressions)s)::json")
    return Cast(
        JSONObject(type=Value("Feature"), id=F("id"), geometry=geometry,
                   properties=JSONObject(**properties)),
        TextField(),
    )  # fmt: skip
