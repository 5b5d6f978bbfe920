"""The planning app keeps its precomputed coverage in step with the directory: one refresh
after each transaction that changed it (services.schedule_refresh), never one per row.

It listens to the directory only (`directory_changed`, sent after imports and after the
actors were re-attached to re-imported territories) and to single actor writes: never to
`territories_imported` directly, so the order of INSTALLED_APPS does not matter."""

from django.db.models.signals import post_delete, post_save

from carto.actors.models import Actor
from carto.actors.signals import directory_changed

from .services import schedule_refresh


def connect() -> None:
    directory_changed.connect(schedule_refresh, dispatch_uid="planning-refresh-directory")
    post_save.connect(schedule_refresh, sender=Actor, dispatch_uid="planning-refresh-save")
    post_delete.connect(schedule_refresh, sender=Actor, dispatch_uid="planning-refresh-delete")
