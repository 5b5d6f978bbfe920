"""/agenda/tournee/: a tour planned on /planifier/ published in the agenda, one proposed
event per stop (the service is `tours.py`).

Two steps on one address: the planner posts its tour (JSON in a hidden field) and the
visitor lands on the form, the stops listed; the form posted back (with `step=publish`)
proposes the stops, then redirects to a thank-you page listing them with their follow
links (POST, redirect, GET: a reload proposes nothing twice). Only the second step is a
write: it alone goes through the contributions' guards (rate limit, honeypot).
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from carto.contributions.notifications import (
    MODERATION_PATH,
    referents_to_notify,
    send_messages,
    site_url,
)
from carto.contributions.propose.fields import TermsField, free_text
from carto.contributions.propose.forms import ContributionForm
from carto.contributions.propose.guards import protected_write
from carto.planning.tours import TourError

from .models import Event
from .tours import parse_tour, publish_tour

STEP = "publish"
SESSION_KEY = "agenda_published_tour"
SENT = (
    "Merci ! Les étapes de votre tournée sont enregistrées. Un·e référent·e de chaque "
    "territoire les vérifiera avant leur publication dans l’agenda. Gardez l’adresse de "
    "cette page (ou les courriels que nous vous avons envoyés) : chaque lien permet de "
    "suivre et de compléter une étape."
)


class TourPublicationForm(ContributionForm):
    """What every stop's event shares; the stops themselves come from the planned tour."""

    tour = forms.CharField(widget=forms.HiddenInput, error_messages={
        "required": "aucune tournée reçue : planifiez-la d’abord sur la page Planifier.",
    })  # fmt: skip
    themes = TermsField(label="Thèmes", max_choices=5, help_text="5 au plus.")
    publics = TermsField(label="Publics", required=False)
    description = free_text(
        "Présentation", "Ce qui se passe à chaque étape, pour qui, ce qu’il faut apporter.", 5
    )
    organizer = forms.TypedChoiceField(
        label="Structure organisatrice de l’annuaire", coerce=int, required=False,
        empty_value=None, help_text="Un lieu de la tournée ; sinon, indiquez son nom ci-dessous.",
    )  # fmt: skip

    class Meta:
        model = Event
        fields = [
            "title", "themes", "publics", "description", "organizer_name", "accessible",
            "registration", "capacity",
        ]  # fmt: skip
        labels = {
            "title": "Titre de la tournée",
            "organizer_name": "Ou son nom (structure hors annuaire)",
            "accessible": "Lieux accessibles (PMR)",
            "capacity": "Places par étape (vide : sans limite)",
            "registration": "Sur inscription",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposer_email"].required = True
        self.fields[
            "proposer_email"
        ].help_text = (
            "Jamais publié : nous y envoyons le lien pour suivre et compléter chaque étape."
        )
        raw = self["tour"].value() or ""
        self.stops, self.tour_error = [], ""
        if raw:
            try:
                self.stops = parse_tour(raw)
            except TourError as exc:
                self.tour_error = exc.detail
        hosts = {stop.actor.pk: stop.actor.name for stop in self.stops if stop.actor}
        self.fields["organizer"].choices = [("", "— Aucune de ces structures —"), *hosts.items()]

    def clean_tour(self):
        if self.tour_error:
            raise forms.ValidationError(self.tour_error)
        return self.cleaned_data["tour"]

    def clean(self):
        data = super().clean()
        if not data.get("organizer") and not (data.get("organizer_name") or "").strip():
            self.add_error(
                "organizer_name",
                "indiquez la structure organisatrice : un lieu de la tournée ou son nom.",
            )
        return data

    def entry_values(self) -> dict:
        """The fields every stop's event shares."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        organizer = self.cleaned_data.get("organizer")
        values["organizer"] = next(
            (stop.actor for stop in self.stops if stop.actor and stop.actor.pk == organizer), None
        )
        return values


def _page(request, form):
    return render(request, "agenda/tournee.html", {"form": form, "stops": form.stops})


@require_http_methods(["GET", "POST"])
def publish(request):
    """GET: how to get here; POST from the planner: the form; POST with `step`: publish."""
    if request.method == "POST" and request.POST.get("step") == STEP:
        return _publish(request)
    if request.method == "POST":
        return _page(request, TourPublicationForm(initial={"tour": request.POST.get("tour", "")}))
    return render(request, "agenda/tournee.html", {"form": None, "stops": []})


@protected_write
def _publish(request):
    form = TourPublicationForm(request.POST)
    if form.is_valid():
        try:
            submitted = publish_tour(form.stops, form.entry_values(), form.proposer())
        except ValidationError as exc:
            for messages_ in exc.message_dict.values():
                form.add_error(None, messages_)
        else:
            _deliver(submitted)
            request.session[SESSION_KEY] = [
                {
                    "label": stop.label,
                    "starts_at": stop.starts_at.isoformat(),
                    "ends_at": stop.ends_at.isoformat(),
                    "follow": reverse("propose-follow", kwargs={"token": item.token}),
                }
                for stop, item in zip(form.stops, submitted, strict=True)
            ]
            messages.success(request, SENT)
            return redirect("agenda-tour-thanks")
    return _page(request, form)


def _deliver(submitted) -> None:
    """The mails of a tour: the proposer gets one message with every stop's follow link,
    each référent one message naming the stops they decide on (not one per stop)."""
    proposals = [item.proposal for item in submitted]
    first = proposals[0]
    title = first.event.title
    if first.proposer_email:
        stops = [
            (item.proposal.event, site_url(reverse("propose-follow", kwargs={"token": item.token})))
            for item in submitted
        ]
        body = render_to_string(
            "agenda/mail/tournee_suivi.txt", {"proposal": first, "title": title, "stops": stops}
        )
        subject = f"Votre tournée sur carto : « {title} » ({len(stops)} étapes)"
        send_messages([EmailMessage(subject=subject, body=body, to=[first.proposer_email])])
    by_referent: dict[int, tuple] = {}
    for proposal in proposals:
        for referent in referents_to_notify(proposal):
            by_referent.setdefault(referent.pk, (referent, []))[1].append(proposal.event)
    messages_ = [
        EmailMessage(
            subject=f"À modérer : {len(events)} étape(s) de la tournée « {title} »",
            body=render_to_string(
                "agenda/mail/tournee_referents.txt",
                {"title": title, "events": events, "link": site_url(MODERATION_PATH)},
            ),
            to=[referent.user.email],
        )
        for referent, events in by_referent.values()
    ]
    if messages_:
        send_messages(messages_)


@never_cache
@require_GET
def thanks(request):
    """The stops just proposed, each with its follow link (kept in the visitor's session)."""
    stops = [
        {**stop, "starts_at": datetime.fromisoformat(stop["starts_at"]),
         "ends_at": datetime.fromisoformat(stop["ends_at"])}
        for stop in request.session.get(SESSION_KEY, [])
    ]  # fmt: skip
    response = render(request, "agenda/tournee_merci.html", {"stops": stops})
    # The links hold secrets: no request from this page carries them to another site.
    response["Referrer-Policy"] = "same-origin"
    return response
