from django.urls import include, path

urlpatterns = [
    path("", include("carto.contributions.propose.urls")),
    path("", include("carto.contributions.moderation.urls")),
    path("", include("carto.contributions.history.urls")),
]
