"""Installs the SQL functions that build the directory's GeoJSON features (sql/features.sql)."""

from django.db import migrations

from carto.actors.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("actors", "0002_taxonomies_and_search")]

    operations = [
        migrations.RunSQL(
            read_sql("features.sql"),
            reverse_sql=(
                "DROP FUNCTION IF EXISTS carto_actor_feature(actors_actor, double precision);"
                "DROP FUNCTION IF EXISTS carto_initiative_feature(actors_initiative, double precision, double precision);"
            ),
        )
    ]
