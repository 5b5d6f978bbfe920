"""Chainable territory queries: by kind, in a bbox, containing a point, by name."""

import math

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Case, F, IntegerField, Q, Value, When

from carto.srid import WGS84

from .codes import SEARCH_KIND_ORDER, search_key


def zoom_tolerance(zoom: int | None) -> tuple[float, int]:
    """Simplification tolerance (degrees) and coordinate decimals for a web-map zoom level.

    One screen pixel at zoom z spans 360 / (256 * 2**z) degrees of longitude;
    simplifying to that size loses nothing visible. Decimals keep a tenth of a pixel.
    Without a zoom: the stored geometry, with 6 decimals (about 10 cm).
    """
    if zoom is None:
        return 0.0, 6
    pixel = 360.0 / (256 * 2**zoom)
    digits = min(6, max(1, math.ceil(-math.log10(pixel / 10))))
    return pixel, digits


class TerritoryQuerySet(models.QuerySet):
    def of_kind(self, *kinds: str):
        return self.filter(kind__in=kinds) if kinds else self

    def in_bbox(self, bbox: tuple[float, float, float, float], without_outline: bool = False):
        """Territories whose outline meets the box (index-assisted &&, then exact test);
        with `without_outline`, also those without outline whose anchor is in the box."""
        box = Polygon.from_bbox(bbox)
        box.srid = WGS84
        if without_outline:
            return self.filter(
                Q(geom__intersects=box) | Q(geom__isnull=True, anchor__intersects=box)
            )
        return self.filter(geom__intersects=box)

    def containing(self, lon: float, lat: float):
        """Territories whose outline contains the point, through the subdivided parts."""
        from .models import TerritoryPart

        point = Point(lon, lat, srid=WGS84)
        parts = TerritoryPart.objects.containing(point).values("territory_id")
        return self.filter(id__in=parts)

    def in_departements(self, codes):
        """Territories in or touching these départements."""
        codes = list(codes)
        return self.filter(Q(departement_code__in=codes) | Q(departement_codes__overlap=codes))

    def search(self, text: str):
        """Autocomplete ranking: exact code, exact name, name prefix, word prefix, then
        trigram similarity; ties broken by kind (coarse first) and population."""
        key = search_key(text)
        code = text.strip().upper()
        if not key and not code:
            return self.none()
        kind_rank = Case(
            *[When(kind=kind, then=Value(i)) for i, kind in enumerate(SEARCH_KIND_ORDER)],
            output_field=IntegerField(),
        )
        match_rank = Case(
            When(code=code, then=Value(0)),
            When(name_search=key, then=Value(1)),
            When(name_search__startswith=key, then=Value(2)),
            When(name_search__contains=f" {key}", then=Value(3)),
            When(code__startswith=code, then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        )
        matches = Q(code__startswith=code) if code else Q()
        if key:
            matches |= Q(name_search__startswith=key) | Q(name_search__contains=f" {key}")
        if len(key) >= 3:
            matches |= Q(name_search__trigram_word_similar=key)
        return (
            self.filter(matches)
            .annotate(match_rank=match_rank, kind_rank=kind_rank)
            .order_by("match_rank", "kind_rank", F("population").desc(nulls_last=True), "name")
        )


class TerritoryPartQuerySet(models.QuerySet):
    def containing(self, point: Point):
        return self.filter(geom__intersects=point)
