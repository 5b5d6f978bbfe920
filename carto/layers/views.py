"""The map page, the embeddable widget, its script and configurator, and the print view.

Pages are server-rendered; the map's behaviour is our ES modules (entry point
static/carto/carte.js, the rest in static/carto/modules/) on top of Leaflet and
Leaflet.markercluster, served by us (no CDN). The embed sets no cookie and may be framed by the origins of
CARTO_EMBED_ALLOWED_ORIGINS (Content-Security-Policy: frame-ancestors).
The « Agenda » mode (and the widget's agenda preset, mode=agenda) reads the agenda's own
API (/api/v1/events/) with the map's filters: the pages only name it and its vocabularies.
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from carto.actors import taxonomy
from carto.actors.api.params import DirectoryParams
from carto.actors.importers import ACTOR_IMPORTERS, INITIATIVE_IMPORTERS
from carto.actors.models import Actor, ActorKind, Public, Theme
from carto.agenda.models import Format, Level
from carto.api import _messages

from .tiles.views import map_settings as tile_settings

PRINT_CAP = 2000


def source_titles() -> dict[str, str]:
    """The French title of each importer's source, for the sheet's « Sources »."""
    importers = {**ACTOR_IMPORTERS, **INITIATIVE_IMPORTERS}
    return {source: getattr(cls, "title", "") or source for source, cls in importers.items()}


def choices(field_choices) -> list[dict]:
    """A model's choices as the vocabularies of the page ({slug, label})."""
    return [{"slug": value, "label": label} for value, label in field_choices.choices]


def map_config(request, embed: bool) -> dict:
    """What the script needs: endpoints, basemap, vocabularies, defaults."""
    return {
        "embed": embed,
        "api": {
            "actors": reverse("actor-list"),
            "actor": reverse("actor-detail", kwargs={"pk": 0}).replace("/0/", "/{id}/"),
            "initiatives": reverse("initiative-list"),
            "territories": reverse("territory-list"),
            "territory": reverse("territory-detail", kwargs={"kind": "KIND", "code": "CODE"}),
            "search": reverse("territory-search"),
            "geocode": reverse("geocode") if settings.CARTO_GEOCODER_URL else "",
            "print": reverse("map-print"),
            "coverage": reverse("coverage"),
            "sheet": reverse("territory-sheet", kwargs={"kind": "KIND", "code": "CODE"}),
            "events": reverse("api-events"),
        },
        # The « Agenda » mode: the agenda's page for what the map cannot place (online sessions).
        "agendaPage": reverse("agenda"),
        # « Signaler une erreur » on an actor and on its initiatives (contributions.propose).
        "report": {
            "actor": reverse("report-actor", kwargs={"pk": 0}).replace("/0/", "/{id}/"),
            "initiative": reverse("report-initiative", kwargs={"pk": 0}).replace("/0/", "/{id}/"),
        },
        "tiles": {"url": settings.CARTO_TILE_URL, "attribution": settings.CARTO_TILE_ATTRIBUTION},
        "vectorTiles": tile_settings(),  # the actors as vector tiles past a threshold
        "center": [50.3, 2.8],
        "zoom": 8,
        "kinds": list(ActorKind.objects.values("slug", "label")),
        "themes": list(Theme.objects.values("slug", "label")),
        "publics": list(Public.objects.values("slug", "label")),
        "formats": choices(Format),
        "levels": choices(Level),
        "programmes": [{"slug": t.slug, "label": t.label} for t in taxonomy.PROGRAMMES],
        "sources": source_titles(),
        "pageUrl": request.build_absolute_uri(reverse("map")),
    }


@require_GET
def carte(request):
    return render(request, "layers/carte.html", {"config": map_config(request, embed=False)})


def _frame_ancestors() -> list[str]:
    origins = settings.CARTO_EMBED_ALLOWED_ORIGINS
    return ["*"] if "*" in origins else ["'self'", *origins]


@require_GET
@xframe_options_exempt
def embed(request):
    """The widget: the site-wide policy, but framable by the allowed origins."""
    response = render(request, "layers/embed.html", {"config": map_config(request, embed=True)})
    response._csp_replace = {"frame-ancestors": _frame_ancestors()}
    return response


@require_GET
@cache_control(public=True, max_age=300)
def embed_js(request):
    """The snippet partner pages include: turns each [data-carto-embed] into the widget."""
    script = render(
        request,
        "layers/embed.js",
        {"embed_url": request.build_absolute_uri(reverse("embed"))},
        content_type="application/javascript; charset=utf-8",
    )
    script["Access-Control-Allow-Origin"] = "*"
    return script


@require_GET
def configurateur(request):
    context = {
        "config": map_config(request, embed=False),
        "embed_js": request.build_absolute_uri(reverse("embed-js")),
        "embed_url": request.build_absolute_uri(reverse("embed")),
        "kinds": ActorKind.objects.all(),
        "themes": Theme.objects.all(),
        "formats": choices(Format),
    }
    return render(request, "layers/configurateur.html", context)


@require_GET
def imprimer(request):
    """The current list as a paper directory, grouped by commune (no script needed)."""
    data = {}
    for name in request.GET:
        values = request.GET.getlist(name)
        field = DirectoryParams().fields.get(name)
        data[name] = values if field is not None and hasattr(field, "child") else values[-1]
    data.pop("page", None)
    data.pop("page_size", None)
    data.pop("map", None)
    data.pop("actor", None)
    data.pop("overlays", None)
    params = DirectoryParams(data=data)
    try:
        params.is_valid(raise_exception=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{name} : {', '.join(_messages(m))}" for name, m in exc.detail.items()
        )
        return HttpResponse(
            f"Paramètres invalides — {problems}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    queryset = Actor.objects.listed().matching(params.validated_data)
    if "near" not in params.validated_data:
        queryset = queryset.order_by("city", "name")
    actors = list(queryset.select_related("kind")[:PRINT_CAP])
    return render(
        request,
        "layers/imprimer.html",
        {
            "actors": actors,
            "truncated": len(actors) == PRINT_CAP,
            "near": "near" in params.validated_data,
        },
    )
