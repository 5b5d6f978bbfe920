"""Proposing an event: the same flow as an actor or an initiative (contributions): a
pending event written at once, its proposal for the référents of its territories, the
proposer's follow link; nothing is public before a référent publishes it.

The form asks what an organiser knows: a day and hours, a repetition in words (every
week, every two weeks, every month, until a date) or, for the rare case, an RFC 5545 rule;
the place by the map picker of the contribution forms (or typed « latitude, longitude »),
its commune's town hall when only the commune is known; a visio link when online."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from carto.calendar import PARIS
from carto.contributions.propose.fields import TermsField, WebURLField, free_text
from carto.contributions.propose.forms import ContributionForm
from carto.contributions.propose.guards import protected_write
from carto.contributions.propose.place_fields import PositionField, find_commune
from carto.contributions.propose.services import Submitted, submit_new
from carto.contributions.propose.views import deliver, page_config
from carto.srid import WGS84

from . import recurrence, services
from .models import Attendance, Event

REPEATS = {
    "": ("Une seule fois", ""),
    "weekly": ("Chaque semaine", "FREQ=WEEKLY"),
    "biweekly": ("Toutes les deux semaines", "FREQ=WEEKLY;INTERVAL=2"),
    "monthly": ("Chaque mois, le même jour", "FREQ=MONTHLY"),
}
SOURCE = "contribution"
ISO_DAY = "%Y-%m-%d"  # what <input type="date"> reads, whatever the page's locale


class EventProposalForm(ContributionForm):
    themes = TermsField(label="Thèmes", max_choices=5, help_text="5 au plus.")
    publics = TermsField(label="Publics", required=False)
    description = free_text(
        "Présentation", "Ce qui s’y passe, pour qui, ce qu’il faut apporter.", 5
    )
    day = forms.DateField(
        label="Date (de la première séance)",
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DAY),
    )
    start = forms.TimeField(label="Début", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="Fin", widget=forms.TimeInput(attrs={"type": "time"}))
    repeat = forms.ChoiceField(
        label="Répétition", required=False,
        choices=[(key, label) for key, (label, _rule) in REPEATS.items()],
    )  # fmt: skip
    until = forms.DateField(
        label="Jusqu’au", required=False, widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DAY),
        help_text="Dernier jour possible d’une séance répétée (obligatoire pour une répétition).",
    )  # fmt: skip
    rule = forms.CharField(
        label="Ou une règle RFC 5545 (avancé)", required=False, max_length=300,
        help_text="Par exemple FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270630 ; remplace la répétition.",
    )  # fmt: skip
    city = forms.CharField(label="Commune", required=False, max_length=120)
    position = PositionField(
        label="Position (latitude, longitude)", required=False,
        help_text="Cliquez sur la carte ou déplacez le repère ; sans position, la mairie de la commune.",
    )  # fmt: skip
    precision = forms.CharField(required=False, widget=forms.HiddenInput)
    online_url = WebURLField(label="Lien de visio", required=False)

    class Meta:
        model = Event
        fields = [
            "title", "themes", "publics", "description", "format", "level", "attendance",
            "place_name", "address", "online_url", "accessible", "organizer_name", "capacity",
            "registration",
        ]  # fmt: skip
        labels = {
            "title": "Titre",
            "place_name": "Nom du lieu",
            "organizer_name": "Structure organisatrice",
            "capacity": "Places par séance (vide : sans limite)",
            "registration": "Sur inscription",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer_name"].required = True

    def clean(self):
        data = super().clean()
        start, end, day = data.get("start"), data.get("end"), data.get("day")
        if start and end and end <= start:
            self.add_error("end", "la fin doit suivre le début.")
        rule = (data.get("rule") or "").strip()
        if not rule and data.get("repeat"):
            if not data.get("until"):
                self.add_error("until", "indiquez jusqu’à quand la séance se répète.")
            else:
                rule = f"{REPEATS[data['repeat']][1]};UNTIL={data['until']:%Y%m%d}"
        if rule and day and start:
            try:
                rule = recurrence.normalize(rule)
                recurrence.parse(rule, datetime.combine(day, start, PARIS))
            except recurrence.RecurrenceError as exc:
                self.add_error("rule" if data.get("rule") else "repeat", f"{exc}.")
        data["recurrence"] = rule
        attendance = data.get("attendance")
        if attendance in (Attendance.ONLINE, Attendance.HYBRID) and not data.get("online_url"):
            self.add_error("online_url", "un lien de visio est attendu pour un événement en ligne.")
        data["commune"] = None
        if attendance != Attendance.ONLINE and data.get("position") is None:
            commune = find_commune(data.get("city", "").strip()) if data.get("city") else None
            if commune is None or commune.anchor is None:
                self.add_error(
                    "position",
                    "placez le lieu sur la carte, ou indiquez sa commune (par exemple « Lens (62) »).",
                )
            data["commune"] = commune
        return data

    @classmethod
    def for_amendment(cls, proposal, data=None):
        """The form prefilled from the pending event, for its proposer's follow page (the
        rule of a repeated event in the advanced field, where it is shown as stored)."""
        event = Event.objects.get(pk=proposal.event_id)  # a copy: the page shows the entry
        starts, ends = event.starts_at.astimezone(PARIS), event.ends_at.astimezone(PARIS)
        initial = {
            "edit_version": event.version,
            "day": starts.date(),
            "start": starts.time().replace(second=0, microsecond=0),
            "end": ends.time().replace(second=0, microsecond=0),
            "rule": event.recurrence,
            "position": (event.location.x, event.location.y) if event.location else None,
            "proposer_name": proposal.proposer_name,
            "proposer_email": proposal.proposer_email,
        }
        return cls(data, instance=event, initial=initial)

    def entry_values(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields}
        values["starts_at"] = datetime.combine(data["day"], data["start"], PARIS)
        values["ends_at"] = datetime.combine(data["day"], data["end"], PARIS)
        values["recurrence"] = data["recurrence"]
        if data.get("position") is not None:
            values["location"] = Point(*data["position"], srid=WGS84)
        elif data.get("commune") is not None:
            anchor = data["commune"].anchor
            values["location"] = Point(anchor.x, anchor.y, srid=WGS84)
        return values


def propose_event(values: dict, proposer: dict) -> Submitted:
    """A pending event (sessions expanded, territories attached) and its proposal."""
    with transaction.atomic():
        event = services.save_event(
            Event(**values, status="pending", source=SOURCE, source_id=uuid.uuid4().hex),
            reason="proposition",
        )
        return submit_new(event, proposer)


@protected_write
@require_http_methods(["GET", "POST"])
def propose(request):
    form = EventProposalForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            submitted = propose_event(form.entry_values(), form.proposer())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return deliver(request, submitted)
    return render(request, "agenda/proposer.html", {"form": form, "config": page_config(request)})
