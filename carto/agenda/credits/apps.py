from django.apps import AppConfig


class CreditsConfig(AppConfig):
    """The knowledge-credit exchange (KAT-style): a double-entry ledger of credits earned by
    teaching or volunteering and spent by attending (depends on nothing of the agenda: the
    agenda settles its sessions through it)."""

    name = "carto.agenda.credits"
    label = "credits"
    verbose_name = "Échange de savoirs (crédits)"

    def ready(self):
        from . import signals  # noqa: F401
