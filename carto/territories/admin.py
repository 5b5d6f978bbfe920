from django.contrib.gis import admin

from .models import DatasetLoad, Territory


@admin.register(Territory)
class TerritoryAdmin(admin.GISModelAdmin):
    list_display = ["name", "kind", "code", "population", "departement_code", "vintage"]
    list_filter = ["kind", "vintage", "departement_code"]
    search_fields = ["name", "code"]
    readonly_fields = ["updated_at"]


@admin.register(DatasetLoad)
class DatasetLoadAdmin(admin.ModelAdmin):
    list_display = ["dataset", "scope", "sha256", "loaded_at"]
    readonly_fields = ["dataset", "scope", "file", "sha256", "counts", "loaded_at"]
