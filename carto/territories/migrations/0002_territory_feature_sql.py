"""Installs carto_territory_feature(): territory rows as GeoJSON Features, built by PostGIS."""

from django.db import migrations

from carto.territories.sql import read_sql

# The file is CREATE OR REPLACE: a later change of it comes with a new migration
# that runs it again, and replaying history ends in the same state.
FEATURE_SQL = read_sql("territory_feature.sql")


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]

    operations = [
        migrations.RunSQL(
            FEATURE_SQL,
            reverse_sql="DROP FUNCTION IF EXISTS carto_territory_feature(territories_territory, double precision, integer);",
        )
    ]
