"""The materialized view coverage counts read (sql/actor_territory.sql). It reads the
actors' `listed` column: what is public is defined once (actors migration 0004), not
again here."""

from django.db import migrations

from carto.planning.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_actor_territory_view"), ("actors", "0004_listed")]

    operations = [
        migrations.RunSQL(
            "DROP MATERIALIZED VIEW IF EXISTS planning_actor_territory;\n"
            + read_sql("actor_territory.sql"),
            reverse_sql="DROP MATERIALIZED VIEW IF EXISTS planning_actor_territory;",
        )
    ]
