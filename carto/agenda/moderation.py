"""What the contributions' moderation and follow pages need of an event (registered as
an entries.EntryKind in AgendaConfig.ready): the référents' edit form, and the proposer's
amendment. Both end in contributions' save_checked, whose hook (services.reattach)
attaches the event again and expands its sessions; both run the agenda's own checks
(services.check_event) on the event as it would be saved, so that a moderator cannot
save what a proposer could not propose."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from carto.contributions.moderation.forms import PlacedEditForm, entry_form_field
from carto.contributions.propose.amendments import amend_entry

from . import services
from .models import Event

# The check's names for what the edit form calls otherwise.
FORM_NAMES = {"location": "lat"}


def checked_copy(event: Event, values: dict) -> Event:
    """The stored event with `values` set, checked (ValidationError naming the fields)."""
    copy = Event.objects.select_related("venue").get(pk=event.pk)
    for name, value in values.items():
        setattr(copy, name, value)
    services.check_event(copy)
    return copy


class EventEditForm(PlacedEditForm):
    """A pending event's main fields, as référents correct them before publishing."""

    class Meta:
        model = Event
        fields = [
            "title", "organizer_name", "format", "level", "themes", "publics", "description",
            "starts_at", "ends_at", "recurrence", "attendance", "place_name", "address",
            "online_url", "accessible", "capacity", "registration",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }  # fmt: skip
        labels = {"starts_at": "Début (heure de Paris)", "ends_at": "Fin (heure de Paris)"}
        formfield_callback = entry_form_field

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = self.values()
        try:
            checked = checked_copy(self.instance, values)
        except ValidationError as refused:
            for name, errors in refused.message_dict.items():
                name = FORM_NAMES.get(name, name)
                self.add_error(name if name in self.fields else None, errors)
            return data
        if "recurrence" in values:
            data["recurrence"] = checked.recurrence  # as normalised
        return data


def amend_event(proposal, version: int, form):
    """The proposer's new values on their pending event (follow page)."""
    values = form.entry_values()
    checked_copy(proposal.event, values)
    return amend_entry(proposal, version, values, form.proposer())
