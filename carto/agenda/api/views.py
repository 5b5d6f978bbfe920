"""Agenda API: sessions as GeoJSON built by PostgreSQL (functions.session_feature), an
event as a Feature with its sessions, and iCalendar feeds of the same filters.

The collection is a window of sessions (`from`, `to`: recurrences already expanded at
write time), ordered by start; its parameters are parsed outside DRF's request cycle (as
the directory's), since `format` here names the event's format, not a renderer."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import OperationalError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from carto.api import (
    CachedGetMixin,
    QueryParams,
    cache_publicly,
    geojson_response,
    gzipped,
    invalid,
    paged_feature_collection,
    parse_fields,
)
from carto.errors import database_unavailable
from carto.openapi import GEOJSON, errors

from .. import ics
from ..functions import session_feature
from ..models import Event, Occurrence
from .params import MAX_DAYS, EventParams
from .schemas import EVENT_DETAIL, SESSION_COLLECTION

FEED_CAP = 2000
FEED_PAST_DAYS = 30


class NoParams(QueryParams):
    """An address that takes no parameter (an unknown one is refused, named)."""


ICALENDAR = "text/calendar"


def sessions(params: dict):
    return Occurrence.objects.listed().matching(params).with_places_taken()


def event_page_prefix(request) -> str:
    return request.build_absolute_uri("/agenda/evenements/")


class OutsideDrfMixin:
    """GET served by `answer` without DRF's renderer negotiation (`format` is a filter
    here); errors keep the API's JSON format."""

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            try:
                return gzipped(request, cache_publicly(self.answer(request, **kwargs)))
            except serializers.ValidationError as exc:
                return invalid(exc.detail)
            except Http404 as exc:
                return HttpResponse(
                    json.dumps({"detail": str(exc)}, ensure_ascii=False),
                    status=404,
                    content_type="application/json",
                )
            except OperationalError as exc:
                return database_unavailable(request, exc)
        return super().dispatch(request, *args, **kwargs)


class EventListView(OutsideDrfMixin, CachedGetMixin, APIView):
    @extend_schema(
        operation_id="events_list",
        summary="Séances de l'agenda (GeoJSON)",
        description=(
            "Les séances des événements publiés qui ont lieu dans la période `from`–`to` "
            "(par défaut : les 31 prochains jours ; au plus 400 jours), récurrences déjà "
            "développées, par date de début. Mêmes filtres que l'annuaire, plus `format`, "
            "`level`, `attendance`, `accessible`, `holidays` (vacances scolaires d'une zone), "
            "`organizer`, `event`. Une séance en ligne n'a pas de géométrie (null)."
        ),
        parameters=[EventParams],
        responses={(200, GEOJSON): SESSION_COLLECTION, **errors(404)},
        tags=["agenda"],
    )
    def get(self, request):
        return self.answer(request)  # reached only through DRF's schema tools

    def answer(self, request) -> HttpResponse:
        params = parse_fields(EventParams, request.GET)
        queryset = sessions(params)
        feature = session_feature(event_page_prefix(request), with_distance="near" in params)
        return paged_feature_collection(
            request, queryset, feature, params["page"], params["page_size"],
            period={"from": params["start"].isoformat(), "to": params["end"].isoformat()},
        )  # fmt: skip


class EventFeedView(OutsideDrfMixin, CachedGetMixin, APIView):
    @extend_schema(
        operation_id="events_feed",
        summary="Flux iCalendar de l'agenda (abonnement)",
        description=(
            "Les mêmes séances que /api/v1/events/ (mêmes filtres : un territoire, un thème, "
            "un organisateur…) au format iCalendar (RFC 5545), pour s'y abonner depuis un "
            "agenda. Sans `from` : des 30 derniers jours à 400 jours plus loin ; au plus 2 000 "
            "séances."
        ),
        parameters=[EventParams],
        responses={(200, "text/calendar"): {"type": "string"}, **errors(404)},
        tags=["agenda"],
    )
    def get(self, request):
        return self.answer(request)

    def answer(self, request) -> HttpResponse:
        query = request.GET.copy()
        if "from" not in query:
            since = timezone.localdate() - timedelta(days=FEED_PAST_DAYS)
            query["from"] = since.isoformat()
            if "to" not in query:  # the whole horizon ahead (within the longest window)
                query["to"] = (since + timedelta(days=MAX_DAYS - 1)).isoformat()
        params = parse_fields(EventParams, query)
        rows = sessions(params).select_related("event__organizer")[:FEED_CAP]
        name = "carto — agenda" + (
            f" ({':'.join(params['territory'])})" if params.get("territory") else ""
        )
        response = HttpResponse(ics.feed(rows, name), content_type=f"{ICALENDAR}; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="agenda.ics"'
        return response


class EventDetailView(OutsideDrfMixin, CachedGetMixin, APIView):
    @extend_schema(
        operation_id="events_detail",
        summary="Un événement et ses séances (Feature GeoJSON)",
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)],
        responses={(200, GEOJSON): EVENT_DETAIL, **errors(404)},
        tags=["agenda"],
    )
    def get(self, request, pk: int):
        return self.answer(request, pk=pk)

    def answer(self, request, pk: int) -> HttpResponse:
        parse_fields(NoParams, request.GET)
        event = Event.objects.listed().select_related("organizer").filter(pk=pk).first()
        if event is None:
            raise Http404(f"Aucun événement publié ne porte l'identifiant {pk}.")
        return geojson_response(json.dumps(event_feature(request, event), ensure_ascii=False))


def event_feature(request, event: Event) -> dict:
    upcoming = (
        event.occurrences.filter(ends_at__gt=timezone.now())
        .with_places_taken()
        .order_by("starts_at")[:100]
    )
    organizer = event.organizer if event.organizer_id and event.organizer.listed else None
    return {
        "type": "Feature",
        "id": event.pk,
        "geometry": json.loads(event.location.geojson) if event.location else None,
        "properties": {
            "id": event.pk,
            "title": event.title,
            "description": event.description,
            "format": event.format,
            "level": event.level,
            "themes": event.themes,
            "publics": event.publics,
            "attendance": event.attendance,
            "recurrence": event.recurrence,
            "place_name": event.place_name,
            "address": event.address,
            "online_url": "" if event.registration else event.online_url,
            "accessible": event.accessible,
            "organizer": {"id": organizer.pk, "name": organizer.name} if organizer else None,
            "organizer_name": event.organizer_label,
            "registration": event.registration,
            "capacity": event.capacity,
            "territory_codes": event.territory_codes,
            "initiatives": [
                {"id": i.pk, "title": i.title} for i in event.initiatives.filter(listed=True)
            ],
            "sessions": [
                {
                    "id": o.pk,
                    "starts_at": o.starts_at.isoformat(),
                    "ends_at": o.ends_at.isoformat(),
                    "cancelled": o.cancelled,
                    "places_left": None
                    if event.capacity is None
                    else max(0, event.capacity - o.places_taken),
                }
                for o in upcoming
            ],
            "url": request.build_absolute_uri(reverse("agenda-event", args=[event.pk])),
            "calendar_url": request.build_absolute_uri(
                reverse("api-events-feed") + f"?event={event.pk}"
            ),
        },
    }
