from django.urls import path

from . import views
from .siting import SitingView
from .tours import TourView

urlpatterns = [
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("coverage/gaps/", views.GapsView.as_view(), name="coverage-gaps"),
    path("planning/siting/", SitingView.as_view(), name="planning-siting"),
    path("planning/tours/", TourView.as_view(), name="planning-tours"),
]
