from django.urls import path

from . import views

urlpatterns = [
    path("territories/", views.TerritoryListView.as_view(), name="territory-list"),
    path("territories/locate/", views.TerritoryLocateView.as_view(), name="territory-locate"),
    path("territories/search/", views.TerritorySearchView.as_view(), name="territory-search"),
    path(
        "territories/<str:kind>/<str:code>/",
        views.TerritoryDetailView.as_view(),
        name="territory-detail",
    ),
]
