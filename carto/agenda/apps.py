from django.apps import AppConfig


class AgendaConfig(AppConfig):
    """Where and when to meet, learn and help: events and sessions, registrations, the
    peer-training catalogue (depends on actors, territories and contributions)."""

    name = "carto.agenda"
    label = "agenda"
    verbose_name = "Agenda"

    def ready(self):
        """The agenda's events go through the contributions' proposals and moderation."""
        from carto.contributions.entries import EntryKind, register

        from .models import Event
        from .moderation import EventEditForm, amend_event
        from .propose import EventProposalForm
        from .services import reattach

        register(EntryKind(
            Event, "event", "événement", reattach, MODERATION_FIELDS, edit_form=EventEditForm,
            amend_form=EventProposalForm.for_amendment, amend=amend_event,
            form_template="agenda/_evenement_champs.html", form_name="evenement",
        ))  # fmt: skip


# What the moderation page shows of a proposed event.
MODERATION_FIELDS = [
    "title", "organizer_name", "organizer", "format", "level", "themes", "publics", "description",
    "starts_at", "ends_at", "recurrence", "attendance", "place_name", "address", "location",
    "online_url", "accessible", "capacity", "registration",
]  # fmt: skip
