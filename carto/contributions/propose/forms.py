"""The form of a new actor, prefilled when its proposer amends it, and what every
contribution form shares (the honeypot, the proposer, the error summary). The form of a
new initiative is in `initiative_form`.

Model forms: labels and text lengths come from the models (actors.models), the free texts
and lists get the caps of `fields`. The place of an actor is one visible field, « latitude,
longitude », that the map picker fills and a person may type (no script needed).
"""

from django import forms
from django.contrib.gis.geos import Point

from carto.actors.lmn import departement_of_postcode
from carto.actors.models import Actor, ActorKind, Precision, Public, Theme
from carto.srid import WGS84

from .fields import (
    MAX_THEMES,
    HoursField,
    PhoneField,
    TermsField,
    WebURLField,
    drop_maxlength,
    free_text,
)
from .honeypot import HoneypotMixin
from .place_fields import PositionField


class SummaryMixin:
    """The error summary the templates show above a form, each error with its field."""

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) of every error, in the order of the form."""
        items = [("", "", message) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                items.append((self[name].auto_id, field.label, message))
        return items


class ContributionForm(SummaryMixin, HoneypotMixin, forms.ModelForm):
    """Base of the contribution forms: the honeypot, the proposer (private), the
    taxonomies' choices, no maxlength, and the error summary."""

    proposer_name = forms.CharField(label="Votre nom", max_length=200, required=False)
    proposer_email = forms.EmailField(
        label="Votre courriel",
        required=False,
        help_text="Facultatif et jamais publié : nous y envoyons le lien pour suivre et "
        "compléter votre proposition.",
    )

    # The version of the entry an amendment started from (optimistic locking).
    edit_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "themes" in self.fields:
            self.fields["themes"].choices = list(Theme.objects.values_list("slug", "label"))
        if "publics" in self.fields:
            self.fields["publics"].choices = list(Public.objects.values_list("slug", "label"))
        drop_maxlength(self)

    def proposer(self) -> dict:
        return {
            "proposer_name": self.cleaned_data.get("proposer_name", ""),
            "proposer_email": self.cleaned_data.get("proposer_email", ""),
        }


KIND_CHOICE = {"empty_label": "— Choisir un type —"}


class ActorProposalForm(ContributionForm):
    siret = forms.CharField(
        label="SIRET",
        required=False,
        help_text="14 chiffres, facultatif : il aide à repérer une fiche qui existe déjà.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    themes = TermsField(label="Thèmes", max_choices=MAX_THEMES, help_text=f"{MAX_THEMES} au plus.")
    publics = TermsField(label="Publics accueillis")
    description = free_text("Présentation", "Ce que fait la structure, pour qui, comment.", 5)
    postcode = forms.RegexField(
        label="Code postal",
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": "cinq chiffres attendus (par exemple 62300)."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    position = PositionField(
        label="Position (latitude, longitude)",
        help_text="Cliquez sur la carte ou déplacez le repère ; vous pouvez aussi saisir "
        "les coordonnées, par exemple 50.4329, 2.8319.",
    )
    precision = forms.ChoiceField(
        choices=[(p, p) for p in (Precision.EXACT, Precision.ADDRESS, Precision.COMMUNE)],
        required=False,
        widget=forms.HiddenInput,
    )
    opening_hours = HoursField(
        label="Horaires d’ouverture",
        help_text="Syntaxe OpenStreetMap, par exemple : Mo-Fr 09:00-12:00,14:00-17:00; "
        "Sa 09:00-12:00; PH off (jours : Mo Tu We Th Fr Sa Su, PH : jours fériés).",
    )
    phone = PhoneField(label="Téléphone public")
    website = WebURLField(label="Site web", required=False)
    contact_phone = PhoneField(label="Téléphone de la personne contact")
    contact_consent = forms.BooleanField(
        label="La personne contact accepte que ses coordonnées soient publiées",
        required=False,
    )

    class Meta:
        model = Actor
        fields = [
            "name", "kind", "siret", "themes", "publics", "description", "address", "postcode",
            "city", "opening_hours", "email", "phone", "website", "contact_name",
            "contact_email", "contact_phone", "contact_consent",
        ]  # fmt: skip
        labels = {
            "name": "Nom de la structure",
            "kind": "Type de structure",
            "address": "Adresse",
            "city": "Commune",
            "email": "Courriel public",
            "contact_name": "Nom de la personne contact",
            "contact_email": "Courriel de la personne contact",
        }
        help_texts = {
            "address": "Numéro et rue.",
            "contact_name": "Privé : seuls les référents le voient, sauf accord ci-dessous.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].empty_label = KIND_CHOICE["empty_label"]
        self.fields["kind"].queryset = ActorKind.objects.all()
        self.fields["city"].required = True
        for name, token in (("name", "organization"), ("address", "street-address")):
            self.fields[name].widget.attrs["autocomplete"] = token

    def clean_siret(self):
        siret = "".join(self.cleaned_data["siret"].split())
        if siret and (len(siret) != 14 or not siret.isdigit()):
            raise forms.ValidationError(f"14 chiffres attendus (reçu « {siret[:30]} »).")
        return siret

    @classmethod
    def for_amendment(cls, proposal, data=None):
        # A copy: the form sets what is typed on its instance, the page shows the entry.
        actor = Actor.objects.get(pk=proposal.actor_id)
        initial = {
            "edit_version": actor.version,
            "position": (actor.location.x, actor.location.y) if actor.location else None,
            "precision": actor.precision,
            "proposer_name": proposal.proposer_name,
            "proposer_email": proposal.proposer_email,
        }
        return cls(data, instance=actor, initial=initial)

    def entry_values(self) -> dict:
        """The actor's fields as the form cleaned them (place and precision included)."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        lon, lat = self.cleaned_data["position"]
        values["location"] = Point(lon, lat, srid=WGS84)
        values["precision"] = self.cleaned_data.get("precision") or Precision.EXACT
        values["to_locate"] = values["precision"] == Precision.COMMUNE
        # Where no commune outline is loaded under the point, the attachment keeps this
        # département: the proposal still reaches the référents of its territory.
        values["departement_code"] = (
            departement_of_postcode(values["postcode"]) if values["postcode"] else ""
        )
        return values


ACTION_STATUSES = [("", "—"), ("En projet", "En projet"), ("En cours", "En cours"),
                   ("Terminée", "Terminée")]  # fmt: skip
