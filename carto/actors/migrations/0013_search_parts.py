"""An actor's search vector as the sum of three part functions (sql/search.sql), which the
trigger adds up row by row and a bulk load computes once per distinct value; the vector
itself does not change. search.sql is idempotent (CREATE OR REPLACE): run again here for
the databases migrated before it named the parts."""

from django.db import migrations

from carto.actors.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("actors", "0012_location_spgist")]

    operations = [migrations.RunSQL(read_sql("search.sql"), reverse_sql=migrations.RunSQL.noop)]
