"""National coverage answers kept whole until what they were made of changes
(sql/coverage_documents.sql)."""

from django.db import migrations

from carto.planning.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0003_precomputed_coverage"),
        ("actors", "0010_single_location_index_commune_code"),
        ("territories", "0005_territory_shape"),
    ]

    operations = [
        migrations.RunSQL(
            read_sql("coverage_documents.sql"),
            reverse_sql=(
                "DROP TRIGGER IF EXISTS planning_initiative_change ON actors_initiative;"
                "DROP TRIGGER IF EXISTS planning_territory_change ON territories_territory;"
                "DROP FUNCTION IF EXISTS planning_note_input_change;"
                "ALTER TABLE planning_coverage_state DROP COLUMN IF EXISTS inputs_version;"
                "DROP TABLE IF EXISTS planning_coverage_document;"
            ),
        )
    ]
