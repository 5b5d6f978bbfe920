"""Itinerant tours: the request, its checks, and ``plan_tour``, which orders the stops
(``ordering.py``) and then schedules a session at each (``scheduling.py``).

A tour leaves a start place, holds one session at each chosen stop and, when
``return_to_start`` is set, comes back (a closed tour; otherwise an open path that
ends at its last stop). The order minimises the total travel *time* of the tour, from
a matrix of the ``DistanceMatrix`` interface (``distances.py``: great-circle estimates
by default, OSRM when configured). The ordered stops are then walked day by day from
``date_from``. The return leg is counted in the totals, not scheduled. A closed tour
that costs the same driven the other way round (always so with a symmetric matrix) is
scheduled both ways, and the way that leaves fewer stops out, then ends earlier, is kept.
Stops that cannot be placed before ``date_to`` are returned with a French reason; legs
and totals are then those of the route actually driven.

Design choice: this module is the tour's vocabulary and its single entry point; the
two algorithms live beside it and its public names re-export theirs.

Bad input raises ``TourError`` (a ``ValueError``) whose ``field`` names the request
field (``stops``, ``date_to``, ``session_minutes``, ``zone``, ``stops[2].opening_hours``…)
and whose French message says what is wrong, so that the API can answer 400.
Routing failures raise ``distances.RouterError`` (a service problem, not the caller's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time

from carto import calendar
from carto.actors.opening_hours import Hours, OpeningHoursError, parse
from carto.calendar import PARIS

from .distances import DEFAULT_SPEED_KMH, DistanceMatrix, RouterError, router_from_settings
from .ordering import (
    EPSILON,
    EXACT_MAX_STOPS,
    METHOD_EXACT,
    METHOD_HEURISTIC,
    held_karp,
    heuristic_order,
    nearest_neighbour,
    route_cost,
    solve_order,
)
from .scheduling import (
    Leg,
    ScheduledStop,
    TourError,
    UnscheduledStop,
    allowed_days,
    hhmm,
    minutes_of,
    opening_windows,
    schedule_rank,
    schedule_sessions,
    weekday_indexes,
)

__all__ = [
    "EXACT_MAX_STOPS",
    "MAX_DAYS",
    "MAX_SESSIONS_PER_DAY",
    "MAX_SESSION_MINUTES",
    "MAX_SPEED_KMH",
    "MAX_STOPS",
    "METHOD_EXACT",
    "METHOD_HEURISTIC",
    "MIN_SESSION_MINUTES",
    "PARIS",
    "PERIODS",
    "Leg",
    "Place",
    "ScheduledStop",
    "StopInput",
    "TourError",
    "TourRequest",
    "TourResult",
    "UnscheduledStop",
    "held_karp",
    "heuristic_order",
    "nearest_neighbour",
    "plan_tour",
    "route_cost",
    "solve_order",
    "validate",
]

# The limits of a tour, read by ``validate`` and by the API's serializer alike.
# An OSRM server answers tables of at most 100 places by default (--max-table-size):
# 99 stops and the start.
MAX_STOPS = 99
MAX_DAYS = 366
MIN_SESSION_MINUTES = 15
MAX_SESSION_MINUTES = 720
MAX_SESSIONS_PER_DAY = 8
MAX_SPEED_KMH = 130  # the French motorway limit: no average over a tour goes beyond it
PERIODS = ("any", "school_holidays", "outside_school_holidays")


# --- request and result ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where the tour starts (and ends when closed), in EPSG:4326."""

    lon: float
    lat: float
    label: str = ""


@dataclass(frozen=True)
class StopInput:
    """A place to hold a session at; ``opening_hours`` in OSM syntax ("" = not constrained)."""

    id: str | int
    label: str
    lon: float
    lat: float
    opening_hours: str = ""
    duration_minutes: int | None = None  # None: the request's session_minutes
    address: str = ""


@dataclass
class TourRequest:
    start: Place
    stops: list[StopInput]
    date_from: date
    date_to: date
    session_minutes: int = 120
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    speed_kmh: float = DEFAULT_SPEED_KMH  # great-circle only; OSRM has its own durations
    return_to_start: bool = True
    periods: str = "any"  # one of PERIODS
    zone: str = ""  # school holiday zone A, B or C: for ``periods`` and stops' ``SH`` hours
    weekdays: Sequence[int | str] = (0, 1, 2, 3, 4, 5)  # Monday = 0 (or "Mo" … "Su")
    max_sessions_per_day: int = 2
    skip_public_holidays: bool = True


@dataclass
class TourResult:
    method: str  # METHOD_EXACT or METHOD_HEURISTIC
    router: str  # the DistanceMatrix's name: "great-circle", "osrm", …
    request: TourRequest
    order: list[StopInput]  # every stop, in the optimised order
    order_seconds: float  # travel time of that optimised tour (all stops)
    stops: list[ScheduledStop] = field(default_factory=list)
    unscheduled: list[UnscheduledStop] = field(default_factory=list)
    return_leg: Leg | None = None  # last scheduled place → start, closed tours only
    total_metres: float = 0.0  # the route actually driven: scheduled legs + return leg
    total_seconds: float = 0.0

    @property
    def days(self) -> list[date]:
        return sorted({scheduled.date for scheduled in self.stops})

    def as_dict(self) -> dict:
        """A JSON-ready summary (ISO dates, times with their UTC offset, rounded figures)."""
        request = self.request
        return {
            "method": self.method,
            "router": self.router,
            "return_to_start": request.return_to_start,
            "start": {
                "label": request.start.label,
                "lon": request.start.lon,
                "lat": request.start.lat,
            },
            "date_from": request.date_from.isoformat(),
            "date_to": request.date_to.isoformat(),
            "periods": request.periods,
            "zone": request.zone or None,
            "order": [stop.id for stop in self.order],
            "order_duration_s": round(self.order_seconds),
            "total_distance_m": round(self.total_metres),
            "total_duration_s": round(self.total_seconds),
            "days": [day.isoformat() for day in self.days],
            "stops": [
                {
                    "order": scheduled.order,
                    "id": scheduled.stop.id,
                    "label": scheduled.stop.label,
                    "address": scheduled.stop.address,
                    "lon": scheduled.stop.lon,
                    "lat": scheduled.stop.lat,
                    "date": scheduled.date.isoformat(),
                    "start": scheduled.start.isoformat(),
                    "end": scheduled.end.isoformat(),
                    "leg_distance_m": round(scheduled.leg.metres),
                    "leg_duration_s": round(scheduled.leg.seconds),
                    "notes": list(scheduled.notes),
                }
                for scheduled in self.stops
            ],
            "return_leg": None
            if self.return_leg is None
            else {
                "distance_m": round(self.return_leg.metres),
                "duration_s": round(self.return_leg.seconds),
            },
            "unscheduled": [
                {
                    "id": item.stop.id,
                    "label": item.stop.label,
                    "position": item.position,
                    "reason": item.reason,
                }
                for item in self.unscheduled
            ],
        }


# --- validation ------------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_coordinates(lon, lat, field_prefix: str) -> None:
    if not _is_number(lon) or not -180 <= lon <= 180:
        raise TourError(f"{field_prefix}lon", f"longitude invalide : {lon!r} (de -180 à 180)")
    if not _is_number(lat) or not -90 <= lat <= 90:
        raise TourError(f"{field_prefix}lat", f"latitude invalide : {lat!r} (de -90 à 90)")


def _check_school_calendar(request: TourRequest, zone: str) -> None:
    """The zone's school calendar covers the tour's dates."""
    first, last = calendar.coverage(zone)
    if request.date_from < first:
        raise TourError(
            "date_from",
            f"vacances scolaires de la zone {zone} connues à partir du {first:%d/%m/%Y} seulement",
        )
    if request.date_to > last:
        raise TourError(
            "date_to",
            f"vacances scolaires de la zone {zone} connues jusqu'au {last:%d/%m/%Y} seulement",
        )


def validate(request: TourRequest) -> list[Hours | None]:
    """Check a request; raises TourError naming the first bad field.

    Returns each stop's parsed opening hours (None when the stop has none)."""
    if not isinstance(request.start, Place):
        raise TourError("start", "lieu de départ attendu (longitude, latitude, nom)")
    _check_coordinates(request.start.lon, request.start.lat, "start.")
    stops = request.stops
    if not stops:
        raise TourError("stops", "au moins une étape est nécessaire")
    if len(stops) > MAX_STOPS:
        raise TourError("stops", f"{len(stops)} étapes : au plus {MAX_STOPS} par tournée")

    if not isinstance(request.date_from, date):
        raise TourError("date_from", "date de début attendue (AAAA-MM-JJ)")
    if not isinstance(request.date_to, date):
        raise TourError("date_to", "date de fin attendue (AAAA-MM-JJ)")
    if request.date_to < request.date_from:
        raise TourError(
            "date_to",
            f"la date de fin ({request.date_to:%d/%m/%Y}) précède la date de début "
            f"({request.date_from:%d/%m/%Y})",
        )
    span = (request.date_to - request.date_from).days + 1
    if span > MAX_DAYS:
        raise TourError("date_to", f"période de {span} jours : au plus {MAX_DAYS}")

    if not isinstance(request.day_start, time):
        raise TourError("day_start", "heure attendue (HH:MM)")
    if not isinstance(request.day_end, time):
        raise TourError("day_end", "heure attendue (HH:MM)")
    day_start, day_end = minutes_of(request.day_start), minutes_of(request.day_end)
    if day_end <= day_start:
        raise TourError(
            "day_end",
            f"la fin de journée ({hhmm(day_end)}) doit suivre son début ({hhmm(day_start)})",
        )
    window = day_end - day_start
    if (
        not _is_int(request.session_minutes)
        or not MIN_SESSION_MINUTES <= request.session_minutes <= MAX_SESSION_MINUTES
    ):
        raise TourError(
            "session_minutes",
            f"durée invalide : {request.session_minutes!r} "
            f"(minutes, de {MIN_SESSION_MINUTES} à {MAX_SESSION_MINUTES})",
        )
    if request.session_minutes > window:
        raise TourError(
            "session_minutes",
            f"une séance de {request.session_minutes} min dépasse la journée "
            f"({hhmm(day_start)}–{hhmm(day_end)}, {window} min)",
        )
    if not _is_number(request.speed_kmh) or not 0 < request.speed_kmh <= MAX_SPEED_KMH:
        raise TourError(
            "speed_kmh", f"vitesse invalide : {request.speed_kmh!r} (km/h, de 1 à {MAX_SPEED_KMH})"
        )
    if (
        not _is_int(request.max_sessions_per_day)
        or not 1 <= request.max_sessions_per_day <= MAX_SESSIONS_PER_DAY
    ):
        raise TourError(
            "max_sessions_per_day",
            f"valeur invalide : {request.max_sessions_per_day!r} (de 1 à {MAX_SESSIONS_PER_DAY})",
        )
    weekday_indexes(request.weekdays)

    if request.periods not in PERIODS:
        raise TourError(
            "periods", f"valeur « {request.periods} » inconnue (attendu : {', '.join(PERIODS)})"
        )
    zone = (request.zone or "").strip()
    if zone or request.periods != "any":
        known = calendar.zones()
        if not zone:
            raise TourError("zone", f"zone de vacances scolaires requise ({', '.join(known)})")
        if zone not in known:
            raise TourError("zone", f"zone « {zone} » inconnue (attendu : {', '.join(known)})")
    if request.periods != "any":
        _check_school_calendar(request, zone)

    parsed: list[Hours | None] = []
    seen_ids = set()
    for index, stop in enumerate(stops):
        prefix = f"stops[{index}]"
        if not isinstance(stop, StopInput):
            raise TourError(prefix, "étape attendue (id, nom, longitude, latitude)")
        if stop.id is None or (isinstance(stop.id, str) and not stop.id.strip()):
            raise TourError(f"{prefix}.id", "identifiant vide")
        if stop.id in seen_ids:
            raise TourError(f"{prefix}.id", f"identifiant « {stop.id} » en double")
        seen_ids.add(stop.id)
        _check_coordinates(stop.lon, stop.lat, f"{prefix}.")
        if stop.duration_minutes is not None:
            if (
                not _is_int(stop.duration_minutes)
                or not MIN_SESSION_MINUTES <= stop.duration_minutes <= MAX_SESSION_MINUTES
            ):
                raise TourError(
                    f"{prefix}.duration_minutes",
                    f"durée invalide : {stop.duration_minutes!r} "
                    f"(minutes, de {MIN_SESSION_MINUTES} à {MAX_SESSION_MINUTES})",
                )
            if stop.duration_minutes > window:
                raise TourError(
                    f"{prefix}.duration_minutes",
                    f"une séance de {stop.duration_minutes} min dépasse la journée "
                    f"({hhmm(day_start)}–{hhmm(day_end)}, {window} min)",
                )
        hours = (stop.opening_hours or "").strip()
        try:
            parsed.append(parse(hours) if hours else None)
        except OpeningHoursError as exc:
            raise TourError(
                f"{prefix}.opening_hours", f"horaires « {hours} » illisibles : {exc}"
            ) from None
        if parsed[-1] is not None and parsed[-1].school_holidays and request.periods == "any":
            # SH in a stop's hours: its zone's school calendar must cover the tour.
            if not zone:
                raise TourError(
                    f"{prefix}.opening_hours",
                    f"horaires « {hours} » selon les vacances scolaires (SH) : "
                    f"zone de vacances scolaires requise ({', '.join(calendar.zones())})",
                )
            _check_school_calendar(request, zone)
    return parsed


# --- the use case ----------------------------------------------------------------------------


def _check_matrix(matrix, size: int, name: str) -> None:
    if len(matrix) != size or any(len(row) != size for row in matrix):
        raise RouterError(f"Calcul des temps de trajet : matrice « {name} » de taille inattendue")


def plan_tour(request: TourRequest, router: DistanceMatrix | None = None) -> TourResult:
    """Order the stops of ``request`` and schedule a session at each.

    Args:
        request: the tour; validated first.
        router: the distances to use; default ``router_from_settings(request.speed_kmh)``
            (OSRM when ``CARTO_ROUTER_URL`` is set, else great-circle).

    Returns a TourResult: ``method`` ("exact" or "heuristic (2-opt)"), the optimised
    order, the scheduled stops with their dates, times and legs, the stops that could
    not be scheduled with their reason, the return leg and the totals.

    Raises TourError (bad request, ``field`` names it) or RouterError (routing failed).
    """
    hours = validate(request)
    days = allowed_days(request)  # before routing: a request with no day is the caller's error
    router = router or router_from_settings(request.speed_kmh)
    points = [(request.start.lon, request.start.lat)]
    points += [(stop.lon, stop.lat) for stop in request.stops]
    metres, seconds = router.matrix(points)
    _check_matrix(metres, len(points), "distances")
    _check_matrix(seconds, len(points), "durées")

    closed = request.return_to_start
    order, method = solve_order(seconds, closed)
    candidates = [order]
    if closed and len(order) > 1:
        # A closed tour driven the other way round costs as much on a symmetric matrix
        # (always with great-circle): keep the direction whose schedule is better.
        backwards = order[::-1]
        if route_cost(backwards, seconds, closed) <= route_cost(order, seconds, closed) + EPSILON:
            candidates.append(backwards)
    windows = opening_windows(request, hours)
    best = None
    for candidate in candidates:
        planned = schedule_sessions(request, days, candidate, windows, metres, seconds)
        rank = schedule_rank(planned)
        if best is None or rank < best[0]:
            best = (rank, candidate, planned)
    _rank, order, (scheduled, unscheduled, last) = best

    result = TourResult(
        method=method,
        router=getattr(router, "name", "") or type(router).__name__,
        request=request,
        order=[request.stops[node - 1] for node in order],
        order_seconds=route_cost(order, seconds, closed),
        stops=scheduled,
        unscheduled=unscheduled,
    )
    driven = [item.leg for item in scheduled]
    if closed and scheduled:
        result.return_leg = Leg(metres[last][0], seconds[last][0])
        driven.append(result.return_leg)
    result.total_metres = sum(leg.metres for leg in driven)
    result.total_seconds = sum(leg.seconds for leg in driven)
    return result
