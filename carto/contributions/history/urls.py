"""Routes of entries' history (moderators) and of owners' links.

The owners' pages live here until the contributions' urls give them a module of their own."""

from django.urls import path

from . import owner_views, views

urlpatterns = [
    path("historique/<str:kind>/<int:pk>/", views.history, name="history"),
    path(
        "historique/<str:kind>/<int:pk>/retour/<int:history_id>/",
        views.revert_to,
        name="history-revert",
    ),
    path("proprietaire/<str:token>/", owner_views.edit, name="owner-edit"),
    path("proprietaire/<str:token>/nouveau-lien/", owner_views.rotate, name="owner-rotate"),
]
