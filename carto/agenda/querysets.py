"""Chainable agenda queries: what the public sees (`listed`), and the filters of the API
and the pages as one pipeline over sessions (`OccurrenceQuerySet.matching`).

Sessions are filtered by an indexed time range (`between`), never by expanding rules per
request; their place is their event's (a point, or none for an online event)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.search import SearchQuery
from django.db.models import Func, OuterRef, Q, Subquery
from django.db.models.fields import FloatField
from django.db.models.functions import Coalesce

from carto.actors.querysets import (
    TEXT_SEARCH_CONFIG,
    Distance,
    Geography,
    _degrees_bound,
    prefix_tsquery,
)
from carto.calendar import PARIS, periods
from carto.srid import WGS84

DEFAULT_RADIUS_KM = 30


def as_geography(field: str) -> Func:
    """`field::geography`: a point column measured on the sphere (ST_Distance in metres)."""
    return Func(field, template="(%(expressions)s)::geography", output_field=FloatField())


class EventQuerySet(models.QuerySet):
    def listed(self):
        """What the public may see (the generated `listed` column, as for the directory)."""
        return self.filter(listed=True)


class OccurrenceQuerySet(models.QuerySet):
    def listed(self):
        """Sessions of listed events (a cancelled one is still shown, marked cancelled)."""
        return self.filter(event__listed=True)

    def between(self, start: datetime, end: datetime):
        """Sessions that overlap [start, end)."""
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def matching(self, params: dict):
        """The agenda's filters, as the API names them (agenda.api.params.EventParams)."""
        queryset = self.between(params["start"], params["end"])
        if params.get("q"):
            queryset = queryset.text_search(params["q"])
        for name, lookup in (("theme", "themes__overlap"), ("public", "publics__overlap")):
            if params.get(name):
                queryset = queryset.filter(**{f"event__{lookup}": params[name]})
        if params.get("format"):
            queryset = queryset.filter(event__format__in=params["format"])
        if params.get("level"):
            queryset = queryset.filter(event__level__in=params["level"])
        if params.get("attendance"):
            queryset = queryset.attending(params["attendance"])
        if params.get("accessible"):
            queryset = queryset.filter(event__accessible=True)
        if params.get("organizer"):
            queryset = queryset.filter(event__organizer_id=params["organizer"])
        if params.get("event"):
            queryset = queryset.filter(event_id=params["event"])
        if params.get("territory"):
            kind, code = params["territory"]
            queryset = queryset.filter(event__territory_codes__contains=[f"{kind}:{code}"])
        if params.get("bbox"):
            queryset = queryset.in_bbox(params["bbox"])
        if params.get("holidays"):
            queryset = queryset.during_school_holidays(
                params["holidays"], params["start"], params["end"]
            )
        if params.get("near"):
            queryset = queryset.near(*params["near"], params.get("radius_km") or DEFAULT_RADIUS_KM)
        return queryset.order_by("starts_at", "id")

    def in_bbox(self, bbox):
        box = Polygon.from_bbox(bbox)
        box.srid = WGS84
        return self.filter(event__location__intersects=box)

    def attending(self, mode: str):
        """`sur-place`: on site (hybrid included); `en-ligne`: online (hybrid included)."""
        both = "hybride"
        return self.filter(event__attendance__in=[mode, both] if mode != both else [both])

    def text_search(self, text: str):
        query = prefix_tsquery(text)
        if not query:
            return self
        return self.filter(
            event__search=SearchQuery(query, search_type="raw", config=TEXT_SEARCH_CONFIG)
        )

    def during_school_holidays(self, zone: str, start: datetime, end: datetime):
        """Sessions that start on a day of the zone's school holidays."""
        condition = Q(pk__in=[])
        for period in periods(zone, start.astimezone(PARIS).date(), end.astimezone(PARIS).date()):
            condition |= Q(
                starts_at__gte=datetime.combine(period.start, time(), PARIS),
                starts_at__lt=datetime.combine(period.end, time(), PARIS),
            )
        return self.filter(condition)

    def near(self, lon: float, lat: float, radius_km: float):
        """Sessions within `radius_km` of a point (their event's place), with `distance_m`
        measured on the sphere; the index prefilters in degrees."""
        point = Point(lon, lat, srid=WGS84)
        distance = Distance(as_geography("event__location"), Geography(point))
        return (
            self.filter(event__location__dwithin=(point, _degrees_bound(radius_km, lat)))
            .annotate(distance_m=distance)
            .filter(distance_m__lte=radius_km * 1000)
        )

    def with_places_taken(self):
        """`places_taken`: confirmed registrations of each session."""
        from .models import Registration

        taken = (
            Registration.objects.filter(occurrence=OuterRef("pk"), state="confirmed")
            .order_by()
            .values("occurrence")
            .annotate(n=Func("id", function="COUNT"))
            .values("n")
        )
        return self.annotate(places_taken=Coalesce(Subquery(taken), 0))
