"""Site-wide pages: home, health check, error pages."""

from django.db import connection
from django.db.models import Count
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache

from carto.actors.models import Actor, Initiative
from carto.errors import wants_json
from carto.territories.codes import KIND_ORDER, count_label
from carto.territories.manifest import load_manifest
from carto.territories.models import Territory


def home(request):
    counts = dict(Territory.objects.values_list("kind").annotate(n=Count("id")))
    loaded = [
        (count_label(kind, counts[kind]), counts[kind]) for kind in KIND_ORDER if counts.get(kind)
    ]
    manifest = load_manifest()
    sources = [
        {
            "title": dataset.title,
            "publisher": dataset.publisher,
            "vintage": dataset.vintage,
            "licence": manifest.licences[dataset.licence],
            "url": dataset.official_url,
        }
        for dataset in manifest.datasets.values()
    ]
    directory = {
        "actors": Actor.objects.listed().in_directory().count(),
        "initiatives": Initiative.objects.listed().count(),
    }
    return render(
        request, "home.html", {"loaded": loaded, "sources": sources, "directory": directory}
    )


@never_cache
def healthz(request):
    """200 when the database answers (used by docker-compose and load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            postgis = cursor.fetchone()[0]
    except Exception as exc:  # any database failure is "unhealthy", with its reason
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "postgis": postgis})


@cache_control(public=True, max_age=86400)
def favicon(request):
    """Browsers ask /favicon.ico of pages that name no icon (the API's HTML, for one)."""
    return HttpResponsePermanentRedirect(static("carto/favicon.svg"))


def not_found(request, exception=None):
    message = (
        str(exception.args[0])
        if exception and exception.args and isinstance(exception.args[0], str)
        else ""
    )
    if wants_json(request):
        return JsonResponse(
            {"detail": message or f"Aucune ressource à l'adresse {request.path}."}, status=404
        )
    return render(request, "404.html", {"message": message}, status=404)


def server_error(request):
    if wants_json(request):
        return JsonResponse({"detail": "Erreur interne du serveur."}, status=500)
    return HttpResponse("<h1>Erreur interne du serveur</h1>", status=500)
