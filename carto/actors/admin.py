"""Admin of the directory for its editors: actors and initiatives on a map widget
(django-leaflet), with their history (django-simple-history), filters by status, kind,
département and source.

The contributions app extends these classes (contributions/admin.py): every hand edit
goes through its checked save (version, who and why), and owners' links are sent from
the lists. The directory itself depends on nothing of the contributions."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from carto.territories.admin import MapAdmin
from carto.territories.codes import Kind
from carto.territories.models import Territory

from .models import Actor, Initiative

# Provenance and the codes computed at write time: shown, never typed.
COMPUTED = [
    "source", "source_id", "source_url", "commune_code", "epci_code", "departement_code",
    "region_code", "bv_code", "territory_codes", "attached_at", "created_at", "updated_at",
]  # fmt: skip


class DepartementFilter(admin.SimpleListFilter):
    title = "département"
    parameter_name = "departement"

    def lookups(self, request, model_admin):
        departements = Territory.objects.filter(kind=Kind.DEPARTEMENT).order_by("code")
        return [
            (code, f"{code} — {name}") for code, name in departements.values_list("code", "name")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(departement_code=value) if value else queryset


class DirectoryAdmin(MapAdmin, SimpleHistoryAdmin):
    """What actors and initiatives share: filters, computed fields, the history page."""

    list_filter = ["status", DepartementFilter, "source"]
    formfield_overrides = {
        models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"},
    }
    readonly_fields = [*COMPUTED, "listed", "moderation_history"]
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description="historique détaillé")
    def moderation_history(self, entry) -> str:
        if entry.pk is None:
            return "—"
        kind = "acteur" if isinstance(entry, Actor) else "initiative"
        url = reverse("history", kwargs={"kind": kind, "pk": entry.pk})
        return format_html('<a href="{}">Historique, différences et retours</a>', url)

    def get_form(self, request, obj=None, **kwargs):
        """The version the form was opened on travels with it, hidden (optimistic locking)."""
        kwargs["widgets"] = {**kwargs.get("widgets", {}), "version": forms.HiddenInput}
        return super().get_form(request, obj, **kwargs)

    def revert_disabled(self, request, obj=None):
        """Reverts go through the history page, which checks the version."""
        return True


@admin.register(Actor)
class ActorAdmin(DirectoryAdmin):
    list_display = ["name", "kind", "city", "departement_code", "status", "source", "updated_at"]
    list_filter = ["status", "kind", DepartementFilter, "source"]
    list_select_related = ["kind"]
    search_fields = ["name", "siret"]
    autocomplete_fields = ["parent", "duplicate_of"]
    readonly_fields = [*DirectoryAdmin.readonly_fields, "qpv_codes", "qpv_near_codes"]
    fieldsets = [
        (None, {"fields": [
            "name", "kind", "status", "duplicate_of", "parent", "siret", "rna", "network",
            "labels", "themes", "publics", "description", "version",
        ]}),
        ("Adresse et position", {"fields": [
            "address", "address_extra", "postcode", "city", "location", "precision", "to_locate",
            "itinerant", "service_area_codes",
        ]}),
        ("Accueil", {"fields": [
            "opening_hours", "appointment", "services", "access_conditions", "amenities",
            "funded_posts", "host_only",
        ]}),
        ("Contacts publics", {"fields": ["email", "phone", "website"]}),
        ("Personne contact (privé)", {"fields": [
            "contact_name", "contact_email", "contact_phone", "contact_consent",
        ]}),
        ("Provenance et territoires", {"classes": ["collapse"], "fields": [
            *COMPUTED, "qpv_codes", "qpv_near_codes", "last_verified", "listed",
            "moderation_history",
        ]}),
    ]  # fmt: skip


@admin.register(Initiative)
class InitiativeAdmin(DirectoryAdmin):
    list_display = ["title", "organizer", "departement_code", "status", "source", "updated_at"]
    list_select_related = ["organizer"]
    search_fields = ["title", "organizer__name", "organizer__siret"]
    autocomplete_fields = ["organizer", "partner_actors"]
    fieldsets = [
        (None, {"fields": [
            "title", "status", "organizer", "partner_actors", "partners", "initiators",
            "programme", "action_status", "end_reason", "dimension", "keywords", "themes",
            "publics", "period", "url", "version",
        ]}),
        ("La fiche", {"fields": [
            "summary", "initiative_precision", "context", "territory_scope", "description",
            "resources", "people", "results_territory", "results_centre", "results_inhabitants",
            "limits", "perspectives",
        ]}),
        ("Empreinte", {"fields": ["footprint_codes", "footprint", "location"]}),
        ("Provenance et territoires", {"classes": ["collapse"], "fields": [
            *COMPUTED, "listed", "moderation_history",
        ]}),
    ]  # fmt: skip
