"""The moderation API, under /api/v1/moderation/."""

from django.urls import path

from . import api

urlpatterns = [
    path("proposals/", api.ProposalListView.as_view(), name="moderation-api-proposals"),
    path(
        "proposals/<int:pk>/publish/",
        api.PublishView.as_view(),
        name="moderation-api-publish",
    ),
    path("proposals/<int:pk>/refuse/", api.RefuseView.as_view(), name="moderation-api-refuse"),
    path("proposals/<int:pk>/apply/", api.ApplyView.as_view(), name="moderation-api-apply"),
]
