"""The materialized view coverage counts read (sql/actor_territory.sql)."""

from django.db import migrations

from carto.planning.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("actors", "0003_feature_sql")]

    operations = [
        migrations.RunSQL(read_sql("actor_territory.sql"), reverse_sql="DROP MATERIALIZED VIEW IF EXISTS planning_actor_territory;")
    ]
