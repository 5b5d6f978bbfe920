from django.urls import path

from . import views

urlpatterns = [
    path("carte/", views.carte, name="map"),
    path("carte/imprimer/", views.imprimer, name="map-print"),
    path("embed/", views.embed, name="embed"),
    path("embed/configurateur/", views.configurateur, name="embed-configurator"),
    path("embed.js", views.embed_js, name="embed-js"),
]
