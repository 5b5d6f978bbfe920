"""Admin of the agenda: events written through `services.save_event` (validated, attached
to their territories, sessions expanded in the same transaction), their sessions and
registrations read-mostly (the participants' e-mails are staff-only)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from carto.territories.admin import MapAdmin

from . import catalogue, services
from .models import Event, Occurrence, Participant, Registration, Relay, Skill, Testimony

CREATE_REASON = "création dans l’administration"
EDIT_REASON = "modification dans l’administration"


class EventForm(forms.ModelForm):
    """The admin builds its fields (modelform_factory); this adds the agenda's checks."""

    def _post_clean(self):
        """The agenda's own checks (recurrence, place, online link), once the instance
        holds the submitted values: errors land on their fields."""
        super()._post_clean()
        try:
            services.check_event(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


class OccurrenceInline(admin.TabularInline):
    model = Occurrence
    fields = ["starts_at", "ends_at", "cancelled", "settled_at"]
    readonly_fields = ["starts_at", "ends_at", "settled_at"]
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0


@admin.register(Event)
class EventAdmin(MapAdmin, SimpleHistoryAdmin):
    form = EventForm
    formfield_overrides = {
        models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"},
    }
    list_display = ["title", "format", "starts_at", "recurrence", "status", "departement_code"]
    list_filter = ["status", "format", "level", "attendance"]
    search_fields = ["title"]
    autocomplete_fields = ["venue", "organizer"]
    filter_horizontal = ["initiatives"]
    readonly_fields = ["territory_codes", "attached_at", "listed", "version", "source", "source_id"]
    exclude = ["commune_code", "epci_code", "departement_code", "region_code", "bv_code"]
    inlines = [OccurrenceInline]

    def save_model(self, request, obj, form, change):
        if not obj.source:
            obj.source = "administration"
        obj._history_user = request.user
        if change:
            obj.version += 1
        services.save_event(obj, reason=EDIT_REASON if change else CREATE_REASON)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["occurrence", "state", "created_at", "attended"]
    list_filter = ["state"]
    readonly_fields = ["occurrence", "user", "email", "name", "token_hash", "created_at",
                       "confirmed_at", "cancelled_at", "reminded_at"]  # fmt: skip
    list_select_related = ["occurrence__event"]

    def has_add_permission(self, request):
        return False  # a registration comes from its page (capacity, waiting list, mails)


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "commune_code", "consent", "created_at"]
    search_fields = ["pseudonym"]
    autocomplete_fields = ["user"]


@admin.register(Skill)
class SkillAdmin(MapAdmin, admin.ModelAdmin):
    list_display = ["title", "direction", "level", "status", "commune_code"]
    list_filter = ["direction", "level", "status"]
    search_fields = ["title"]
    autocomplete_fields = ["actor", "participant"]
    readonly_fields = ["location", "territory_codes", "attached_at", "listed"]
    exclude = ["commune_code", "epci_code", "departement_code", "region_code", "bv_code"]

    def save_model(self, request, obj, form, change):
        catalogue.save_skill(obj)


@admin.register(Relay)
class RelayAdmin(admin.ModelAdmin):
    list_display = ["role", "__str__", "note"]
    list_filter = ["role"]
    autocomplete_fields = ["actor", "participant"]
    exclude = ["commune_code", "epci_code", "departement_code", "region_code", "bv_code",
               "territory_codes", "attached_at"]  # fmt: skip


@admin.register(Testimony)
class TestimonyAdmin(admin.ModelAdmin):
    list_display = ["author", "initiative", "status", "created_at"]
    list_filter = ["status"]
    autocomplete_fields = ["initiative"]
    formfield_overrides = {
        models.URLField: {"widget": AdminURLFieldWidget, "assume_scheme": "https"},
    }
