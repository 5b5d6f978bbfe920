"""French calendar: school holidays and public holidays, from well-kept packages, shared
by the directory (« ouvert maintenant »), the tour planner and the agenda.

School holidays come from ``vacances-scolaires-france`` (the ministry's calendar,
« fr-en-calendrier-scolaire », packaged with its updates), chosen over the data file
carto kept before because it is fresher: it holds the school years up to 2027-2028,
where the file stopped at the start of summer 2027. Its days are grouped here into
periods per metropolitan zone (A, B, C): ``start`` is the first day without school,
``end`` the day school resumes (excluded).

A zone's calendar is only known over its *coverage*: from its first holiday to the last
day of its last published holidays. The package answers « school day » for any later
day of a year it holds (the autumn of 2028, say, before the ministry publishes it):
``is_school_holiday`` refuses a day outside the coverage (``HolidayDataError``) rather
than answer on a guess, so that a tour « sur période de vacances » is never planned on
one; ``coverage()`` lets the caller check a whole range first. A newer calendar comes
with a newer version of the package.

Public holidays come from the ``holidays`` package, with the French subdivisions it
knows: ``public_holidays(year, departement)`` gives the metropolitan days, plus Good
Friday and 26 December in Moselle, Bas-Rhin and Haut-Rhin, and the abolition-of-slavery
days of Guadeloupe, Martinique, Guyane, La Réunion and Mayotte.

The French wall clock and the week are written here once: ``PARIS`` (the time zone of
every date and time carto shows), ``WEEKDAY_CODES`` (the OSM codes, Monday first, as
``date.weekday()`` counts) and ``DAY_NAMES_FR``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import holidays
from vacances_scolaires_france import SchoolHolidayDates

__all__ = [
    "DAY_NAMES_FR",
    "PARIS",
    "WEEKDAY_CODES",
    "ZONES",
    "HolidayDataError",
    "HolidayPeriod",
    "coverage",
    "is_public_holiday",
    "is_school_holiday",
    "load",
    "periods",
    "public_holidays",
    "zones",
]

PARIS = ZoneInfo("Europe/Paris")
WEEKDAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")  # Monday = 0, as date.weekday()
DAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

ZONES = ("A", "B", "C")  # the metropolitan zones (Corse and overseas have calendars of their own)


class HolidayDataError(ValueError):
    """A question about school holidays falls outside what the calendar knows."""


@dataclass(frozen=True)
class HolidayPeriod:
    """School holidays of one zone: from ``start`` to the day before ``end``."""

    zone: str
    description: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def last_day(self) -> date:
        """The last day without school."""
        return self.end - timedelta(days=1)


@functools.cache
def load() -> tuple[HolidayPeriod, ...]:
    """Every published period of school holidays, by zone then start (read once)."""
    calendar = SchoolHolidayDates()
    result = []
    for zone in ZONES:
        days = sorted(
            (day, row["nom_vacances"])
            for year in range(calendar.min_year, calendar.max_year + 1)
            for day, row in calendar.holidays_for_year_and_zone(year, zone).items()
        )
        start = previous = name = None
        for day, day_name in days:
            if start is not None and (day - previous).days == 1 and day_name == name:
                previous = day
                continue
            if start is not None:
                result.append(HolidayPeriod(zone, name, start, previous + timedelta(days=1)))
            start = previous = day
            name = day_name
        if start is not None:
            result.append(HolidayPeriod(zone, name, start, previous + timedelta(days=1)))
    if not result:
        raise HolidayDataError("vacances-scolaires-france : aucune période de vacances")
    return tuple(result)


def zones() -> tuple[str, ...]:
    """The zones the data holds, sorted."""
    return tuple(sorted({period.zone for period in load()}))


def _zone_periods(zone: str) -> list[HolidayPeriod]:
    found = [period for period in load() if period.zone == zone]
    if not found:
        raise HolidayDataError(
            f"zone « {zone} » inconnue du calendrier scolaire (connues : {', '.join(zones())})"
        )
    return found


def coverage(zone: str) -> tuple[date, date]:
    """The first and last days (inclusive) over which the zone's calendar is known."""
    found = _zone_periods(zone)
    return found[0].start, found[-1].last_day


def is_school_holiday(day: date, zone: str) -> bool:
    """Whether ``day`` is a day of school holidays in ``zone`` (A, B or C).

    Raises HolidayDataError for an unknown zone or a day outside the zone's coverage."""
    first, last = coverage(zone)
    if not first <= day <= last:
        raise HolidayDataError(
            f"calendrier scolaire de la zone {zone} connu du {first:%d/%m/%Y} au "
            f"{last:%d/%m/%Y} seulement : {day:%d/%m/%Y} hors de cette période"
        )
    return any(period.contains(day) for period in _zone_periods(zone))


def periods(zone: str, date_from: date, date_to: date) -> list[HolidayPeriod]:
    """The zone's holiday periods that share at least one day with [date_from, date_to]."""
    return [
        period
        for period in _zone_periods(zone)
        if period.start <= date_to and period.end > date_from
    ]


# The départements whose public holidays differ from metropolitan France, by the
# subdivision code of the ``holidays`` package.
SUBDIVISIONS = {
    "57": "57",  # Moselle
    "67": "6AE",  # Bas-Rhin
    "68": "6AE",  # Haut-Rhin
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


@functools.cache
def public_holidays(year: int, departement: str = "") -> dict[date, str]:
    """The public holidays (jours fériés) of ``year`` in a département (metropolitan
    France when empty or ordinary), by date, with their French names."""
    days = holidays.France(
        years=year, subdiv=SUBDIVISIONS.get(departement), language="fr", categories="public"
    )
    return dict(sorted(days.items()))


def is_public_holiday(day: date, departement: str = "") -> bool:
    return day in public_holidays(day.year, departement)
