"""Directory API: actors and initiatives as GeoJSON built by PostGIS (or CSV),
their details, and the taxonomy with counts.

The collections are the hot path (the map, « autour de moi », partner sites): each page is
one SQL statement (pages.py) behind a cheap parameter parser, outside DRF's request cycle;
details, taxonomy and exports go through DRF as usual."""

import json

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.db import OperationalError
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
    cache_publicly,
    cursor_url,
    feature_collection,
    filters_digest,
    geojson_response,
    gzipped,
    invalid,
    not_found,
    page_url,
    parse_fields,
    parse_query,
    read_cursor,
    sign_cursor,
)
from carto.errors import database_unavailable
from carto.openapi import CSV, GEOJSON, JSON, csv_document, errors
from carto.territories.querysets import zoom_tolerance

from ..geocoding import BanClient, GeocodingError
from ..models import Actor, ActorKind, Initiative, Public, Theme
from . import pages
from .pages import ACTORS, INITIATIVES
from .params import ActorParams, DirectoryParams, InitiativeParams
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
PAGING_DESCRIPTION = (
    "Au plus 5 000 objets par réponse, quel que soit `page_size` ; `truncated` dit si d'autres "
    "suivent, et `next` donne la page suivante par un curseur opaque (`cursor`), à toute "
    "profondeur ; `page` ne va pas au-delà des 10 000 premiers résultats. `count` compte les "
    "résultats jusqu'à 10 000 (`count_exact` faux au-delà : c'est alors un minimum) ; autour "
    "d'un point sans `radius_km`, tout l'annuaire correspond et rien n'est compté."
)


def list_responses(collection: dict) -> dict:
    return {
        (200, GEOJSON): collection,
        (200, CSV): csv_document("Export tabulaire (format=csv), au plus 50 000 lignes."),
        **errors(404),
    }


def past_the_end(page: int, size: int, count: int) -> str:
    if count > pages.count_limit():
        return f"Page {page} au-delà de la dernière pour plus de {pages.thousands(count - 1)} résultats."
    return (
        f"Page {page} au-delà de la dernière ({max(1, -(-count // size))}) pour {count} résultats."
    )


class DirectoryListView(CachedGetMixin, APIView):
    """A FeatureCollection built by one SQL statement (pages.py), or a CSV export (≤ 50 000
    rows). The GeoJSON path leaves DRF's request cycle (dispatch): its parameters are
    parsed by `parse_fields`, its errors keep the API's format; DRF serves the CSV and
    the schema."""

    params_class = DirectoryParams
    entity = ACTORS
    csv_columns: list[tuple[str, str]] = []

    def base_queryset(self):
        raise NotImplementedError

    def csv_rows(self, queryset):
        raise NotImplementedError

    def tolerance(self, params) -> float:
        return 0.0

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD") and request.GET.get("format", "geojson") != "csv":
            try:
                return gzipped(request, cache_publicly(self.collection(request)))
            except serializers.ValidationError as exc:
                return invalid(exc.detail)
            except OperationalError as exc:
                return database_unavailable(request, exc)
        return super().dispatch(request, *args, **kwargs)

    def collection(self, request) -> HttpResponse:
        query = request.GET
        params = parse_fields(self.params_class, query)
        export = query.get("format", "geojson")
        if export != "geojson":
            raise serializers.ValidationError(
                {"format": [f"« {export} » inconnu (geojson ou csv)"]}
            )
        size = min(params["page_size"], pages.max_features())
        mode = pages.mode_of(params)
        order = f"{self.entity.table}:{mode}"  # what a cursor is made for
        digest = filters_digest(query)
        page = params["page"]
        if "cursor" in params:
            if "page" in query:
                raise serializers.ValidationError(
                    {"page": ["page et cursor s'excluent : le curseur donne déjà la page"]}
                )
            state = read_cursor(params["cursor"], digest, order, pages.key_kinds(self.entity, mode))
            window = pages.Window(
                size, after=tuple(state["k"]), position=state["p"], count=state["c"],
                exact=state["x"],
            )  # fmt: skip
            page = None
        else:
            offset = (page - 1) * size
            if offset >= pages.max_offset():
                # Past the end, a 404 that says where the end is; else too deep for a page.
                count = pages.count_matches(self.entity, params)
                if count <= pages.count_limit() and offset >= count:
                    return not_found(past_the_end(page, size, count))
                raise serializers.ValidationError({"page": [pages.too_deep()]})
            window = pages.Window(size, offset=offset, position=offset)
        result = pages.fetch(
            self.entity, params, window, params.get("properties"), self.tolerance(params)
        )
        if page is not None and page > 1 and result.returned == 0:
            count = pages.count_matches(self.entity, params)
            return not_found(past_the_end(page, size, count))
        position = window.position + result.returned
        envelope = {
            "count": result.count,
            "count_exact": result.exact,
            "numberReturned": result.returned,
            "page": page if page is not None else window.position // size + 1,
            "page_size": size,
            "truncated": result.more,
            "next": None,
            "previous": page_url(request, page - 1) if page is not None and page > 1 else None,
        }
        if result.more:
            token = sign_cursor(
                {"m": order, "f": digest, "k": json.loads(result.last_key), "p": position,
                 "c": result.count, "x": result.exact}
            )  # fmt: skip
            envelope["next"] = cursor_url(request, token)
        return geojson_response(feature_collection(envelope, [result.features]))

    def get(self, request):
        """The CSV export (the GeoJSON never reaches DRF: see dispatch)."""
        params = parse_query(self.params_class, request)
        queryset = self.base_queryset().matching(params)
        return self.csv_response(queryset, queryset.count())

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
            "Une FeatureCollection paginée, ou avec `format=csv` un export tabulaire (au plus "
            "50 000 lignes ; en-têtes X-Total-Count et X-Truncated). Par identifiant ; avec `q`, "
            "les plus pertinents d'abord ; avec `near`, du plus proche au plus lointain, chaque "
            "acteur avec `distance_m`. " + PAGING_DESCRIPTION + " Pour la carte, `properties` "
            "allège chaque objet (par exemple `properties=kind` : environ 15 octets par acteur "
            "compressé) ; la fiche complète est à /api/v1/actors/<id>/."
        ),
        parameters=[ActorParams, FORMAT_PARAMETER],
        responses=list_responses(ACTOR_COLLECTION),
        tags=["annuaire"],
    )
)
class ActorListView(DirectoryListView):
    params_class = ActorParams
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
        description=(
            "Géométrie : l'empreinte (simplifiée selon `zoom`), sinon le lieu de la structure "
            "organisatrice. Par identifiant ; avec `q`, les plus pertinentes d'abord ; avec "
            "`near`, de la plus proche à la plus lointaine. " + PAGING_DESCRIPTION
        ),
        parameters=[InitiativeParams, FORMAT_PARAMETER],
        responses=list_responses(INITIATIVE_COLLECTION),
        tags=["annuaire"],
    )
)
class InitiativeListView(DirectoryListView):
    params_class = InitiativeParams
    entity = INITIATIVES
    csv_filename = "initiatives.csv"
    csv_columns = [
        ("id", "id"), ("title", "titre"), ("action_status", "statut"), ("dimension", "dimension"),
        ("themes", "themes"), ("publics", "publics"), ("organizer", "structure_organisatrice"),
        ("territory_scope", "territoire_concerne"), ("footprint_codes", "empreinte"), ("period", "periode"),
        ("url", "lien"), ("source", "source"), ("source_id", "identifiant_source"), ("distance_m", "distance_m"),
    ]  # fmt: skip

    def base_queryset(self):
        return Initiative.objects.listed()

    def tolerance(self, params) -> float:
        tolerance, _digits = zoom_tolerance(params.get("zoom"))
        return tolerance

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
