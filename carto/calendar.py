"""French calendar: school holidays (from data) and public holidays (the ``holidays``
package), shared by the directory (« ouvert maintenant »), the tour planner and the agenda.

Design choice: school holidays are data, not code. ``data/calendrier/vacances_scolaires.csv``
(``zone,description,start,end``, ``#`` comment lines) holds the periods of the
metropolitan zones A, B and C, taken from the ministry's « fr-en-calendrier-scolaire »
dataset; its sibling README.md cites the sources and says what was left out. ``start``
is the first day without school, ``end`` the day school resumes (excluded); an empty
``end`` marks holidays whose end is not published yet.

A zone's calendar is only known over its *coverage*: from the first listed start to
the last known day (the day before an open-ended period's start, else the day before
the last resumption). ``is_school_holiday`` refuses a day outside it
(``HolidayDataError``) rather than answering « school day » by default, so that a
tour « sur période de vacances » is never planned on a guess; ``coverage()`` lets the
caller check a whole range first.

The file is read once per process (``load`` is cached) and validated row by row: a
bad zone, date, column count, an end not after its start or two overlapping periods
of one zone raise ``HolidayDataError`` naming the file and the line.

Public holidays come from the well-kept ``holidays`` package, with the French
subdivisions it knows: ``public_holidays(year, departement)`` gives the metropolitan
days, plus Good Friday and 26 December in Moselle, Bas-Rhin and Haut-Rhin, and the
abolition-of-slavery days of Guadeloupe, Martinique, Guyane, La Réunion and Mayotte.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import holidays

__all__ = [
    "CSV_NAME",
    "ZONES",
    "HolidayDataError",
    "HolidayPeriod",
    "coverage",
    "is_public_holiday",
    "is_school_holiday",
    "load",
    "periods",
    "public_holidays",
    "read_periods",
    "zones",
]

CSV_NAME = "vacances_scolaires.csv"
COLUMNS = ["zone", "description", "start", "end"]
ZONES = ("A", "B", "C")  # the metropolitan zones; Corse and overseas are not loaded
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class HolidayDataError(ValueError):
    """The holiday file is malformed, or a question falls outside what it knows."""


@dataclass(frozen=True)
class HolidayPeriod:
    """School holidays of one zone: from ``start`` to the day before ``end`` (None: not published)."""

    zone: str
    description: str
    start: date
    end: date | None

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    @property
    def last_day(self) -> date | None:
        """The last day without school, None when the end is not published."""
        return None if self.end is None else self.end - timedelta(days=1)


def calendar_dir() -> Path:
    """Where the calendar files live: ``settings.BASE_DIR / "data" / "calendrier"``."""
    from django.conf import settings

    return Path(settings.BASE_DIR) / "data" / "calendrier"


def _parse_date(value: str, column: str, where: str) -> date:
    value = value.strip()
    if not _ISO_DATE.match(value):
        raise HolidayDataError(f"{where} : {column} « {value} » n'est pas une date AAAA-MM-JJ")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HolidayDataError(
            f"{where} : {column} « {value} » n'est pas une date valide"
        ) from None


def read_periods(path: Path) -> tuple[HolidayPeriod, ...]:
    """Every period of a holiday CSV, validated; raises HolidayDataError naming the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HolidayDataError(f"{path} : lecture impossible ({exc})") from None
    rows = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows:
        raise HolidayDataError(f"{path} : fichier vide")
    header_number, header_line = rows[0]
    header = [cell.strip() for cell in next(csv.reader([header_line]))]
    if header != COLUMNS:
        raise HolidayDataError(
            f"{path.name}, ligne {header_number} : en-tête {','.join(header)!r}, "
            f"attendu {','.join(COLUMNS)!r}"
        )
    result: list[HolidayPeriod] = []
    for number, line in rows[1:]:
        where = f"{path.name}, ligne {number}"
        cells = next(csv.reader([line]))
        if len(cells) != len(COLUMNS):
            raise HolidayDataError(f"{where} : {len(cells)} colonnes, {len(COLUMNS)} attendues")
        zone, description, start_text, end_text = (cell.strip() for cell in cells)
        if zone not in ZONES:
            raise HolidayDataError(
                f"{where} : zone « {zone} » inconnue (attendu : {', '.join(ZONES)})"
            )
        if not description:
            raise HolidayDataError(f"{where} : description vide")
        start = _parse_date(start_text, "start", where)
        end = _parse_date(end_text, "end", where) if end_text else None
        if end is not None and end <= start:
            raise HolidayDataError(f"{where} : end ({end}) doit suivre start ({start})")
        period = HolidayPeriod(zone, description, start, end)
        for other in result:
            if other.zone == zone and _overlap(other, period):
                raise HolidayDataError(
                    f"{where} : « {description} » ({start} → {end or '…'}) chevauche "
                    f"« {other.description} » ({other.start} → {other.end or '…'}) en zone {zone}"
                )
        result.append(period)
    if not result:
        raise HolidayDataError(f"{path} : aucune période")
    return tuple(sorted(result, key=lambda p: (p.zone, p.start)))


def _overlap(a: HolidayPeriod, b: HolidayPeriod) -> bool:
    a_end = a.end or date.max
    b_end = b.end or date.max
    return a.start < b_end and b.start < a_end


@functools.cache
def load(path: Path | None = None) -> tuple[HolidayPeriod, ...]:
    """The periods of ``vacances_scolaires.csv`` (cached per path)."""
    return read_periods(Path(path) if path is not None else calendar_dir() / CSV_NAME)


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
    first = found[0].start
    open_ended = [period.start for period in found if period.end is None]
    if open_ended:
        last = min(open_ended) - timedelta(days=1)
    else:
        last = max(period.end for period in found) - timedelta(days=1)
    return first, last


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
        if period.start <= date_to and (period.end is None or period.end > date_from)
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
