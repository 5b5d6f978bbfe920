from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from carto.agenda import views as agenda_views

from . import views

api_v1 = [
    path("", include("carto.territories.api.urls")),
    path("", include("carto.actors.api.urls")),
    path("", include("carto.planning.api.urls")),
    path("", include("carto.agenda.api.urls")),
    path("moderation/", include("carto.contributions.moderation.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema.json", SpectacularJSONAPIView.as_view(), name="schema-json"),
    # The split view serves Swagger UI's set-up as a script of its own: no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc's bundle styles itself with <style> elements it creates (styled-components),
    # which no nonce can reach, and searches in a worker it builds from a blob: this page
    # alone allows both. It shows the schema only, no data; scripts stay 'self'. (Its
    # footer's logo on cdn.redoc.ly stays blocked.)
    path(
        "redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("api/v1/", include(api_v1)),
    path("ogc/", include("carto.layers.ogc.urls")),
    path("", include("carto.layers.urls")),
    path("", include("carto.planning.urls")),
    path("", include("carto.contributions.urls")),
    path("agenda/", include("carto.agenda.urls")),
    path("experiences/", agenda_views.experiences, name="experiences"),
    path("", include("carto.agenda.credits.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "carto.views.not_found"
handler500 = "carto.views.server_error"
