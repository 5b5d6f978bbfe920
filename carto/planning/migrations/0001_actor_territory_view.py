"""Installed the materialized view coverage counts read; superseded by migration 0002,
which (re)creates it from sql/actor_territory.sql once the actors' `listed` column it
reads exists."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("actors", "0003_feature_sql")]

    operations = []
