from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Coalition planning: coverage gaps, siting of relays, itinerant tours (reads, never writes, the directory)."""

    name = "carto.planning"
    label = "planning"
    verbose_name = "Planification"

    def ready(self):
        from .signals import connect

        connect()
