from django.urls import path

from . import views

urlpatterns = [
    path("territoire/<str:kind>/<str:code>/", views.territoire, name="territory-sheet"),
    path("planifier/", views.planifier, name="planner"),
]
