"""Admin of the reference geography: read-only, since only the importer writes it (a
territory edited by hand would disagree with its subdivided parts and with the codes
stored on every actor), and the record of each dataset load with its counts.

`MapAdmin` is the base of every admin with a map widget (django-leaflet)."""

from csp.constants import NONCE
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdminMixin

from .models import DatasetLoad, Territory


class MapAdmin(LeafletGeoAdminMixin):
    """Leaflet widgets for geometries; their set-up scripts are inline, so the pages that
    show them allow scripts carrying this response's nonce, and no other inline script."""

    def changeform_view(self, request, *args, **kwargs):
        response = super().changeform_view(request, *args, **kwargs)
        response._csp_update = {"script-src": [NONCE]}
        return response


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Territory)
class TerritoryAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "code", "population", "departement_code", "vintage"]
    list_filter = ["kind", "vintage", "departement_code"]
    search_fields = ["name", "code"]
    # The outline is drawn on the territory's sheet: printed here it would be megabytes.
    exclude = ["geom", "anchor"]
    readonly_fields = ["sheet", "updated_at"]
    show_full_result_count = False

    @admin.display(description="fiche et carte")
    def sheet(self, territory) -> str:
        url = reverse("territory-sheet", kwargs={"kind": territory.kind, "code": territory.code})
        return format_html('<a href="{}">{}</a>', url, url)


@admin.register(DatasetLoad)
class DatasetLoadAdmin(ReadOnlyAdmin):
    """Each import of a dataset of the manifest: its file, checksum and counts."""

    list_display = ["dataset", "scope", "file", "counts", "loaded_at"]
    list_filter = ["dataset"]
    search_fields = ["dataset", "file"]
    ordering = ["-loaded_at"]
    date_hierarchy = "loaded_at"
