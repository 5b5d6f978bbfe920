"""carto's URLs plus the naive views, for the benchmark's naive server only."""

from django.urls import include, path

from bench.naive import NaiveActorList

urlpatterns = [
    path("bench/naive/actors/", NaiveActorList.as_view(), name="bench-naive-actors"),
    path("", include("carto.urls")),
]

handler404 = "carto.views.not_found"
handler500 = "carto.views.server_error"
