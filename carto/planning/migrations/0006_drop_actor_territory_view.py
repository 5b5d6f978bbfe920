"""The live coverage counts read the matching actors' territory codes directly
(sql/coverage.sql), not the materialized view planning_actor_territory any more.

The view held one row per listed actor and territory and was refreshed in full after
every change: at a million actors, 5.1 million rows rebuilt for one edited actor (25 s of
the 100 000-row import measured on 2026-11-28). Grouping the matching actors' own codes
costs the same for the coverage queries and nothing on writes."""

from django.db import migrations

# What migration 0002 installed, for going back.
VIEW = """
CREATE MATERIALIZED VIEW planning_actor_territory AS
SELECT a.id AS actor_id, code::varchar(24) AS territory_code
  FROM actors_actor a, unnest(a.territory_codes) AS code
 WHERE a.listed;
CREATE UNIQUE INDEX planning_actor_territory_uniq ON planning_actor_territory (territory_code, actor_id);
CREATE INDEX planning_actor_territory_actor ON planning_actor_territory (actor_id);
"""


class Migration(migrations.Migration):
    dependencies = [("planning", "0005_change_log_hash_join")]

    operations = [
        migrations.RunSQL(
            "DROP MATERIALIZED VIEW IF EXISTS planning_actor_territory;", reverse_sql=VIEW
        )
    ]
