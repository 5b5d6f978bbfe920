"""The ledger's invariants in the database (sql/ledger.sql): append-only entries and
transactions, balanced transactions checked at commit, reversals of their own exchange."""

from django.db import migrations

from carto.agenda.credits.sql import read_sql


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [
        migrations.RunSQL(
            read_sql("ledger.sql"),
            reverse_sql=(
                "DROP TRIGGER IF EXISTS credits_entry_append_only ON credits_entry;"
                "DROP TRIGGER IF EXISTS credits_transaction_append_only ON credits_transaction;"
                "DROP TRIGGER IF EXISTS credits_transaction_balanced ON credits_transaction;"
                "DROP TRIGGER IF EXISTS credits_entry_balanced ON credits_entry;"
                "DROP TRIGGER IF EXISTS credits_transaction_reversal ON credits_transaction;"
                "DROP FUNCTION IF EXISTS credits_refuse_change();"
                "DROP FUNCTION IF EXISTS credits_check_balanced();"
                "DROP FUNCTION IF EXISTS credits_check_reversal();"
            ),
        ),
    ]
