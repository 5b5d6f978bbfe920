"""Query parameters of the territory API, validated with messages that name them."""

from rest_framework import serializers

from carto.api import BBoxField, QueryParams

from ..codes import Kind

MAX_ZOOM = 22
DEFAULT_PAGE_SIZE = 5000
MAX_PAGE_SIZE = 10000
MAX_SEARCH_RESULTS = 50


class ZoomParams(QueryParams):
    zoom = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ZOOM,
        help_text="Niveau de zoom de la carte (0 à 22) : les contours sont simplifiés à la taille d'un pixel.",
    )


class TerritoryListParams(ZoomParams):
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.choices),
        required=False,
        help_text="Type(s) de territoire : region, departement, epci, commune, bv, qpv (répétable).",
    )
    bbox = BBoxField(required=False, help_text="Emprise minlon,minlat,maxlon,maxlat (WGS84).")
    departement = serializers.ListField(
        child=serializers.RegexField(r"^(\d{2}|2[ABab]|97\d)$"),
        required=False,
        help_text="Territoires situés dans ce(s) département(s) (répétable).",
    )
    fallback = serializers.ChoiceField(
        choices=["commune"],
        required=False,
        help_text="commune : un QPV sans contour connu est dessiné comme sa ou ses communes.",
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


class LocateParams(QueryParams):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="Longitude WGS84.")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude WGS84.")


class SearchParams(QueryParams):
    q = serializers.CharField(
        min_length=1,
        max_length=100,
        trim_whitespace=True,
        help_text="Nom ou code, accents facultatifs.",
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.choices),
        required=False,
        help_text="Type(s) (répétable).",
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_SEARCH_RESULTS, default=10
    )
