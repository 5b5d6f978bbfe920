"""The planning app keeps its materialized view in step with the directory."""

from django.db.models.signals import post_delete, post_save

from carto.actors.models import Actor
from carto.actors.signals import directory_changed
from carto.territories.signals import territories_imported

from .services import refresh_actor_territory


def connect() -> None:
    # After the actors were re-attached (the actors app connects first: INSTALLED_APPS order).
    territories_imported.connect(
        refresh_actor_territory, dispatch_uid="planning-refresh-territories"
    )
    directory_changed.connect(refresh_actor_territory, dispatch_uid="planning-refresh-directory")
    post_save.connect(refresh_actor_territory, sender=Actor, dispatch_uid="planning-refresh-save")
    post_delete.connect(
        refresh_actor_territory, sender=Actor, dispatch_uid="planning-refresh-delete"
    )
