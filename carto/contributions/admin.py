"""Admin of the contributions: référents, proposals (read-mostly: decisions are taken in
the moderation queue), owners' links (the hash never shown), territory policies.

It also extends the directory's admin (actors/admin.py), which depends on nothing here:
an editor's change goes through `save_checked` (the version the form was opened on is
compared under a row lock, the history records who and why), and owners' links are sent
from the lists of actors and initiatives."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carto.actors.admin import ActorAdmin, InitiativeAdmin
from carto.actors.models import Actor, Initiative
from carto.actors.services import attach_actors, attach_initiatives
from carto.actors.signals import directory_changed
from carto.territories.codes import search_key
from carto.territories.models import Territory

from .models import OwnerLink, Proposal, Referent, TerritoryPolicy
from .owners import issue_owner_link
from .services import EditConflict, save_checked

CREATE_REASON = "création dans l’administration"
EDIT_REASON = "modification dans l’administration"


class CheckedForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and "version" in cleaned:
            # Locked until the admin's transaction ends (its change view is atomic): the
            # checked save then finds the version compared here.
            model = type(self.instance)
            current = model.objects.select_for_update().only("version").get(pk=self.instance.pk)
            if cleaned["version"] != current.version:
                raise ValidationError(str(EditConflict(current)))
        return cleaned


class CheckedSaveMixin:
    form = CheckedForm

    def save_model(self, request, obj, form, change):
        if not change:
            self.create(request, obj)
            return
        concrete = {field.name for field in obj._meta.concrete_fields}
        values = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in concrete and name != "version"
        }
        if values:
            saved = save_checked(
                obj, form.cleaned_data["version"], values, request.user, EDIT_REASON
            )
            obj.version = saved.version

    def create(self, request, entry):
        entry.source = entry.source or "administration"
        entry.version = 1
        if isinstance(entry, Actor):
            entry.name_key = search_key(entry.name)
        entry._history_user = request.user
        entry._change_reason = CREATE_REASON
        entry.save()
        (attach_actors if isinstance(entry, Actor) else attach_initiatives)([entry.pk])
        directory_changed.send(sender=type(self))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reading a past version, yes; reverting from here, no (the history page does it,
        from the version it was opened on)."""
        if request.method == "POST":
            raise PermissionDenied("Revenir à une version se fait depuis la page d’historique.")
        return super().history_form_view(request, object_id, version_id, extra_context)


def owner_email(entry) -> str:
    """Where an owner's link goes: the public e-mail, else the contact person's (for an
    initiative, its organiser's)."""
    actor = entry if isinstance(entry, Actor) else entry.organizer
    if actor is None:
        return ""
    return actor.email or actor.contact_email


@admin.action(description="Envoyer un lien de propriétaire")
def send_owner_links(modeladmin, request, queryset):
    sent, without = 0, []
    for entry in queryset:
        email = owner_email(entry)
        if email:
            issue_owner_link(entry, email, created_by=request.user)
            sent += 1
        else:
            without.append(str(entry))
    if sent:
        modeladmin.message_user(request, f"{sent} lien(s) de propriétaire envoyé(s) par courriel.")
    if without:
        shown = ", ".join(without[:10]) + (" …" if len(without) > 10 else "")
        modeladmin.message_user(
            request, f"Sans courriel, aucun lien envoyé : {shown}", level=messages.WARNING
        )


admin.site.unregister([Actor, Initiative])


@admin.register(Actor)
class CheckedActorAdmin(CheckedSaveMixin, ActorAdmin):
    actions = [send_owner_links]


@admin.register(Initiative)
class CheckedInitiativeAdmin(CheckedSaveMixin, InitiativeAdmin):
    actions = [send_owner_links]
    list_select_related = ["organizer"]


def check_territory_codes(codes) -> None:
    """Each « kind:code » must name a loaded territory."""
    for code in codes:
        kind, _, value = code.partition(":")
        if not Territory.objects.filter(kind=kind, code=value).exists():
            raise ValidationError(f"« {code} » : aucun territoire chargé (ex. departement:62).")


class ReferentForm(forms.ModelForm):
    class Meta:
        model = Referent
        fields = ["user", "territories", "kinds", "notify"]

    def clean_territories(self):
        codes = self.cleaned_data["territories"]
        check_territory_codes(codes)
        return codes


@admin.register(Referent)
class ReferentAdmin(admin.ModelAdmin):
    form = ReferentForm
    list_display = ["user", "territory_list", "kind_list", "notify"]
    list_filter = ["notify"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]

    @admin.display(description="territoires")
    def territory_list(self, referent) -> str:
        return ", ".join(referent.territories)

    @admin.display(description="types d’acteurs")
    def kind_list(self, referent) -> str:
        return ", ".join(referent.kinds) or "tous"


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """To read (and delete spam): decisions are taken in the moderation queue, which
    applies them; a state changed here would apply nothing."""

    list_display = ["__str__", "kind", "state", "created_at", "decided_at", "decided_by"]
    list_filter = ["state", "kind"]
    search_fields = ["actor__name", "initiative__title", "message"]
    list_select_related = ["actor", "initiative", "decided_by"]
    exclude = ["token_hash"]
    readonly_fields = [
        "kind", "state", "actor", "initiative", "changes", "message", "territory_codes",
        "actor_kind", "proposer_name", "proposer_email", "created_at", "updated_at",
        "decided_at", "decided_by", "reason", "duplicate_of",
    ]  # fmt: skip
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False


@admin.register(OwnerLink)
class OwnerLinkAdmin(admin.ModelAdmin):
    """Links are created by the « envoyer un lien de propriétaire » action (the token is
    mailed, never stored); here they are read, shortened or revoked."""

    list_display = ["__str__", "email", "created_at", "expires_at", "revoked_at", "valid"]
    list_filter = ["revoked_at"]
    search_fields = ["actor__name", "initiative__title", "email"]
    list_select_related = ["actor", "initiative"]
    readonly_fields = ["actor", "initiative", "email", "created_by", "created_at"]
    fields = [*readonly_fields, "expires_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description="valide")
    def valid(self, link) -> bool:
        return link.is_valid()

    @admin.action(description="Révoquer les liens choisis")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} lien(s) révoqué(s).")


class TerritoryPolicyForm(forms.ModelForm):
    class Meta:
        model = TerritoryPolicy
        fields = ["territory_code", "owner_changes_moderated"]

    def clean_territory_code(self):
        code = self.cleaned_data["territory_code"]
        check_territory_codes([code])
        return code


@admin.register(TerritoryPolicy)
class TerritoryPolicyAdmin(admin.ModelAdmin):
    form = TerritoryPolicyForm
    list_display = ["territory_code", "owner_changes_moderated"]
    list_editable = ["owner_changes_moderated"]
    search_fields = ["territory_code"]
