"""Routes of proposing (see the package's docstring): forms, follow page, reports, and the
JSON the forms' scripts read."""

from django.urls import path

from . import endpoints, reports, views

urlpatterns = [
    path("proposer/acteur/", views.propose_actor, name="propose-actor"),
    path("proposer/initiative/", views.propose_initiative, name="propose-initiative"),
    path("proposer/merci/", views.thanks, name="propose-thanks"),
    path("proposer/suivi/<str:token>/", views.follow, name="propose-follow"),
    path("proposer/horaires/", endpoints.hours_preview, name="propose-hours"),
    path("proposer/doublons/", endpoints.duplicates, name="propose-duplicates"),
    path("signaler/acteur/<int:pk>/", reports.report_actor, name="report-actor"),
    path("signaler/initiative/<int:pk>/", reports.report_initiative, name="report-initiative"),
]
