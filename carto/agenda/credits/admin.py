"""Admin of the credit exchange: the coalition names the référents here; the rules and
themes are edited here or on the exchange's pages (referents.py), with their history.
The ledger itself is read-only: transactions are written by the services only (an admin
action reverses one, idempotently), entries never change; claims are decided on the pages."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Account, Entry, Exchange, ExchangeTheme, Transaction, VolunteeringClaim


@admin.register(Exchange)
class ExchangeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "currency", "teaching_rate", "volunteering_rate", "attendance_rate", "floor"]  # fmt: skip
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["referents"]

    def has_delete_permission(self, request, obj=None):
        return False  # its accounts and ledger are kept (PROTECT)


@admin.register(ExchangeTheme)
class ExchangeThemeAdmin(SimpleHistoryAdmin):
    list_display = ["label", "exchange", "active", "put_online_by"]
    list_filter = ["exchange", "active"]
    prepopulated_fields = {"slug": ["label"]}
    readonly_fields = ["put_online_by"]
    search_fields = ["label"]

    def save_model(self, request, obj, form, change):
        if obj.put_online_by_id is None:
            obj.put_online_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "exchange", "kind", "balance", "erased_at"]
    list_filter = ["exchange", "kind"]
    search_fields = ["pseudonym"]
    raw_id_fields = ["holder", "actor"]
    readonly_fields = ["balance", "created_at", "erased_at"]
    actions = ["erase"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["exchange", "kind"] if obj else []
        return [*fixed, *self.readonly_fields]

    @admin.action(description="Effacer le titulaire (droit à l’effacement)")
    def erase(self, request, queryset):
        erased = 0
        for account in queryset.exclude(kind="issuer").filter(erased_at__isnull=True):
            services.erase_holder(account)
            erased += 1
        self.message_user(request, f"{erased} compte(s) effacé(s) ; leurs écritures restent.")


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "exchange", "kind", "memo", "reference"]
    list_filter = ["exchange", "kind"]
    search_fields = ["idempotency_key", "reference", "memo"]
    date_hierarchy = "created_at"
    inlines = [EntryInline]
    actions = ["reverse"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Transaction._meta.fields]

    def has_add_permission(self, request):
        return False  # services.post alone writes balanced, idempotent transactions

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_reverse_permission(self, request):
        return request.user.has_perm("credits.add_transaction")

    @admin.action(description="Contre-passer (sans découvert)", permissions=["reverse"])
    def reverse(self, request, queryset):
        for original in queryset.select_related("exchange"):
            try:
                done = services.reverse(
                    original,
                    key=f"admin-reversal:{original.pk}",
                    reason="contre-passation depuis l’administration",
                    by=request.user,
                )
            except services.LedgerError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, f"{original} contre-passée : {done}.")


@admin.register(VolunteeringClaim)
class VolunteeringClaimAdmin(admin.ModelAdmin):
    """Read-only: claims are declared and decided on the exchange's pages (volunteering.py),
    where a validation pays once and never the référent's own hours."""

    list_display = ["day", "account", "hours", "state", "decided_by", "exchange"]
    list_filter = ["exchange", "state"]
    search_fields = ["account__pseudonym", "description"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in VolunteeringClaim._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
