"""« Signaler une erreur » on a listed actor or initiative: a message, and optionally the
corrected values of its main public fields. It becomes a proposal (a correction when a
value differs, else a report) for the référents of the entry's territories; the entry
itself does not change.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from carto.actors.models import Actor, Initiative
from carto.contributions.notifications import notify_referents, send_follow_link

from . import services
from .fields import HoursField, PhoneField, WebURLField, capped, drop_maxlength, free_text
from .forms import ACTION_STATUSES, SummaryMixin
from .guards import protected_write
from .honeypot import HoneypotMixin

ACTOR_FIELDS = ["name", "address", "postcode", "city", "phone", "email", "website", "opening_hours"]
INITIATIVE_FIELDS = ["title", "action_status", "summary", "url"]
LABELS = {
    "name": "Nom", "address": "Adresse", "postcode": "Code postal", "city": "Commune",
    "phone": "Téléphone", "email": "Courriel", "website": "Site web",
    "opening_hours": "Horaires (syntaxe OpenStreetMap)", "title": "Titre",
    "action_status": "Statut de l’action", "summary": "Résumé", "url": "Lien",
}  # fmt: skip
# Fields the entry cannot be without: left empty, they mean « no change ».
REQUIRED = {"name", "title"}


def _correction_fields(model) -> dict[str, forms.Field]:
    names = ACTOR_FIELDS if model is Actor else INITIATIVE_FIELDS
    overrides = {
        "phone": PhoneField(label=LABELS["phone"]),
        "website": WebURLField(label=LABELS["website"], required=False),
        "url": WebURLField(label=LABELS["url"], required=False),
        "opening_hours": HoursField(label=LABELS["opening_hours"]),
        "postcode": forms.RegexField(
            label=LABELS["postcode"], regex=r"^\d{5}$", required=False,
            error_messages={"invalid": "cinq chiffres attendus (par exemple 62300)."},
        ),
        "action_status": forms.ChoiceField(
            label=LABELS["action_status"], choices=ACTION_STATUSES, required=False
        ),
        "summary": free_text(LABELS["summary"]),
    }  # fmt: skip
    # The others as the model defines them (labels here, lengths there).
    plain = [name for name in names if name not in overrides]
    fields = {**forms.fields_for_model(model, fields=plain, labels=LABELS), **overrides}
    for field in fields.values():
        field.required = False
    return {name: fields[name] for name in names}


class ReportForm(SummaryMixin, HoneypotMixin, forms.Form):
    message = capped(
        forms.CharField(
            label="Qu’est-ce qui est inexact ?",
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={"required": "dites en quelques mots ce qui est inexact."},
        )
    )
    reporter_email = forms.EmailField(
        label="Votre courriel",
        required=False,
        help_text="Facultatif et jamais publié : pour vous dire ce qu’il est advenu du signalement.",
    )

    def __init__(self, entry, *args, **kwargs):
        self.entry = entry
        super().__init__(*args, **kwargs)
        corrections = _correction_fields(type(entry))
        self.correction_names = list(corrections)
        for name, field in corrections.items():
            field.initial = getattr(entry, name) or ""
            self.fields[name] = field
        drop_maxlength(self)

    def correction_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.correction_names]

    def changes(self) -> dict:
        """{field: proposed value} for the fields sent whose value differs from the
        entry's (a field not sent at all is no correction)."""
        found = {}
        for name in self.correction_names:
            if name not in self.data:
                continue
            value = (self.cleaned_data.get(name) or "").strip()
            if not value and name in REQUIRED:
                continue
            if value != (getattr(self.entry, name) or "").strip():
                found[name] = value
        return found


def _report(request, entry):
    form = ReportForm(entry, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        submitted = services.report(
            entry, form.cleaned_data["message"], form.changes(), form.cleaned_data["reporter_email"]
        )
        send_follow_link(submitted.proposal, submitted.token)
        notify_referents(submitted.proposal)
        messages.success(
            request,
            "Merci ! Votre signalement est transmis aux référents de ce territoire. "
            "La fiche ne change pas avant leur vérification.",
        )
        return redirect("propose-follow", token=submitted.token)
    context = {"form": form, "entry": entry, "is_actor": isinstance(entry, Actor)}
    return render(request, "contributions/propose/signaler.html", context)


@protected_write
@require_http_methods(["GET", "POST"])
def report_actor(request, pk: int):
    return _report(request, get_object_or_404(Actor.objects.listed().select_related("kind"), pk=pk))


@protected_write
@require_http_methods(["GET", "POST"])
def report_initiative(request, pk: int):
    initiative = get_object_or_404(Initiative.objects.listed().select_related("organizer"), pk=pk)
    return _report(request, initiative)
