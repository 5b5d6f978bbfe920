"""Serializers of the territory API: details (drf-gis), search and locate summaries.
Collections are not serialised here: PostGIS builds them (see views.TerritoryListView)."""

from django.db.models import F
from django.urls import reverse
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..functions import SimplifyPreserveTopology
from ..models import Territory


def territory_url(territory: Territory, request=None) -> str:
    path = reverse("territory-detail", kwargs={"kind": territory.kind, "code": territory.code})
    return request.build_absolute_uri(path) if request else path


def parents_of(territory: Territory) -> dict[str, str]:
    parents = {
        "region": territory.region_code,
        "departement": territory.departement_code,
        "epci": territory.epci_code,
        "bv": territory.bv_code,
    }
    return {kind: code for kind, code in parents.items() if code}


class TerritorySummarySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Territory
        fields = ["kind", "kind_label", "code", "name", "population", "url"]

    def get_url(self, territory) -> str:
        return territory_url(territory, self.context.get("request"))


class TerritorySearchResultSerializer(TerritorySummarySerializer):
    label = serializers.SerializerMethodField()
    departement = serializers.CharField(source="departement_code")
    center = serializers.SerializerMethodField()
    bbox = serializers.SerializerMethodField()

    class Meta(TerritorySummarySerializer.Meta):
        fields = [*TerritorySummarySerializer.Meta.fields, "label", "departement", "center", "bbox"]

    def get_label(self, territory) -> str:
        """What an autocomplete shows: « Lens (62) », « Lens (bassin de vie) », « Cité 12-14 (QPV, 62) »."""
        departement = territory.departement_code or "/".join(territory.departement_codes)
        if territory.kind == "commune":
            return f"{territory.name} ({departement})"
        if territory.kind == "departement":
            return f"{territory.name} ({territory.code})"
        if territory.kind == "bv":
            return f"{territory.name} (bassin de vie)"
        if territory.kind == "qpv":
            return f"{territory.name} (QPV, {departement})"
        return territory.name

    def get_center(self, territory) -> list[float] | None:
        return (
            [round(territory.anchor.x, 6), round(territory.anchor.y, 6)]
            if territory.anchor
            else None
        )

    def get_bbox(self, territory) -> list[float] | None:
        envelope = getattr(territory, "envelope", None)
        return [round(v, 6) for v in envelope.extent] if envelope else None


class TerritoryFeatureSerializer(GeoFeatureModelSerializer):
    """One territory as a GeoJSON Feature, geometry simplified for `zoom` (context)."""

    geometry = GeometryField(source="display_geom", precision=6)
    kind_label = serializers.CharField(source="get_kind_display")
    parents = serializers.SerializerMethodField()
    departements = serializers.ListField(source="departement_codes", child=serializers.CharField())
    communes = serializers.ListField(source="commune_codes", child=serializers.CharField())
    has_outline = serializers.SerializerMethodField()
    center = serializers.SerializerMethodField()

    class Meta:
        model = Territory
        geo_field = "geometry"
        id_field = False
        bbox_geo_field = "geom"
        fields = [
            "kind", "kind_label", "code", "name", "population", "commune_count", "parents",
            "departements", "communes", "has_outline", "center", "vintage", "source",
        ]  # fmt: skip

    def get_parents(self, territory) -> dict[str, str]:
        return parents_of(territory)

    def get_has_outline(self, territory) -> bool:
        return territory.geom is not None

    def get_center(self, territory) -> list[float] | None:
        return (
            [round(territory.anchor.x, 6), round(territory.anchor.y, 6)]
            if territory.anchor
            else None
        )

    def to_representation(self, instance):
        feature = super().to_representation(instance)
        feature["id"] = f"{instance.kind}:{instance.code}"
        return feature


def with_display_geometry(queryset, tolerance: float):
    """Annotate `display_geom`: the outline simplified to `tolerance` degrees (0: as stored)."""
    if tolerance <= 0:
        return queryset.annotate(display_geom=F("geom"))
    return queryset.annotate(display_geom=SimplifyPreserveTopology("geom", tolerance))
