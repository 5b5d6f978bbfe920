"""Publishing a tour planned on /planifier/ as a series of events: one pending event per
stop (format « étape d'une tournée »), all sharing one `series` value, each proposed
through the same flow as /agenda/proposer/ (`propose.propose_event`: territories attached
by `services.save_event`, a contributions proposal for the référents of its territories).

Design choice: the planner's result arrives from the browser, so it is checked again here,
not trusted: the stops' count is bounded, their places go through the planner's own
request checks (`planning.tours.validate`: coordinates, number of stops, span of dates)
and the contribution forms' « is this point in France » check; a stop naming an actor of
the directory is placed where the directory says, not where the browser says. Each error
is a `TourError` whose French message names the stop (its number and place) and the field.
All stops are written in one transaction: a tour is proposed whole or not at all.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from carto.actors.models import Actor
from carto.calendar import PARIS
from carto.contributions.propose.places import point_problem
from carto.contributions.propose.services import Submitted
from carto.planning import tours as planning
from carto.srid import WGS84

from .models import Attendance, Format
from .propose import propose_event

# Each stop becomes a proposal a référent reads, and the contributions' rate limit counts
# requests, not proposals: a bound well under the planner's own (99 stops).
MAX_PUBLISHED_STOPS = 30
MAX_TOUR_CHARS = 100_000  # the hidden field's JSON: 30 stops need a few kilobytes
TEXT_CAP = 300  # Event.place_name and Event.address
FIELD_LABELS = {
    "label": "nom du lieu",
    "address": "adresse",
    "lon": "longitude",
    "lat": "latitude",
    "date": "date",
    "start": "début",
    "end": "fin",
    "actor": "lieu de l’annuaire",
    "id": "identifiant",
    "duration_minutes": "durée",
}


@dataclass(frozen=True)
class TourStop:
    """A stop as it will be proposed: its session in Paris time and its place."""

    number: int  # 1-based, in the tour's order
    label: str
    address: str
    starts_at: datetime
    ends_at: datetime
    lon: float
    lat: float
    actor: Actor | None = None  # a listed actor of the directory that hosts the stop


def _stop_error(index: int, label: str, field: str, detail: str) -> planning.TourError:
    name = f" « {label} »" if label else ""
    what = FIELD_LABELS.get(field, field)
    return planning.TourError(
        f"stops[{index}].{field}", f"étape {index + 1}{name}, {what} : {detail}"
    )


def _text(stop: dict, key: str, index: int, label: str = "") -> str:
    value = stop.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _stop_error(index, label, key, "texte attendu")
    value = " ".join(value.split())
    if len(value) > TEXT_CAP:
        raise _stop_error(index, label, key, f"{len(value)} caractères : au plus {TEXT_CAP}")
    return value


def _moment(stop: dict, key: str, index: int, label: str, day: date | None) -> datetime:
    """A stop's start or end in Paris time: an ISO date-time (with or without offset, as
    the tour API writes it), or « HH:MM » on the stop's date."""
    raw = stop.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise _stop_error(index, label, key, "heure attendue (AAAA-MM-JJTHH:MM ou HH:MM)")
    raw = raw.strip()
    try:
        if "T" in raw:
            moment = datetime.fromisoformat(raw)
        elif day is not None:
            moment = datetime.combine(day, time.fromisoformat(raw))
        else:
            raise ValueError
    except ValueError:
        raise _stop_error(index, label, key, f"« {raw[:40]} » illisible") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=PARIS)
    return moment.astimezone(PARIS)


def _read(raw: str) -> list:
    if len(raw) > MAX_TOUR_CHARS:
        raise planning.TourError("tour", "tournée trop longue : replanifiez-la sur /planifier/")
    try:
        data = json.loads(raw)
    except ValueError:
        raise planning.TourError(
            "tour", "la tournée transmise est illisible : replanifiez-la sur /planifier/"
        ) from None
    stops = data.get("stops") if isinstance(data, dict) else data
    if not isinstance(stops, list) or not stops:
        raise planning.TourError("stops", "la tournée n’a aucune étape : planifiez-la d’abord")
    if len(stops) > MAX_PUBLISHED_STOPS:
        raise planning.TourError(
            "stops",
            f"{len(stops)} étapes : au plus {MAX_PUBLISHED_STOPS} par publication "
            "(publiez la tournée en plusieurs fois)",
        )
    return stops


def _actor_key(stop) -> int | None:
    """The directory actor a stop names (`actor`, or the planner's integer `id`)."""
    key = stop.get("actor", stop.get("id")) if isinstance(stop, dict) else None
    return key if isinstance(key, int) and not isinstance(key, bool) else None


def _actors(stops: list) -> dict[int, Actor]:
    # The planner's stops are actors of the directory (its « lieux d'accueil »): one query.
    wanted = {key for key in map(_actor_key, stops) if key is not None}
    return Actor.objects.listed().in_bulk(wanted) if wanted else {}


def parse_tour(raw: str, now: datetime | None = None) -> list[TourStop]:
    """The stops of a planned tour (JSON: the tour API's answer, or its « stops »).

    Each stop has a place (`actor`, or an integer `id`, naming a listed actor of the
    directory; else `lon`, `lat` and `label`), an optional `address`, and its session:
    `start` and `end` (ISO date-times, or HH:MM with `date`). Raises TourError naming
    the stop and the field; returns the stops in the tour's order, times in Paris."""
    now = now or timezone.now()
    items = _read(raw)
    actors = _actors(items)
    stops: list[TourStop] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _stop_error(index, "", "label", "étape attendue (lieu, date, heures)")
        label = _text(item, "label", index)
        address = _text(item, "address", index, label)
        actor = actors.get(_actor_key(item))
        if "actor" in item and actor is None:
            raise _stop_error(index, label, "actor", f"aucun acteur publié n° {item['actor']!r}")
        if actor is not None and actor.location is not None:
            # Where the directory places it, not where the browser says.
            lon, lat = actor.location.x, actor.location.y
            label = label or actor.name
            address = address or ", ".join(
                p for p in (actor.address, f"{actor.postcode} {actor.city}".strip()) if p
            )
        else:
            actor = None
            lon, lat = item.get("lon"), item.get("lat")
        if not label:
            raise _stop_error(index, label, "label", "indiquez le nom du lieu")
        day = None
        if item.get("date") not in (None, ""):
            try:
                day = date.fromisoformat(str(item["date"]))
            except ValueError:
                raise _stop_error(
                    index, label, "date", f"« {str(item['date'])[:20]} » : AAAA-MM-JJ attendu"
                ) from None
        starts_at = _moment(item, "start", index, label, day)
        ends_at = _moment(item, "end", index, label, day)
        if day is not None and starts_at.date() != day:
            raise _stop_error(
                index, label, "start", f"le {starts_at:%d/%m/%Y} ne tombe pas le {day:%d/%m/%Y}"
            )
        if ends_at <= starts_at:
            raise _stop_error(
                index, label, "end",
                f"la fin ({ends_at:%H:%M}) doit suivre le début ({starts_at:%H:%M})",
            )  # fmt: skip
        if ends_at.date() != starts_at.date():
            raise _stop_error(index, label, "end", "une étape se tient sur une seule journée")
        if ends_at - starts_at > timedelta(minutes=planning.MAX_SESSION_MINUTES):
            raise _stop_error(
                index, label, "end",
                f"une séance dure au plus {planning.MAX_SESSION_MINUTES // 60} heures",
            )  # fmt: skip
        if starts_at < now:
            raise _stop_error(index, label, "start", f"le {starts_at:%d/%m/%Y à %H:%M} est passé")
        stops.append(TourStop(index + 1, label, address, starts_at, ends_at, lon, lat, actor))
    _check_places(stops)
    return stops


def _check_places(stops: list[TourStop]) -> None:
    """The planner's request checks (coordinates, count, span), then France."""
    request = planning.TourRequest(
        start=planning.Place(stops[0].lon, stops[0].lat, stops[0].label),
        stops=[planning.StopInput(s.number, s.label, s.lon, s.lat) for s in stops],
        date_from=min(s.starts_at.date() for s in stops),
        date_to=max(s.starts_at.date() for s in stops),
        session_minutes=planning.MIN_SESSION_MINUTES,
        day_start=time(0, 0),
        day_end=time(23, 59),
    )
    try:
        planning.validate(request)
    except planning.TourError as exc:
        field, position = exc.field, None
        if field.startswith("start."):  # the start is the first stop
            position, field = 0, field.removeprefix("start.")
        elif field.startswith("stops[") and "]." in field:
            head, _dot, field = field.partition("].")
            position = int(head.removeprefix("stops["))
        if position is not None:
            raise _stop_error(position, stops[position].label, field, exc.detail) from None
        if exc.field == "date_to":
            raise planning.TourError(
                "stops", f"étapes étalées sur plus d’un an : {exc.detail}"
            ) from None
        raise
    for index, stop in enumerate(stops):
        if stop.actor is None:
            problem = point_problem(stop.lon, stop.lat)
            if problem:
                raise _stop_error(index, stop.label, "lat", problem)


def publish_tour(stops: list[TourStop], values: dict, proposer: dict) -> list[Submitted]:
    """One pending event per stop, sharing a new `series`, each with its proposal.

    Args:
        stops: from `parse_tour`.
        values: the event's fields shared by every stop (title, description, themes,
            publics, organizer, organizer_name, capacity, registration, accessible).
        proposer: proposer_name and proposer_email (private).

    Returns the proposals with their follow tokens, in the stops' order. Raises the
    ValidationError of `services.check_event` (nothing written then)."""
    series = f"tournee-{uuid.uuid4().hex[:16]}"
    submitted = []
    with transaction.atomic():
        for stop in stops:
            event_values = {
                **values,
                "format": Format.ETAPE,
                "attendance": Attendance.ON_SITE,
                "series": series,
                "starts_at": stop.starts_at,
                "ends_at": stop.ends_at,
                "venue": stop.actor,
                "place_name": stop.label,
                "address": stop.address,
                "location": Point(stop.lon, stop.lat, srid=WGS84),
            }
            submitted.append(propose_event(event_values, proposer))
    return submitted
