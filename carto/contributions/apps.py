from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    """Proposals, corrections and error reports from the field, moderated by territory,
    and owners' links (depends on actors and territories; nothing below depends on it)."""

    name = "carto.contributions"
    label = "contributions"
    verbose_name = "Contributions et modération"

    def ready(self):
        from .entries import register_directory

        register_directory()
