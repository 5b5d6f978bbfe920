"""Routes of the moderation: signing in, the queue, a proposal and its decisions, « à
vérifier » (see views and verify)."""

from django.contrib.auth.views import LogoutView
from django.urls import path, re_path

from . import verify, views

urlpatterns = [
    path("moderation/connexion/", views.Login.as_view(), name="moderation-login"),
    path("moderation/deconnexion/", LogoutView.as_view(), name="moderation-logout"),
    path("moderation/", views.queue, name="moderation-queue"),
    path("moderation/proposition/<int:pk>/", views.detail, name="moderation-proposal"),
    path("moderation/proposition/<int:pk>/modifier/", views.edit, name="moderation-edit"),
    re_path(
        r"^moderation/proposition/(?P<pk>[0-9]+)/(?P<action>publier|appliquer|refuser|doublon)/$",
        views.decide,
        name="moderation-decide",
    ),
    path("moderation/a-verifier/", verify.to_verify, name="moderation-verify"),
    path("moderation/a-verifier/<int:pk>/confirmer/", verify.confirm, name="moderation-confirm"),
    path("moderation/a-verifier/<int:pk>/placer/", verify.place, name="moderation-place"),
]
