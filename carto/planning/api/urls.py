from django.urls import path

from . import views

urlpatterns = [
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("coverage/gaps/", views.GapsView.as_view(), name="coverage-gaps"),
]
