"""POST /api/v1/planning/tours/: an itinerant tour, ordered and scheduled, in JSON,
GeoJSON, iCalendar, CSV or as a printable roadbook (?format=)."""

import json
import logging
from datetime import time

from django.http import HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from carto import calendar
from carto.actors.models import Actor
from carto.api import TextLineField
from carto.openapi import CSV, GEOJSON, JSON, csv_document, string

from .. import tours
from ..distances import RouterError
from ..exports import to_csv, to_geojson, to_ics
from ..tours import Place, StopInput, TourError, TourRequest, plan_tour
from .schemas import TOUR, TOUR_GEOJSON

FORMATS = ["json", "geojson", "ics", "csv", "html"]
logger = logging.getLogger(__name__)


class PlaceSerializer(serializers.Serializer):
    actor = serializers.IntegerField(
        required=False, min_value=1, help_text="Un acteur publié de l'annuaire (sinon lon/lat)."
    )
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    label = TextLineField(required=False, allow_blank=True, max_length=300, default="")
    opening_hours = TextLineField(required=False, allow_blank=True, max_length=500, default="")
    duration_minutes = serializers.IntegerField(
        required=False, min_value=tours.MIN_SESSION_MINUTES, max_value=tours.MAX_SESSION_MINUTES
    )

    def validate(self, attrs):
        if "actor" not in attrs and ("lon" not in attrs or "lat" not in attrs):
            raise serializers.ValidationError(
                "un lieu est un acteur (« actor ») ou des coordonnées (« lon », « lat »)"
            )
        return attrs


class TourRequestSerializer(serializers.Serializer):
    """The request; its limits are the planner's own (carto/planning/tours.py), and the
    actors it names are fetched in one query once the sizes are known to be bounded."""

    start = PlaceSerializer()
    stops = PlaceSerializer(
        many=True,
        allow_empty=False,
        max_length=tours.MAX_STOPS,
        error_messages={
            "empty": "au moins une étape est nécessaire",
            "max_length": f"au plus {tours.MAX_STOPS} étapes par tournée",
        },
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    session_minutes = serializers.IntegerField(
        required=False,
        min_value=tours.MIN_SESSION_MINUTES,
        max_value=tours.MAX_SESSION_MINUTES,
        default=120,
    )
    day_start = serializers.TimeField(required=False, default=time(9, 0))
    day_end = serializers.TimeField(required=False, default=time(18, 0))
    speed_kmh = serializers.FloatField(
        required=False, min_value=5, max_value=tours.MAX_SPEED_KMH, default=40
    )
    return_to_start = serializers.BooleanField(required=False, default=True)
    periods = serializers.ChoiceField(choices=list(tours.PERIODS), default="any")
    zone = serializers.ChoiceField(choices=["", *calendar.ZONES], required=False, default="")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, max_length=7
    )
    max_sessions_per_day = serializers.IntegerField(
        required=False, min_value=1, max_value=tours.MAX_SESSIONS_PER_DAY, default=2
    )
    name = TextLineField(required=False, max_length=200, default="Tournée itinérante")

    def validate(self, attrs):
        places = [("start", attrs["start"])] + [
            (f"stops[{index}]", stop) for index, stop in enumerate(attrs["stops"])
        ]
        wanted = {place["actor"] for _where, place in places if "actor" in place}
        actors = Actor.objects.listed().in_bulk(wanted) if wanted else {}
        missing = {
            f"{where}.actor": [f"aucun acteur publié n° {place['actor']}"]
            for where, place in places
            if "actor" in place and place["actor"] not in actors
        }
        if missing:
            raise serializers.ValidationError(missing)
        for _where, place in places:
            if "actor" in place:
                place["_actor"] = actors[place["actor"]]
        return attrs


def _place(data: dict) -> tuple[float, float, str, str, str]:
    actor = data.get("_actor")
    if actor:
        address = ", ".join(
            p for p in (actor.address, f"{actor.postcode} {actor.city}".strip()) if p
        )
        return (
            actor.location.x,
            actor.location.y,
            data.get("label") or actor.name,
            data.get("opening_hours") or actor.opening_hours,
            address,
        )
    return data["lon"], data["lat"], data.get("label") or "Lieu", data.get("opening_hours", ""), ""


def build_request(data: dict) -> TourRequest:
    lon, lat, label, _hours, _address = _place(data["start"])
    stops = []
    for index, stop in enumerate(data["stops"]):
        s_lon, s_lat, s_label, hours, address = _place(stop)
        stops.append(
            StopInput(
                id=stop.get("actor", f"etape-{index + 1}"),
                label=s_label,
                lon=s_lon,
                lat=s_lat,
                opening_hours=hours,
                duration_minutes=stop.get("duration_minutes"),
                address=address,
            )
        )
    options = {key: data[key] for key in ("session_minutes", "day_start", "day_end", "speed_kmh", "return_to_start",
                                          "periods", "zone", "max_sessions_per_day") if key in data}  # fmt: skip
    if data.get("weekdays"):
        options["weekdays"] = tuple(data["weekdays"])
    return TourRequest(
        start=Place(lon, lat, label),
        stops=stops,
        date_from=data["date_from"],
        date_to=data["date_to"],
        **options,
    )


class TourView(APIView):
    @extend_schema(
        operation_id="planning_tours",
        summary="Planifier une tournée itinérante datée",
        description=(
            "Ordre des étapes minimisant les trajets (exact jusqu'à 10 étapes, heuristique 2-opt au-delà : "
            "la réponse dit laquelle) et calendrier des séances selon les horaires d'ouverture, les jours "
            "autorisés et les vacances scolaires. `?format=` : json, geojson, ics, csv ou html (feuille de route)."
        ),
        request=TourRequestSerializer,
        parameters=[OpenApiParameter("format", str, enum=FORMATS)],
        responses={
            (200, JSON): TOUR,
            (200, GEOJSON): TOUR_GEOJSON,
            (200, "text/calendar"): OpenApiResponse(string(), description="format=ics"),
            (200, CSV): csv_document("format=csv : une séance par ligne."),
            (200, "text/html"): OpenApiResponse(
                string(), description="format=html : feuille de route."
            ),
        },
        tags=["planification"],
    )
    def post(self, request):
        export = request.query_params.get("format", "json")
        if export not in FORMATS:
            raise ValidationError({"format": [f"« {export} » inconnu ({', '.join(FORMATS)})"]})
        params = TourRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            result = plan_tour(build_request(data))
        except TourError as exc:
            raise ValidationError({exc.field: [exc.detail]}) from None
        except RouterError as exc:
            logger.warning("tour: %s", exc)
            return Response(
                {"detail": f"Calcul d'itinéraire indisponible : {exc.public}"}, status=503
            )
        if export == "geojson":
            return HttpResponse(
                json.dumps(to_geojson(result), ensure_ascii=False),
                content_type="application/geo+json",
            )
        if export == "ics":
            response = HttpResponse(
                to_ics(result, name=data["name"]), content_type="text/calendar; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="tournee.ics"'
            return response
        if export == "csv":
            response = HttpResponse(to_csv(result), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="tournee.csv"'
            return response
        if export == "html":
            return render(
                request,
                "planning/feuille_de_route.html",
                {"result": result, "name": data["name"], "summary": result.as_dict()},
            )
        return Response(result.as_dict())
