from django.apps import AppConfig


class ActorsConfig(AppConfig):
    """The directory: actors, their initiatives, taxonomies (models arrive with the directory issue)."""

    name = "carto.actors"
    label = "actors"
    verbose_name = "Annuaire des acteurs"
