from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

api_v1 = [
    path("", include("carto.territories.api.urls")),
    path("", include("carto.actors.api.urls")),
    path("", include("carto.planning.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("ogc/", include("carto.layers.ogc.urls")),
    path("", include("carto.layers.urls")),
    path("", include("carto.planning.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "carto.views.not_found"
handler500 = "carto.views.server_error"
