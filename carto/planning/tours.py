"""Itinerant tours: the order of the stops, then a dated schedule of sessions.

A tour leaves a start place, holds one session at each chosen stop and, when
``return_to_start`` is set, comes back (a closed tour; otherwise an open path that
ends at its last stop). ``plan_tour`` answers in two steps.

**Order.** The order minimises the total travel *time* of the tour, from a matrix of
the ``DistanceMatrix`` interface (``distances.py``: great-circle estimates by default,
OSRM when configured; the matrix may be asymmetric). Up to ``EXACT_MAX_STOPS`` (10)
stops the optimum is exact: Held–Karp dynamic programming over subsets, O(n²·2ⁿ)
(10 stops: about 10⁵ steps). Beyond, a heuristic: nearest neighbour from the start,
then local search alternating 2-opt (reverse a segment) and Or-opt (move a run of
1 to 3 stops, in either direction) with best-improvement moves until none improves or
``MAX_SEARCH_ROUNDS`` moves were made. Each move's gain is computed in O(1) with prefix
sums of the route's costs in both directions, so asymmetric matrices are handled
exactly. The result's ``method`` says which was used: ``"exact"`` or
``"heuristic (2-opt)"``; the heuristic is never worse than nearest neighbour.

**Schedule.** The ordered stops are walked day by day from ``date_from``. Allowed days
are the weekdays asked for (Monday to Saturday by default), not French public holidays
(``skip_public_holidays``), and within or outside the school holidays of a zone when
``periods`` asks for it (``calendar.py``, data in ``data/calendrier``). Each session
needs the travel from the previous place, then ``session_minutes`` (or the stop's own
``duration_minutes``) at the stop; it starts on a ``SLOT_MINUTES`` boundary, within
``day_start``–``day_end`` (travel included: a day's first leg is driven from
``day_start``), at most ``max_sessions_per_day`` a day. A stop with ``opening_hours``
(OSM syntax, read by ``carto.actors.opening_hours.parse``) gets a session wholly inside
its opening ranges that day, waiting for the opening if needed, otherwise the next
allowed day is tried; a day whose hours are ``unknown`` is not constrained and the
session carries a note. The team moves along the tour: a leg is driven once, on the
day of the session it leads to (where the team sleeps is not modelled). The return leg
is counted in the totals, not scheduled. A closed tour that costs the same driven the
other way round (always so with a symmetric matrix) is scheduled both ways, and the way
that leaves fewer stops out, then ends earlier, is kept.

When a stop cannot be placed before ``date_to`` it is **returned as unscheduled with
a French reason** rather than failing the whole plan (the planner sees what fits and
can widen the range): travel plus session longer than a day, opening hours never
compatible with an allowed day, or no slot left. The tour then goes on from the last
scheduled place, and legs and totals are those of the route actually driven.

Bad input raises ``TourError`` (a ``ValueError``) whose ``field`` names the request
field (``stops``, ``date_to``, ``session_minutes``, ``zone``, ``stops[2].opening_hours``…)
and whose French message says what is wrong, so that the API can answer 400.
Routing failures raise ``distances.RouterError`` (a service problem, not the caller's).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from carto import calendar
from carto.actors.opening_hours import OpeningHoursError, Schedule, merge_ranges, parse

from .distances import DEFAULT_SPEED_KMH, DistanceMatrix, RouterError, router_from_settings

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

EXACT_MAX_STOPS = 10
# The limits of a tour, read by ``validate`` and by the API's serializer alike.
# An OSRM server answers tables of at most 100 places by default (--max-table-size):
# 99 stops and the start.
MAX_STOPS = 99
MAX_DAYS = 366
MIN_SESSION_MINUTES = 15
MAX_SESSION_MINUTES = 720
MAX_SESSIONS_PER_DAY = 8
MAX_SPEED_KMH = 130  # the French motorway limit: no average over a tour goes beyond it
SLOT_MINUTES = 5
MAX_SEARCH_ROUNDS = 10_000
METHOD_EXACT = "exact"
METHOD_HEURISTIC = "heuristic (2-opt)"
PERIODS = ("any", "school_holidays", "outside_school_holidays")
WEEKDAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
PARIS = ZoneInfo("Europe/Paris")
_EPSILON = 1e-9


class TourError(ValueError):
    """Invalid tour request: ``field`` names the request field, the message says why (French)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} : {message}")
        self.field = field
        self.detail = message


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
    zone: str = ""  # school holiday zone A, B or C; required unless periods == "any"
    weekdays: Sequence[int | str] = (0, 1, 2, 3, 4, 5)  # Monday = 0 (or "Mo" … "Su")
    max_sessions_per_day: int = 2
    skip_public_holidays: bool = True


@dataclass(frozen=True)
class Leg:
    metres: float
    seconds: float


@dataclass(frozen=True)
class ScheduledStop:
    order: int  # 1-based position among the scheduled stops
    stop: StopInput
    start: datetime  # aware, Europe/Paris
    end: datetime
    leg: Leg  # travel from the previous place (the start for the first stop)
    notes: tuple[str, ...] = ()

    @property
    def date(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class UnscheduledStop:
    stop: StopInput
    position: int  # 1-based position in the optimised order
    reason: str


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


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_coordinates(lon, lat, field_prefix: str) -> None:
    if not _is_number(lon) or not -180 <= lon <= 180:
        raise TourError(f"{field_prefix}lon", f"longitude invalide : {lon!r} (de -180 à 180)")
    if not _is_number(lat) or not -90 <= lat <= 90:
        raise TourError(f"{field_prefix}lat", f"latitude invalide : {lat!r} (de -90 à 90)")


def _weekday_indexes(values: Iterable[int | str]) -> tuple[int, ...]:
    if isinstance(values, str):
        values = [part.strip() for part in values.split(",") if part.strip()]
    indexes = set()
    for value in values:
        if _is_int(value) and 0 <= value <= 6:
            indexes.add(value)
        elif isinstance(value, str) and value.capitalize() in WEEKDAY_CODES:
            indexes.add(WEEKDAY_CODES.index(value.capitalize()))
        else:
            raise TourError(
                "weekdays", f"jour invalide : {value!r} (0 = lundi … 6 = dimanche, ou Mo … Su)"
            )
    if not indexes:
        raise TourError("weekdays", "au moins un jour de la semaine est nécessaire")
    return tuple(sorted(indexes))


def validate(request: TourRequest) -> dict[int, Schedule | None]:
    """Check a request; raises TourError naming the first bad field.

    Returns the parsed opening hours by stop index (None when the stop has none)."""
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
    day_start, day_end = _minutes(request.day_start), _minutes(request.day_end)
    if day_end <= day_start:
        raise TourError(
            "day_end",
            f"la fin de journée ({_hhmm(day_end)}) doit suivre son début ({_hhmm(day_start)})",
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
            f"({_hhmm(day_start)}–{_hhmm(day_end)}, {window} min)",
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
    _weekday_indexes(request.weekdays)

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
        first, last = calendar.coverage(zone)
        if request.date_from < first:
            raise TourError(
                "date_from",
                f"vacances scolaires de la zone {zone} connues à partir du {first:%d/%m/%Y} "
                f"seulement",
            )
        if request.date_to > last:
            raise TourError(
                "date_to",
                f"vacances scolaires de la zone {zone} connues jusqu'au {last:%d/%m/%Y} seulement",
            )

    schedules: dict[int, Schedule | None] = {}
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
                    f"({_hhmm(day_start)}–{_hhmm(day_end)}, {window} min)",
                )
        hours = (stop.opening_hours or "").strip()
        if hours:
            try:
                schedules[index] = parse(hours)
            except OpeningHoursError as exc:
                raise TourError(
                    f"{prefix}.opening_hours", f"horaires « {hours} » illisibles : {exc}"
                ) from None
        else:
            schedules[index] = None
    return schedules


# --- order -----------------------------------------------------------------------------------


def route_cost(order: Sequence[int], cost: Sequence[Sequence[float]], closed: bool) -> float:
    """Cost of visiting ``order`` (node indexes, the start being node 0) from the start."""
    total = 0.0
    previous = 0
    for node in order:
        total += cost[previous][node]
        previous = node
    if closed and order:
        total += cost[previous][0]
    return total


def held_karp(cost: Sequence[Sequence[float]], closed: bool) -> tuple[list[int], float]:
    """The optimal order of nodes 1..n from node 0 (exact, O(n²·2ⁿ)), and its cost."""
    n = len(cost) - 1
    if n <= 0:
        return [], 0.0
    full = (1 << n) - 1
    inf = math.inf
    best = [[inf] * n for _ in range(1 << n)]
    parent = [[-1] * n for _ in range(1 << n)]
    for j in range(n):
        best[1 << j][j] = cost[0][j + 1]
    for mask in range(1, full + 1):
        row = best[mask]
        for j in range(n):
            value = row[j]
            if value == inf or not mask >> j & 1:
                continue
            from_costs = cost[j + 1]
            for k in range(n):
                if mask >> k & 1:
                    continue
                candidate = value + from_costs[k + 1]
                target = mask | 1 << k
                if candidate < best[target][k]:
                    best[target][k] = candidate
                    parent[target][k] = j
    last, total = -1, inf
    for j in range(n):
        value = best[full][j] + (cost[j + 1][0] if closed else 0.0)
        if value < total:
            last, total = j, value
    order = []
    mask = full
    while last != -1:
        order.append(last + 1)
        previous = parent[mask][last]
        mask &= ~(1 << last)
        last = previous
    order.reverse()
    return order, total


def nearest_neighbour(cost: Sequence[Sequence[float]]) -> list[int]:
    """Nodes 1..n, each time the nearest unvisited one from the current node (from node 0)."""
    remaining = set(range(1, len(cost)))
    order = []
    current = 0
    while remaining:
        current = min(remaining, key=lambda node: (cost[current][node], node))
        remaining.remove(current)
        order.append(current)
    return order


def _prefix_sums(
    route: list[int], cost: Sequence[Sequence[float]]
) -> tuple[list[float], list[float]]:
    forward = [0.0]
    backward = [0.0]
    for a, b in itertools.pairwise(route):
        forward.append(forward[-1] + cost[a][b])
        backward.append(backward[-1] + cost[b][a])
    return forward, backward


def _best_two_opt(route, cost, last, forward, backward) -> tuple[float, tuple | None]:
    """The best segment reversal route[i..j] (1 ≤ i < j ≤ last) and its gain (negative)."""
    best_delta, best_move = -_EPSILON, None
    size = len(route)
    for i in range(1, last):
        a, b = route[i - 1], route[i]
        for j in range(i + 1, last + 1):
            c = route[j]
            delta = cost[a][c] - cost[a][b]
            delta += (backward[j] - backward[i]) - (forward[j] - forward[i])
            if j + 1 < size:
                d = route[j + 1]
                delta += cost[b][d] - cost[c][d]
            if delta < best_delta:
                best_delta, best_move = delta, (i, j)
    return best_delta, best_move


def _best_or_opt(route, cost, last, forward, backward, closed) -> tuple[float, tuple | None]:
    """The best move of a run route[i..i+length-1] (1 to 3 stops, maybe reversed) elsewhere."""
    best_delta, best_move = -_EPSILON, None
    size = len(route)
    # After position p: never after the closing start of a closed tour.
    insertion_points = range(size - 1) if closed else range(size)
    for length in (1, 2, 3):
        for i in range(1, last - length + 2):
            k = i + length - 1
            a, first, tail = route[i - 1], route[i], route[k]
            b = route[k + 1] if k + 1 < size else None
            removal = cost[a][first] - (cost[a][b] - cost[tail][b] if b is not None else 0.0)
            inner_forward = forward[k] - forward[i]
            inner_backward = backward[k] - backward[i]
            for p in insertion_points:
                if i - 1 <= p <= k:
                    continue
                if p == size - 1 and b is None:
                    continue  # that is where the run already ends
                x = route[p]
                y = route[p + 1] if p + 1 < size else None
                for reverse in (False, True) if length > 1 else (False,):
                    head, end = (tail, first) if reverse else (first, tail)
                    added = cost[x][head] + (cost[end][y] - cost[x][y] if y is not None else 0.0)
                    if reverse:
                        added += inner_backward - inner_forward
                    delta = added - removal
                    if delta < best_delta:
                        best_delta, best_move = delta, (i, k, p, reverse)
    return best_delta, best_move


def _apply_or_opt(route: list[int], move: tuple) -> list[int]:
    i, k, p, reverse = move
    run = route[i : k + 1]
    if reverse:
        run.reverse()
    rest = route[:i] + route[k + 1 :]
    position = p + 1 if p < i else p + 1 - len(run)
    return rest[:position] + run + rest[position:]


def heuristic_order(
    cost: Sequence[Sequence[float]], closed: bool, max_rounds: int = MAX_SEARCH_ROUNDS
) -> list[int]:
    """Nearest neighbour improved by 2-opt and Or-opt moves until none helps (bounded)."""
    order = nearest_neighbour(cost)
    if len(order) < 3:
        return held_karp(cost, closed)[0]
    route = [0, *order, *([0] if closed else [])]
    last = len(order)  # positions 1..last hold the stops; position 0 (and last + 1) the start
    for _round in range(max_rounds):
        forward, backward = _prefix_sums(route, cost)
        _gain, move = _best_two_opt(route, cost, last, forward, backward)
        if move is not None:
            i, j = move
            route[i : j + 1] = route[i : j + 1][::-1]
            continue
        _gain, move = _best_or_opt(route, cost, last, forward, backward, closed)
        if move is None:
            break
        route = _apply_or_opt(route, move)
    return route[1 : last + 1]


def solve_order(cost: Sequence[Sequence[float]], closed: bool) -> tuple[list[int], str]:
    """The order of nodes 1..n from node 0 that minimises ``cost``, and the method used."""
    if len(cost) - 1 <= EXACT_MAX_STOPS:
        return held_karp(cost, closed)[0], METHOD_EXACT
    return heuristic_order(cost, closed), METHOD_HEURISTIC


# --- schedule --------------------------------------------------------------------------------


def _allowed_days(request: TourRequest) -> list[date]:
    """The days sessions may take place on; TourError naming the filter that leaves none."""
    weekdays = set(_weekday_indexes(request.weekdays))
    span = (request.date_to - request.date_from).days + 1
    days = [request.date_from + timedelta(days=offset) for offset in range(span)]
    days = [day for day in days if day.weekday() in weekdays]
    if not days:
        names = ", ".join(DAY_NAMES_FR[index] for index in sorted(weekdays))
        raise TourError("weekdays", f"aucun jour retenu ({names}) entre les deux dates")
    if request.skip_public_holidays:
        days = [day for day in days if day not in calendar.public_holidays(day.year)]
        if not days:
            raise TourError("date_to", "la période ne compte que des jours fériés")
    if request.periods != "any":
        zone = (request.zone or "").strip()
        wanted = request.periods == "school_holidays"
        days = [day for day in days if calendar.is_school_holiday(day, zone) == wanted]
        if not days:
            which = "de vacances" if wanted else "hors vacances"
            raise TourError(
                "periods",
                f"aucun jour retenu {which} scolaires (zone {zone}) du "
                f"{request.date_from:%d/%m/%Y} au {request.date_to:%d/%m/%Y}",
            )
    return days


def _open_ranges(schedule: Schedule | None, day: date) -> tuple[tuple[tuple[int, int], ...], str]:
    """Open ranges of ``day`` in minutes (0–1440) and a note (unknown hours, comment)."""
    if schedule is None:
        return ((0, 24 * 60),), ""
    weekday = day.weekday()
    today = schedule.days[weekday]
    if not today.ranges and today.unknown:
        note = f"horaires du {DAY_NAMES_FR[weekday]} non connus"
        if today.comment:
            note += f" ({today.comment})"
        return ((0, 24 * 60),), note + " : à confirmer avec le lieu"
    ranges = [(start, min(end, 24 * 60)) for start, end in today.ranges]
    previous = schedule.days[(weekday - 1) % 7]
    ranges += [(0, end - 24 * 60) for _start, end in previous.ranges if end > 24 * 60]
    note = f"horaires : {today.comment}" if today.comment and today.ranges else ""
    return merge_ranges(ranges), note


def _round_up(minutes: int) -> int:
    return -(-minutes // SLOT_MINUTES) * SLOT_MINUTES


def _earliest_start(
    ranges: Iterable[tuple[int, int]], earliest: int, duration: int, day_start: int, day_end: int
) -> int | None:
    """The first slot start ≥ earliest such that the session fits in one open range and the day."""
    for open_at, close_at in ranges:
        start = _round_up(max(open_at, day_start, earliest))
        if start + duration <= min(close_at, day_end):
            return start
    return None


def _travel_minutes(seconds: float) -> int:
    return max(0, math.ceil(seconds / 60 - _EPSILON))


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=PARIS)


def _schedule(
    request: TourRequest,
    days: list[date],
    order: list[int],
    schedules: dict[int, Schedule | None],
    metres: Sequence[Sequence[float]],
    seconds: Sequence[Sequence[float]],
) -> tuple[list[ScheduledStop], list[UnscheduledStop], int]:
    """The sessions, the stops left out, and the node of the last place reached."""
    day_start, day_end = _minutes(request.day_start), _minutes(request.day_end)
    window = day_end - day_start
    scheduled: list[ScheduledStop] = []
    unscheduled: list[UnscheduledStop] = []
    # The cursor: index in days, the time the previous session ended, sessions that day, place.
    day_index, clock, sessions, place = 0, day_start, 0, 0
    for position, node in enumerate(order, start=1):
        stop = request.stops[node - 1]
        schedule = schedules[node - 1]
        duration = stop.duration_minutes or request.session_minutes
        travel = _travel_minutes(seconds[place][node])
        found = None
        index, ready, count = day_index, clock, sessions
        while index < len(days):
            if count < request.max_sessions_per_day:
                ranges, note = _open_ranges(schedule, days[index])
                start = _earliest_start(ranges, ready + travel, duration, day_start, day_end)
                if start is not None:
                    found = (index, start, count, note)
                    break
            index, ready, count = index + 1, day_start, 0
        if found is None:
            reason = _unscheduled_reason(request, days, schedule, stop, travel, duration, window)
            unscheduled.append(UnscheduledStop(stop, position, reason))
            continue
        index, start, count, note = found
        day = days[index]
        scheduled.append(
            ScheduledStop(
                order=len(scheduled) + 1,
                stop=stop,
                start=_at(day, start),
                end=_at(day, start + duration),
                leg=Leg(metres[place][node], seconds[place][node]),
                notes=(note,) if note else (),
            )
        )
        day_index, clock, sessions, place = index, start + duration, count + 1, node
    return scheduled, unscheduled, place


def _schedule_rank(planned) -> tuple:
    """Fewer stops left out first, then the earlier end of the last session."""
    scheduled, unscheduled, _last = planned
    return (
        len(unscheduled),
        scheduled[-1].end if scheduled else datetime.min.replace(tzinfo=PARIS),
    )


def _unscheduled_reason(request, days, schedule, stop, travel, duration, window) -> str:
    day_start, day_end = _minutes(request.day_start), _minutes(request.day_end)
    if travel + duration > window:
        return (
            f"le trajet depuis l'étape précédente ({travel} min) et la séance ({duration} min) "
            f"ne tiennent pas dans une journée ({_hhmm(day_start)}–{_hhmm(day_end)})"
        )
    fits_some_day = any(
        _earliest_start(
            _open_ranges(schedule, day)[0], day_start + travel, duration, day_start, day_end
        )
        is not None
        for day in days
    )
    if not fits_some_day:
        return (
            f"aucun créneau de {duration} min (trajet de {travel} min compris) dans ses horaires "
            f"« {stop.opening_hours} » les jours retenus"
        )
    return f"plus de créneau disponible avant le {request.date_to:%d/%m/%Y}"


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
    schedules = validate(request)
    days = _allowed_days(request)  # before routing: a request with no day is the caller's error
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
        if route_cost(backwards, seconds, closed) <= route_cost(order, seconds, closed) + _EPSILON:
            candidates.append(backwards)
    best = None
    for candidate in candidates:
        planned = _schedule(request, days, candidate, schedules, metres, seconds)
        rank = _schedule_rank(planned)
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
