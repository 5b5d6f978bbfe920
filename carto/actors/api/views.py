"""Directory API: actors and initiatives as GeoJSON built by PostGIS (or CSV),
their details, and the taxonomy with counts."""

import json

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.db.models import Count, Func
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from carto import csv_export
from carto.api import (
    CachedGetMixin,
    QueryParams,
    geojson_response,
    paged_feature_collection,
    parse_query,
)
from carto.openapi import CSV, GEOJSON, JSON, csv_document, errors
from carto.territories.querysets import zoom_tolerance

from ..functions import ActorFeature, InitiativeFeature, distance_or_null
from ..geocoding import BanClient, GeocodingError
from ..models import Actor, ActorKind, Initiative, Public, Theme
from .params import DirectoryParams, InitiativeParams
from .schemas import (
    ACTOR_COLLECTION,
    ACTOR_DETAIL,
    GEOCODE,
    INITIATIVE_COLLECTION,
    INITIATIVE_DETAIL,
    TAXONOMY,
)
from .serializers import ActorDetailSerializer, InitiativeDetailSerializer

CSV_CAP = 50_000
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["geojson", "csv"], description="csv : export tabulaire."
)


def list_responses(collection: dict) -> dict:
    return {
        (200, GEOJSON): collection,
        (200, CSV): csv_document("Export tabulaire (format=csv), au plus 50 000 lignes."),
        **errors(404),
    }


class DirectoryListView(CachedGetMixin, APIView):
    """A paginated FeatureCollection (page_size ≤ 500) or a CSV export (≤ 50 000 rows)."""

    params_class = DirectoryParams
    csv_columns: list[tuple[str, str]] = []

    def base_queryset(self):
        raise NotImplementedError

    def feature(self, queryset, params):
        raise NotImplementedError

    def csv_rows(self, queryset):
        raise NotImplementedError

    def get(self, request):
        params = parse_query(self.params_class, request)
        queryset = self.base_queryset().matching(params)
        export = request.query_params.get("format", "geojson")
        if export not in ("geojson", "csv"):
            return Response(
                {
                    "detail": f"Requête invalide — paramètre « format » : « {export} » inconnu (geojson ou csv)."
                },
                status=400,
            )
        if export == "csv":
            return self.csv_response(queryset, queryset.count())
        return paged_feature_collection(
            request, queryset, self.feature(queryset, params), params["page"], params["page_size"]
        )

    def csv_response(self, queryset, count: int) -> HttpResponse:
        return csv_export.response(
            [title for _key, title in self.csv_columns],
            self.csv_rows(queryset[:CSV_CAP]),
            self.csv_filename,
            {"X-Total-Count": str(count), "X-Truncated": "true" if count > CSV_CAP else "false"},
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="actors_list",
        summary="Acteurs publiés (GeoJSON ou CSV)",
        description=(
            "Une FeatureCollection paginée (`page_size` ≤ 500), ou avec `format=csv` un export "
            "tabulaire (au plus 50 000 lignes ; en-têtes X-Total-Count et X-Truncated). Avec "
            "`near`, du plus proche au plus lointain, chaque acteur avec `distance_m`."
        ),
        parameters=[DirectoryParams, FORMAT_PARAMETER],
        responses=list_responses(ACTOR_COLLECTION),
        tags=["annuaire"],
    )
)
class ActorListView(DirectoryListView):
    csv_filename = "acteurs.csv"
    csv_columns = [
        ("id", "id"), ("name", "nom"), ("kind_id", "type"), ("themes", "themes"), ("publics", "publics"),
        ("address", "adresse"), ("postcode", "code_postal"), ("city", "commune"), ("commune_code", "code_commune"),
        ("epci_code", "epci"), ("bv_code", "bassin_de_vie"), ("departement_code", "departement"),
        ("region_code", "region"), ("qpv_codes", "qpv"), ("qpv_near_codes", "qpv_300m"), ("lon", "lon"),
        ("lat", "lat"), ("precision", "precision"), ("opening_hours", "horaires"), ("email", "courriel"),
        ("phone", "telephone"), ("website", "site_web"), ("itinerant", "itinerant"), ("source", "source"),
        ("source_id", "identifiant_source"), ("distance_m", "distance_m"),
    ]  # fmt: skip

    def base_queryset(self):
        return Actor.objects.listed()

    def feature(self, queryset, params):
        return ActorFeature(distance_or_null(queryset))

    def csv_rows(self, queryset):
        for actor in queryset.select_related(None).defer("search", "description", "service_area"):
            values = []
            for key, _title in self.csv_columns:
                if key == "lon":
                    values.append(round(actor.location.x, 6))
                elif key == "lat":
                    values.append(round(actor.location.y, 6))
                elif key == "distance_m":
                    distance = getattr(actor, "distance_m", None)
                    values.append(None if distance is None else round(distance, 1))
                else:
                    values.append(getattr(actor, key))
            yield values


@extend_schema_view(
    get=extend_schema(
        operation_id="initiatives_list",
        summary="Initiatives publiées (GeoJSON ou CSV)",
        description="Géométrie : l'empreinte (simplifiée selon `zoom`), sinon le lieu de la structure organisatrice.",
        parameters=[InitiativeParams, FORMAT_PARAMETER],
        responses=list_responses(INITIATIVE_COLLECTION),
        tags=["annuaire"],
    )
)
class InitiativeListView(DirectoryListView):
    params_class = InitiativeParams
    csv_filename = "initiatives.csv"
    csv_columns = [
        ("id", "id"), ("title", "titre"), ("action_status", "statut"), ("dimension", "dimension"),
        ("themes", "themes"), ("publics", "publics"), ("organizer", "structure_organisatrice"),
        ("territory_scope", "territoire_concerne"), ("footprint_codes", "empreinte"), ("period", "periode"),
        ("url", "lien"), ("source", "source"), ("source_id", "identifiant_source"), ("distance_m", "distance_m"),
    ]  # fmt: skip

    def base_queryset(self):
        return Initiative.objects.listed()

    def feature(self, queryset, params):
        tolerance, _digits = zoom_tolerance(params.get("zoom"))
        return InitiativeFeature(tolerance, distance_or_null(queryset))

    def csv_rows(self, queryset):
        for initiative in queryset.select_related("organizer").defer("search", "footprint"):
            values = []
            for key, _title in self.csv_columns:
                value = getattr(initiative, key, None)
                if key == "organizer":
                    value = initiative.public_organizer.name if initiative.public_organizer else ""
                elif key == "distance_m" and value is not None:
                    value = round(value, 1)
                values.append(value)
            yield values


class DetailView(CachedGetMixin, APIView):
    """One listed entry as a GeoJSON Feature, or a JSON 404 that names the id."""

    serializer_class: type
    missing = ""

    def entry(self, pk: int):
        raise NotImplementedError

    def get(self, request, pk: int):
        entry = self.entry(pk)
        if entry is None:
            raise Http404(self.missing.format(pk=pk))
        data = self.serializer_class(entry).data
        return geojson_response(json.dumps(data, ensure_ascii=False, default=str))


@extend_schema_view(
    get=extend_schema(
        operation_id="actors_detail",
        summary="Un acteur (Feature GeoJSON)",
        responses={(200, GEOJSON): ACTOR_DETAIL, **errors(404)},
        tags=["annuaire"],
    )
)
class ActorDetailView(DetailView):
    serializer_class = ActorDetailSerializer
    missing = "Aucun acteur publié ne porte l'identifiant {pk}."

    def entry(self, pk: int):
        queryset = Actor.objects.listed().select_related("kind", "parent", "duplicate_of")
        return queryset.filter(pk=pk).first()


@extend_schema_view(
    get=extend_schema(
        operation_id="initiatives_detail",
        summary="Une initiative (Feature GeoJSON)",
        responses={(200, GEOJSON): INITIATIVE_DETAIL, **errors(404)},
        tags=["annuaire"],
    )
)
class InitiativeDetailView(DetailView):
    serializer_class = InitiativeDetailSerializer
    missing = "Aucune initiative publiée ne porte l'identifiant {pk}."

    def entry(self, pk: int):
        """Its geometry: the footprint, else its place, else its listed organiser's."""
        initiative = (
            Initiative.objects.listed()
            .select_related("organizer")
            .annotate(
                display_geometry=Coalesce("footprint", "location", output_field=GeometryField())
            )
            .filter(pk=pk)
            .first()
        )
        if initiative and initiative.display_geometry is None and initiative.public_organizer:
            initiative.display_geometry = initiative.public_organizer.location
        return initiative


class TaxonomyView(CachedGetMixin, APIView):
    """Kinds, themes and publics with the number of published actors (and initiatives)."""

    @extend_schema(
        operation_id="taxonomy",
        summary="Types, thèmes et publics, avec leurs effectifs",
        description="Les vocabulaires de l'annuaire et le nombre d'acteurs (et d'initiatives) publiés pour chacun.",
        responses={(200, JSON): TAXONOMY},
        tags=["annuaire"],
    )
    def get(self, request):
        actors = Actor.objects.listed().in_directory()
        initiatives = Initiative.objects.listed()
        # Per kind, what a visitor asking for it sees: host places (town halls) included.
        kind_counts = dict(
            Actor.objects.listed().values_list("kind").annotate(n=Count("id")).order_by()
        )

        def unnest_counts(queryset, column):
            return dict(
                queryset.annotate(slug=Func(column, function="unnest"))
                .values_list("slug")
                .annotate(n=Count("id"))
            )

        def terms(model, actor_counts, initiative_counts=None):
            rows = []
            for term in model.objects.all():
                row = {
                    "slug": term.slug,
                    "label": term.label,
                    "actors": actor_counts.get(term.slug, 0),
                }
                if isinstance(term, ActorKind):
                    row["typology"] = term.typology
                if initiative_counts is not None:
                    row["initiatives"] = initiative_counts.get(term.slug, 0)
                rows.append(row)
            return rows

        return Response(
            {
                "kinds": terms(ActorKind, kind_counts),
                "themes": terms(
                    Theme, unnest_counts(actors, "themes"), unnest_counts(initiatives, "themes")
                ),
                "publics": terms(
                    Public, unnest_counts(actors, "publics"), unnest_counts(initiatives, "publics")
                ),
                "totals": {"actors": actors.count(), "initiatives": initiatives.count()},
            }
        )


class GeocodeParams(QueryParams):
    q = serializers.CharField(min_length=3, max_length=200, help_text="Une adresse.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=10, default=5)


class GeocodeView(CachedGetMixin, APIView):
    """Addresses for the map's « Près de » box, from the Base Adresse Nationale when
    CARTO_GEOCODER_URL is set; offline, no address (the territory search gives communes)."""

    @extend_schema(
        operation_id="geocode",
        summary="Recherche d'adresses (Base Adresse Nationale)",
        description=(
            "Les adresses proposées par la Base Adresse Nationale quand le serveur a un géocodeur "
            "(`available`) ; sinon aucune (la recherche de territoires donne les communes)."
        ),
        parameters=[GeocodeParams],
        responses={(200, JSON): GEOCODE, **errors(502)},
        tags=["annuaire"],
    )
    def get(self, request):
        params = parse_query(GeocodeParams, request)
        if not settings.CARTO_GEOCODER_URL:
            return Response({"q": params["q"], "available": False, "results": []})
        client = BanClient(settings.CARTO_GEOCODER_URL, settings.CARTO_GEOCODER_TIMEOUT)
        try:
            results = client.search(params["q"], limit=params["limit"])
        except GeocodingError as exc:
            return Response({"detail": f"Géocodage indisponible : {exc}"}, status=502)
        return Response(
            {
                "q": params["q"],
                "available": True,
                "results": [
                    {
                        "label": r.label,
                        "center": [r.lon, r.lat],
                        "precision": r.precision,
                        "citycode": r.citycode,
                    }
                    for r in results
                ],
            }
        )
