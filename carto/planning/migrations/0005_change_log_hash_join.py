"""The change log's UPDATE trigger joins its transition tables by hash.

PL/pgSQL plans the trigger's INSERT … SELECT once per session, when the transition tables
have no statistics (one row each, says the planner): it chose a nested loop that compared
every new row with every old row. An attach batch of 5 000 actors spent 19 s of its 24 s
there (2026-11-28, bench/writes.py); a hash join makes it linear."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("planning", "0004_coverage_documents")]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION planning_note_actor_update() SET enable_nestloop = off;",
            reverse_sql="ALTER FUNCTION planning_note_actor_update() RESET enable_nestloop;",
        )
    ]
