from django.urls import path

from . import views
from .tiles import views as tiles

urlpatterns = [
    path("carte/", views.carte, name="map"),
    path("carte/imprimer/", views.imprimer, name="map-print"),
    path("embed/", views.embed, name="embed"),
    path("embed/configurateur/", views.configurateur, name="embed-configurator"),
    path("embed.js", views.embed_js, name="embed-js"),
    path("tiles/actors/<int:z>/<int:x>/<int:y>.pbf", tiles.actor_tile, name="tiles-actors"),
    path("tiles/actors.json", tiles.actor_tilejson, name="tiles-actors-tilejson"),
    path(
        "tiles/territories/<str:kind>/<int:z>/<int:x>/<int:y>.pbf",
        tiles.territory_tile,
        name="tiles-territories",
    ),
    path(
        "tiles/territories/<str:kind>.json",
        tiles.territory_tilejson,
        name="tiles-territories-tilejson",
    ),
]
