"""Chainable directory queries: what the public sees (`listed`), the directory's filters
as one pipeline (`matching`), and its parts: by taxonomy, in a territory, in a bbox,
near a point (KNN on the geography index), full text (French, accents ignored).

Every public path (API, OGC, pages, exports, coverage, planning, tiles) starts from
`Actor.objects.listed()` or `Initiative.objects.listed()`; `listed` is a generated column
(models.py), so the SQL files read the same definition as `a.listed`."""

import re

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Func, Value
from django.db.models.fields import FloatField

from carto.srid import WGS84

TEXT_SEARCH_CONFIG = "carto_fr"  # french stemming + unaccent (migration actors 0002)


def prefix_tsquery(text: str) -> str | None:
    """`'mediation':* & 'numer':*` from « médiation numér »: every word, as a prefix.
    Only letters and digits reach the query, so no user input can break its syntax."""
    words = re.findall(r"\w+", text.lower())
    return " & ".join(f"'{word}':*" for word in words) or None


class Geography(Func):
    """A WGS84 point as a geography literal (for the geography column's operators)."""

    function = "ST_GeogFromText"

    def __init__(self, point: Point):
        super().__init__(Value(point.ewkt), output_field=FloatField())


class KnnDistance(Func):
    """`geog <-> point`: the KNN operator, which an ORDER BY … LIMIT serves from the GiST index."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


class Distance(Func):
    """ST_Distance on geography, in metres on the sphere: the measure of the KNN
    operator `<->` on geography, so that a list ordered by one reads ordered by the other."""

    function = "ST_Distance"
    template = "%(function)s(%(expressions)s, false)"
    output_field = FloatField()


class DirectoryQuerySet(models.QuerySet):
    def listed(self):
        """What the public may see: published, not a duplicate (actors), and later not
        pending or withdrawn: the model's `listed` column says it, once."""
        return self.filter(listed=True)

    def matching(self, params: dict):
        """The directory's filters, as the API names them (validated by
        actors.api.params.DirectoryParams): q, kind, theme, public, territory, bbox, and
        near (with radius_km), which orders by distance (KNN) and annotates distance_m."""
        queryset = self
        if params.get("q"):
            queryset = queryset.text_search(params["q"])
        queryset = queryset.of_kinds(params.get("kind", []))
        queryset = queryset.with_any_theme(params.get("theme", []))
        queryset = queryset.with_any_public(params.get("public", []))
        if params.get("territory"):
            queryset = queryset.in_territory(*params["territory"])
        if params.get("bbox"):
            queryset = queryset.in_bbox(params["bbox"])
        if params.get("near"):
            queryset = queryset.near(*params["near"], radius_km=params.get("radius_km"))
        return queryset

    def with_any_theme(self, themes):
        return self.filter(themes__overlap=list(themes)) if themes else self

    def with_any_public(self, publics):
        return self.filter(publics__overlap=list(publics)) if publics else self

    def in_territory(self, kind: str, code: str):
        return self.filter(territory_codes__contains=[f"{kind}:{code}"])

    def text_search(self, text: str):
        """Matches of every word (as a prefix), best ranked first (name before description)."""
        query = prefix_tsquery(text)
        if not query:
            return self
        search_query = SearchQuery(query, search_type="raw", config=TEXT_SEARCH_CONFIG)
        return (
            self.filter(search=search_query)
            .annotate(rank=SearchRank(F("search"), search_query))
            .order_by("-rank", *self.model._meta.ordering)
        )


class ActorQuerySet(DirectoryQuerySet):
    def in_directory(self):
        """Without the host places (town halls, `host_only`): the siting may propose them,
        a visitor sees them when they ask for their kind, nothing else counts them."""
        return self.filter(host_only=False)

    def matching(self, params: dict):
        """The directory's filters; with no `kind` asked for, host places are left out."""
        queryset = super().matching(params)
        return queryset if params.get("kind") else queryset.in_directory()

    def of_kinds(self, kinds):
        return self.filter(kind__in=list(kinds)) if kinds else self

    def in_bbox(self, bbox):
        box = Polygon.from_bbox(bbox)
        box.srid = WGS84
        return self.filter(location__intersects=box)

    def near(self, lon: float, lat: float, radius_km: float | None = None):
        """Ordered nearest first by the KNN operator `<->` on the geography GiST index
        (never a sort of the whole table), with `distance_m` in metres.

        `<->` on geography measures on the sphere (PostGIS' mean radius); `distance_m` is
        measured on the same sphere, not the spheroid, so that the order and the distances
        shown agree (the two differ by up to 0.5 %: on the spheroid, two places 11.5 km
        away could be listed 11 526 m, then 11 505 m)."""
        point = Point(lon, lat, srid=WGS84)
        queryset = self.filter(geog__isnull=False)
        if radius_km is not None:
            queryset = queryset.filter(geog__dwithin=(point, radius_km * 1000))
        # Order by the KNN distance alone: a tie-breaker (e.g. id) would make PostgreSQL
        # sort the whole table instead of walking the index (see the EXPLAIN test).
        return queryset.annotate(
            knn=KnnDistance("geog", Geography(point)),
            distance_m=Distance("geog", Geography(point)),
        ).order_by("knn")


class InitiativeQuerySet(DirectoryQuerySet):
    def matching(self, params: dict):
        """The directory's filters, and `programme`: sites of these State programmes."""
        return super().matching(params).of_programmes(params.get("programme", []))

    def of_programmes(self, programmes):
        return self.filter(programme__in=list(programmes)) if programmes else self

    def in_bbox(self, bbox):
        box = Polygon.from_bbox(bbox)
        box.srid = WGS84
        return self.filter(models.Q(footprint__intersects=box) | models.Q(location__intersects=box))

    def of_kinds(self, kinds):
        """Initiatives whose organiser is of one of these kinds."""
        return self.filter(organizer__kind__in=list(kinds)) if kinds else self

    def near(self, lon: float, lat: float, radius_km: float | None = None):
        point = Point(lon, lat, srid=WGS84)
        queryset = self.filter(location__isnull=False)
        if radius_km is not None:
            queryset = queryset.filter(location__dwithin=(point, _degrees_bound(radius_km, lat)))
        # Ordered by the distance itself (metres on the sphere): initiatives are a few
        # thousand, and the planar `<->` on degrees would misorder them (a degree of
        # longitude is 0.64 of a degree of latitude in the north of France).
        queryset = queryset.annotate(
            distance_m=Distance(
                Func(
                    "location", template="(%(expressions)s)::geography", output_field=FloatField()
                ),
                Geography(point),
            ),
        )
        if radius_km is not None:
            queryset = queryset.filter(distance_m__lte=radius_km * 1000)
        return queryset.order_by("distance_m", "id")


def _degrees_bound(radius_km: float, lat: float) -> float:
    """A degree distance that surely holds `radius_km` around latitude `lat` (index prefilter)."""
    import math

    return radius_km / (111.32 * max(math.cos(math.radians(min(abs(lat) + 1, 89))), 0.01))
