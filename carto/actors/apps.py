from django.apps import AppConfig


class ActorsConfig(AppConfig):
    """The directory: actors, their initiatives, stops, taxonomies."""

    name = "carto.actors"
    label = "actors"
    verbose_name = "Annuaire des acteurs"

    def ready(self):
        from carto.territories.signals import territories_imported

        from .services import reattach_everything

        territories_imported.connect(reattach_everything, dispatch_uid="actors-reattach")
