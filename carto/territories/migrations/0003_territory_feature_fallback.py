"""carto_territory_feature() gains `commune_fallback`: a QPV without outline drawn as its communes."""

from django.db import migrations

from carto.territories.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("territories", "0002_territory_feature_sql")]

    operations = [
        migrations.RunSQL(
            read_sql("territory_feature.sql"),
            reverse_sql="DROP FUNCTION IF EXISTS carto_territory_feature(territories_territory, double precision, integer, boolean);",
        )
    ]
