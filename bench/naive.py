"""The naive GeoDjango way, served for the benchmark only (bench/naive_urls.py): what
carto's actors API would cost written with the idioms STYLE.md's « Avoid » lists.

- `near=lon,lat`: `annotate(distance_m=Distance("geog", point)).order_by("distance_m")`,
  which computes the distance of every row and sorts the table (the KNN index unused);
- `bbox=`: `location__intersects` on the bbox polygon (the GiST index serves it: the
  naive part is the serialisation below);
- `territory=kind:code`: the territory's whole outline fetched, then
  `location__within=outline`, i.e. ST_Within (ST_Contains) against the unsubdivided
  polygon, instead of the territory codes stored on each actor at write time;
- every feature serialised in Python by drf-gis' `GeoFeatureModelSerializer`, paged by
  its `GeoJsonPagination` (a COUNT, then the page), instead of GeoJSON built by PostGIS.

Same middleware, settings and gunicorn as carto's API: only the view differs, so the
ratio measured through HTTP is the cost of these idioms. Parameters are parsed just
enough for the benchmark's own requests (a bad one is a 400, never a guess).
"""

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from carto.actors.models import Actor
from carto.srid import WGS84
from carto.territories.models import Territory

MAX_PAGE_SIZE = 5000


class NaiveActorSerializer(GeoFeatureModelSerializer):
    """The actor fields a list shows, every one read and converted in Python."""

    kind = serializers.CharField(source="kind_id")
    distance_m = serializers.SerializerMethodField()

    class Meta:
        model = Actor
        geo_field = "location"
        fields = (
            "id", "name", "kind", "themes", "publics", "address", "postcode", "city",
            "precision", "itinerant", "website", "distance_m",
        )  # fmt: skip

    def get_distance_m(self, actor):
        distance = getattr(actor, "distance_m", None)
        return None if distance is None else round(distance.m, 1)


class NaivePagination(GeoJsonPagination):
    page_size = 100
    max_page_size = MAX_PAGE_SIZE


def _floats(name: str, value: str, count: int) -> list[float]:
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != count:
        raise ValidationError({name: f"{count} nombres séparés par des virgules attendus"})
    return numbers


class NaiveActorList(ListAPIView):
    serializer_class = NaiveActorSerializer
    pagination_class = NaivePagination

    def get_queryset(self):
        params = self.request.query_params
        queryset = Actor.objects.filter(listed=True, host_only=False)
        if "territory" in params:
            kind, _, code = params["territory"].partition(":")
            territory = Territory.objects.filter(kind=kind, code=code).first()
            if territory is None or territory.geom is None:
                raise ValidationError({"territory": "territoire inconnu"})
            queryset = queryset.filter(location__within=territory.geom)
        if "bbox" in params:
            box = Polygon.from_bbox(_floats("bbox", params["bbox"], 4))
            box.srid = WGS84
            queryset = queryset.filter(location__intersects=box)
        if "near" in params:
            lon, lat = _floats("near", params["near"], 2)
            point = Point(lon, lat, srid=WGS84)
            queryset = queryset.annotate(distance_m=Distance("geog", point)).order_by("distance_m")
        return queryset
