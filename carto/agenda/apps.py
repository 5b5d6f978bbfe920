from django.apps import AppConfig


class AgendaConfig(AppConfig):
    """Where and when to meet, learn and help: events and sessions, registrations, the
    peer-training catalogue (depends on actors, territories and contributions)."""

    name = "carto.agenda"
    label = "agenda"
    verbose_name = "Agenda"
