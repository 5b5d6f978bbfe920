"""Precomputed coverage: units, nearest actor per facet, counts per facet, the change log
its triggers fill (sql/precompute_schema.sql)."""

from django.db import migrations

from carto.planning.sql import read_sql

TABLES = (
    "planning_coverage_state, planning_coverage_change, planning_facet_count, "
    "planning_nearest, planning_unit"
)


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_actor_territory_listed"), ("actors", "0009_directory_load")]

    operations = [
        migrations.RunSQL(
            read_sql("precompute_schema.sql"),
            reverse_sql=(
                "DROP TRIGGER IF EXISTS planning_actor_insert ON actors_actor;"
                "DROP TRIGGER IF EXISTS planning_actor_update ON actors_actor;"
                "DROP TRIGGER IF EXISTS planning_actor_delete ON actors_actor;"
                "DROP FUNCTION IF EXISTS planning_note_actor_insert, planning_note_actor_update,"
                " planning_note_actor_delete, planning_facets_of, planning_count_codes;"
                f"DROP TABLE IF EXISTS {TABLES};"
            ),
        )
    ]
