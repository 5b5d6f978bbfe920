from django.urls import path

from . import views
from .export import DataInclusionStructuresExport, LmnPlacesCsvExport, LmnPlacesExport

urlpatterns = [
    path("actors/", views.ActorListView.as_view(), name="actor-list"),
    path("actors/<int:pk>/", views.ActorDetailView.as_view(), name="actor-detail"),
    path("initiatives/", views.InitiativeListView.as_view(), name="initiative-list"),
    path("initiatives/<int:pk>/", views.InitiativeDetailView.as_view(), name="initiative-detail"),
    path("taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("geocode/", views.GeocodeView.as_view(), name="geocode"),
    path(
        "export/data-inclusion/structures.json",
        DataInclusionStructuresExport.as_view(),
        name="export-data-inclusion",
    ),
    path("export/lmn/lieux.json", LmnPlacesExport.as_view(), name="export-lmn"),
    path("export/lmn/lieux.csv", LmnPlacesCsvExport.as_view(), name="export-lmn-csv"),
]
