"""The schedule of a tour: its stops, in their order, as dated sessions.

Design choice: a greedy walk along the order, day by day, never reordering. The
allowed days are the weekdays asked for (Monday to Saturday by default), not French
public holidays (``skip_public_holidays``), and within or outside the school holidays
of a zone when ``periods`` asks for it (``carto.calendar``).
Each session needs the travel from the previous place, then ``session_minutes`` (or
the stop's own ``duration_minutes``) at the stop; it starts on a ``SLOT_MINUTES``
boundary, within ``day_start``–``day_end`` (travel included: a day's first leg is
driven from ``day_start``), at most ``max_sessions_per_day`` a day. The team moves
along the tour: a leg is driven once, on the day of the session it leads to (where the
team sleeps is not modelled).

A stop's ``opening_hours`` are evaluated by ``opening-hours-py`` through
``carto.actors.opening_hours.day_hours``, with the metropolitan public holidays (a stop
carries no département) and, when the request names a zone, its school holidays
(``SH``): the session lies wholly inside one open range of the day, waiting for the
opening if needed, otherwise the next allowed day is tried. A day whose hours are
``unknown`` is not constrained (within its unknown ranges) and the session carries a
note; so does a session in hours that carry a comment (« sur rendez-vous »).

When a stop cannot be placed before ``date_to`` it is returned as unscheduled with a
French reason (travel plus session longer than a day, opening hours never compatible
with an allowed day, or no slot left) and the tour goes on from the last scheduled place.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from carto import calendar
from carto.actors.opening_hours import Hours, day_hours
from carto.calendar import DAY_NAMES_FR, PARIS, WEEKDAY_CODES

from .ordering import EPSILON

if TYPE_CHECKING:
    from .tours import StopInput, TourRequest

__all__ = [
    "SLOT_MINUTES",
    "Leg",
    "ScheduledStop",
    "TourError",
    "UnscheduledStop",
    "allowed_days",
    "hhmm",
    "minutes_of",
    "opening_windows",
    "schedule_rank",
    "schedule_sessions",
    "weekday_indexes",
]

SLOT_MINUTES = 5
Ranges = tuple[tuple[int, int], ...]  # minutes since midnight, 0–1440
Windows = Callable[[int, date], tuple[Ranges, str]]  # (stop index, day) -> ranges, note


class TourError(ValueError):
    """Invalid tour request: ``field`` names the request field, the message says why (French)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} : {message}")
        self.field = field
        self.detail = message


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


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def weekday_indexes(values: Iterable[int | str]) -> tuple[int, ...]:
    """Weekdays as indexes, Monday = 0, from indexes or OSM codes ("Mo,We" too)."""
    if isinstance(values, str):
        values = [part.strip() for part in values.split(",") if part.strip()]
    indexes = set()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
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


# --- days ------------------------------------------------------------------------------------


def allowed_days(request: TourRequest) -> list[date]:
    """The days sessions may take place on; TourError naming the filter that leaves none."""
    weekdays = set(weekday_indexes(request.weekdays))
    span = (request.date_to - request.date_from).days + 1
    days = [request.date_from + timedelta(days=offset) for offset in range(span)]
    days = [day for day in days if day.weekday() in weekdays]
    if not days:
        names = ", ".join(DAY_NAMES_FR[index] for index in sorted(weekdays))
        raise TourError("weekdays", f"aucun jour retenu ({names}) entre les deux dates")
    if request.skip_public_holidays:
        days = [day for day in days if not calendar.is_public_holiday(day)]
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


def opening_windows(request: TourRequest, hours: Sequence[Hours | None]) -> Windows:
    """Each stop's open ranges on a day, and a note (unknown hours, comment), computed
    once per stop and day. ``hours`` holds each stop's parsed hours (None: any time)."""
    zone = (request.zone or "").strip()

    def is_school_holiday(day: date) -> bool:
        # validate() checked the zone's calendar over the tour's dates; the evening
        # before them only matters for hours running past midnight.
        in_range = request.date_from <= day <= request.date_to
        return bool(zone) and in_range and calendar.is_school_holiday(day, zone)

    @functools.cache
    def windows(index: int, day: date) -> tuple[Ranges, str]:
        if hours[index] is None:
            return ((0, 24 * 60),), ""
        found = day_hours(
            hours[index],
            day,
            is_public_holiday=calendar.is_public_holiday,
            is_school_holiday=is_school_holiday,
        )
        comments = ", ".join(found.comments)
        if found.open:
            return found.open, f"horaires : {comments}" if comments else ""
        if found.unknown:
            weekday = DAY_NAMES_FR[day.weekday()]
            said = f" ({comments})" if comments else ""
            return (
                found.unknown,
                f"horaires du {weekday} non connus{said} : à confirmer avec le lieu",
            )
        return (), ""

    return windows


# --- sessions --------------------------------------------------------------------------------


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
    return max(0, math.ceil(seconds / 60 - EPSILON))


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=PARIS)


def schedule_sessions(
    request: TourRequest,
    days: list[date],
    order: list[int],
    windows: Windows,
    metres: Sequence[Sequence[float]],
    seconds: Sequence[Sequence[float]],
) -> tuple[list[ScheduledStop], list[UnscheduledStop], int]:
    """The sessions, the stops left out, and the node of the last place reached.

    ``order`` holds matrix nodes (0 is the start, stop i is node i + 1)."""
    day_start, day_end = minutes_of(request.day_start), minutes_of(request.day_end)
    scheduled: list[ScheduledStop] = []
    unscheduled: list[UnscheduledStop] = []
    # The cursor: index in days, the time the previous session ended, sessions that day, place.
    day_index, clock, sessions, place = 0, day_start, 0, 0
    for position, node in enumerate(order, start=1):
        stop = request.stops[node - 1]
        duration = stop.duration_minutes or request.session_minutes
        travel = _travel_minutes(seconds[place][node])
        found = None
        index, ready, count = day_index, clock, sessions
        while index < len(days):
            if count < request.max_sessions_per_day:
                ranges, note = windows(node - 1, days[index])
                start = _earliest_start(ranges, ready + travel, duration, day_start, day_end)
                if start is not None:
                    found = (index, start, count, note)
                    break
            index, ready, count = index + 1, day_start, 0
        if found is None:
            reason = _unscheduled_reason(request, days, windows, node - 1, travel, duration)
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


def schedule_rank(planned) -> tuple:
    """Fewer stops left out first, then the earlier end of the last session."""
    scheduled, unscheduled, _last = planned
    return (
        len(unscheduled),
        scheduled[-1].end if scheduled else datetime.min.replace(tzinfo=PARIS),
    )


def _unscheduled_reason(request, days, windows, index, travel, duration) -> str:
    day_start, day_end = minutes_of(request.day_start), minutes_of(request.day_end)
    if travel + duration > day_end - day_start:
        return (
            f"le trajet depuis l'étape précédente ({travel} min) et la séance ({duration} min) "
            f"ne tiennent pas dans une journée ({hhmm(day_start)}–{hhmm(day_end)})"
        )
    fits_some_day = any(
        _earliest_start(windows(index, day)[0], day_start + travel, duration, day_start, day_end)
        is not None
        for day in days
    )
    if not fits_some_day:
        return (
            f"aucun créneau de {duration} min (trajet de {travel} min compris) dans ses horaires "
            f"« {request.stops[index].opening_hours} » les jours retenus"
        )
    return f"plus de créneau disponible avant le {request.date_to:%d/%m/%Y}"
