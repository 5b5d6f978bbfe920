from django.urls import path

from . import views

urlpatterns = [
    path("events/", views.EventListView.as_view(), name="api-events"),
    path("events/feed.ics", views.EventFeedView.as_view(), name="api-events-feed"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="api-event-detail"),
]
