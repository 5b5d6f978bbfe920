"""Installed the materialized view planning_actor_territory once the actors' `listed`
column it read existed; superseded by migration 0006, which drops it (coverage counts
read the actors' territory codes directly)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_actor_territory_view"), ("actors", "0004_listed")]

    operations = []
