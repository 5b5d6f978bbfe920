"""Moderation forms: the queue's filters, the decisions (each carries the version of the
entry the page showed), the edit of an entry's main fields, and placing an actor."""

from datetime import timedelta

from django import forms
from django.contrib.gis.geos import Point
from django.db import models
from django.utils import timezone

from carto.actors.models import Actor, ActorKind, Initiative, Public, Theme
from carto.contributions.entries import kind_of
from carto.contributions.models import Proposal
from carto.srid import WGS84

from .decisions import COMPLETABLE
from .display import label_of, parse_code, territory_label, territory_names


class TerritoryField(forms.CharField):
    """A territory code, « departement:62 »."""

    def clean(self, value):
        value = super().clean(value)
        if value and parse_code(value) is None:
            raise forms.ValidationError(
                "Code de territoire attendu, par exemple « departement:62 » ou « epci:246200364 »."
            )
        return ":".join(parse_code(value)) if value else ""


class ScopeFilters(forms.Form):
    """Filters shared by the queue and « à vérifier »: a territory among the user's (any
    code for staff: the scope is enforced by the queryset, a filter only narrows it)."""

    territoire = TerritoryField(
        label="Territoire",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "departement:62"}),
    )

    def __init__(self, data, territories: list[str], kinds: list[str]):
        super().__init__(data)
        if territories:
            names = territory_names(territories)
            choices = [(code, territory_label(code, names)) for code in territories]
            self.fields["territoire"] = forms.ChoiceField(
                label="Territoire", required=False, choices=[("", "Tous mes territoires"), *choices]
            )
        kind_choices = (
            ActorKind.objects.filter(slug__in=kinds) if kinds else ActorKind.objects.all()
        )
        self.kind_choices = [("", "Tous les types"), *kind_choices.values_list("slug", "label")]


class QueueFilters(ScopeFilters):
    type = forms.ChoiceField(label="Type d’acteur", required=False)
    nature = forms.ChoiceField(
        label="Nature", required=False, choices=[("", "Toutes"), *Proposal.Kind.choices]
    )
    anciennete = forms.IntegerField(
        label="En attente depuis plus de (jours)", required=False, min_value=0, max_value=3650
    )

    def __init__(self, data, territories, kinds):
        super().__init__(data, territories, kinds)
        self.fields["type"].choices = self.kind_choices

    def filter(self, queryset):
        """`queryset` narrowed by the valid filters (an invalid one is ignored and shown)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("territoire"):
            queryset = queryset.filter(territory_codes__contains=[data["territoire"]])
        if data.get("type"):
            queryset = queryset.filter(actor_kind=data["type"])
        if data.get("nature"):
            queryset = queryset.filter(kind=data["nature"])
        if data.get("anciennete"):
            queryset = queryset.filter(
                created_at__lte=timezone.now() - timedelta(days=data["anciennete"])
            )
        return queryset


class VerifyFilters(ScopeFilters):
    q = forms.CharField(label="Nom", required=False, max_length=200)

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("territoire"):
            queryset = queryset.filter(territory_codes__contains=[data["territoire"]])
        if data.get("q"):
            queryset = queryset.text_search(data["q"])
        return queryset


class VersionForm(forms.Form):
    """A decision on the entry as the page showed it (publish, apply, confirm)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RefuseForm(VersionForm):
    reason = forms.CharField(
        label="Motif du refus (envoyé au proposant)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Indiquez le motif du refus : il est envoyé au proposant."},
    )


class MergeForm(VersionForm):
    original = forms.IntegerField(label="Numéro de la fiche existante", min_value=1)
    original_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    completer = forms.MultipleChoiceField(
        label="Compléter la fiche existante avec",
        required=False,
        choices=[(name, label_of(Actor, name)) for name in COMPLETABLE],
        widget=forms.CheckboxSelectMultiple,
    )


class PlaceForm(VersionForm):
    lat = forms.FloatField(label="Latitude", min_value=-90, max_value=90)
    lon = forms.FloatField(label="Longitude", min_value=-180, max_value=180)

    def point(self) -> Point:
        return Point(self.cleaned_data["lon"], self.cleaned_data["lat"], srid=WGS84)


def _taxonomy(model, label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=lambda: list(model.objects.values_list("slug", "label")),
        widget=forms.CheckboxSelectMultiple,
    )


def entry_form_field(model_field, **kwargs):
    """Model fields' form fields; a web address typed without scheme is taken as https."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class EntryEditForm(forms.ModelForm):
    """The main fields of an entry; `values()` are those the moderator changed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    themes = _taxonomy(Theme, "Thèmes")
    publics = _taxonomy(Public, "Publics")

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name in self._meta.fields
        }


class PlacedEditForm(EntryEditForm):
    """An entry placed by a point: latitude and longitude, both or neither."""

    lat = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180)

    def __init__(self, *args, instance, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance.location is not None:
            self.initial.setdefault("lat", round(instance.location.y, 6))
            self.initial.setdefault("lon", round(instance.location.x, 6))

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")
        return data

    def point(self) -> Point | None:
        """The point typed, or None when it is unchanged or empty."""
        if {"lat", "lon"} & set(self.changed_data) and self.cleaned_data.get("lat") is not None:
            return Point(self.cleaned_data["lon"], self.cleaned_data["lat"], srid=WGS84)
        return None

    def values(self) -> dict:
        values = super().values()
        point = self.point()
        if point is not None:
            values["location"] = point
        return values


class ActorEditForm(PlacedEditForm):
    class Meta:
        model = Actor
        fields = [
            "name", "kind", "description", "address", "address_extra", "postcode", "city",
            "precision", "themes", "publics", "phone", "email", "website", "opening_hours",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"kind": "Type", "precision": "Précision de la position"}
        formfield_callback = entry_form_field

    def values(self) -> dict:
        values = super().values()
        if "location" in values:
            values["to_locate"] = False
        return values


class InitiativeEditForm(EntryEditForm):
    class Meta:
        model = Initiative
        fields = [
            "title", "summary", "description", "context", "territory_scope", "period",
            "action_status", "themes", "publics", "url",
        ]  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ("summary", "description", "context")
        }
        formfield_callback = entry_form_field


def edit_form(entry, data=None):
    """The edit form of `entry`, on a copy of it read afresh (a bound ModelForm writes what
    was typed onto its instance: the page still shows the entry as it stands)."""
    form_class = kind_of(entry).edit_form
    instance = type(entry).objects.get(pk=entry.pk)
    return form_class(data, instance=instance, initial={"version": instance.version})
