"""Installed the SQL functions that build the directory's GeoJSON features; superseded by
migration 0005, which installs them from sql/features.sql once the `listed` column they
read exists (0004). A database that ran this migration already has them: 0005 replaces
them (CREATE OR REPLACE)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("actors", "0002_taxonomies_and_search")]

    operations = []
