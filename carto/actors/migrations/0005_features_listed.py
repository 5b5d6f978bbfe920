"""The SQL functions that build the directory's GeoJSON features (sql/features.sql): an
initiative names its organiser, and falls back on its place, only when the organiser
is listed. CREATE OR REPLACE: a change comes with a new migration running the file again."""

from django.db import migrations

from carto.actors.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("actors", "0004_listed")]

    operations = [
        migrations.RunSQL(
            read_sql("features.sql"),
            reverse_sql=(
                "DROP FUNCTION IF EXISTS carto_actor_feature(actors_actor, double precision);"
                "DROP FUNCTION IF EXISTS carto_initiative_feature(actors_initiative, double precision, double precision);"
            ),
        )
    ]
