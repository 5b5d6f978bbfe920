"""Every opening-hours value carto stores or produces keeps its meaning under opening-hours-py.

The oracle is the evaluator carto used before (``legacy_opening_hours.py``, a frozen copy).
For a value and a day, both are asked at every minute where either may change (the bounds
of their ranges that day, the previous evening's included): neither changes between two
such minutes, so agreeing there is agreeing all day. Public holidays are the same for both
(``carto.calendar``, by département).

- The demo data (every distinct value after the session's imports, with its actor's
  département): every day of 2027.
- Every value the France services conversion makes of the real export, the values of the
  other importers' fixtures and values contributors type: two weeks (winter, summer),
  every public holiday of 2027 (metropolitan, Moselle, La Réunion) and the two days the
  clocks change.

The few readings that changed, none of them in these values, are listed at the end.
"""

import csv
import functools
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from carto import calendar
from carto.actors.models import Actor
from carto.actors.opening_hours import day_hours, from_france_services, is_open
from tests.actors import legacy_opening_hours as legacy

YEAR = 2027
WEEKS = [date(2027, 1, 11) + timedelta(days=n) for n in range(7)] + [
    date(2027, 7, 5) + timedelta(days=n) for n in range(7)
]
CLOCK_CHANGES = [date(2027, 3, 28), date(2027, 10, 31)]
# Values typed by contributors (and by the other importers' fixtures) that the old subset read.
TYPED = [
    "Mo-Fr 09:00-17:00",
    "Mo-Fr 09:00-12:00",
    "Mo 13:30-16:30; Tu-Fr 09:00-12:00,13:30-16:30",
    "Mo-Fr 09:00-17:00; PH off",
    "Mo-Sa 09:00-12:00; PH 10:00-11:00",
    "Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00; Su,PH off",
    'Mo-Fr 09:00-12:00; Sa unknown "sur rendez-vous"; Su off "fermé l\'été"; PH off',
    "24/7",
    "24/7; PH off",
    "Mo-Su 00:00-24:00",
    "off",
    "PH off",
    "PH 10:00-12:00",
    "Mo-Fr 22:00-02:00",
    "Fr 22:00-26:00",
    'Mo-Fr 09:00-12:00 "sur rendez-vous"; Sa unknown "sur rendez-vous"',
    "Mo 10:00-12:00, We 14:00-16:00",
    "Mo 10:00-12:00, Mo 14:00-16:00",
    "Mo 10:00-12:00; Mo 14:00-16:00",
    "Mo-Fr 09:00-18:00; We off",
    "Fr-Mo 10:00-12:00",
    "Mo-We,Fr 10:00-12:00",
    "Sa-Su",
    "10:00-12:00",
    "mo-fr 8:30-12:00",
    "Mo-Fr 09:00-12:00;",
    "sa 9:00-12:00 ; mo-fr 14:00-17:00,08:30-12:00",
    "Mo 09:00-11:00,10:00-12:00,12:00-13:00",
]


def holidays_in(departement: str):
    return lambda day: calendar.is_public_holiday(day, departement)


@functools.cache
def _legacy(value: str):
    """The old reading of a value, and every minute where its answer may change."""
    schedule = legacy.parse(value)
    bounds = {0}
    for day in (*schedule.days, schedule.public_holidays or legacy.CLOSED):
        for start, end in day.ranges:
            bounds.update((start, end, end - legacy.MINUTES_PER_DAY))
    return schedule, bounds


def disagreements(value: str, day: date, holidays) -> list[str]:
    """The minutes of ``day`` where the two evaluators answer differently."""
    schedule, bounds = _legacy(value)
    opened = day_hours(value, day, is_public_holiday=holidays).open
    minutes = {minute for minute in bounds if 0 <= minute < legacy.MINUTES_PER_DAY}
    minutes.update(bound for span in opened for bound in span if bound < legacy.MINUTES_PER_DAY)
    midnight = datetime.combine(day, time())
    found = []
    for minute in sorted(minutes):
        old = legacy.is_open(schedule, midnight + timedelta(minutes=minute), holidays)
        new = any(start <= minute < end for start, end in opened)
        if old != new:
            found.append(f"{value!r} {day} {minute // 60:02d}:{minute % 60:02d}: {old} -> {new}")
    return found


def france_services_values() -> set[str]:
    path = Path(settings.CARTO_DATA_DIR) / "acteurs" / "france_services_20240801.csv"
    with path.open(encoding="utf-8", newline="") as file:
        return {from_france_services(row).value for row in csv.DictReader(file)} - {""}


def key_days() -> dict[str, list[date]]:
    """The days to check, by the département whose calendar makes them holidays."""
    metropolitan = set(calendar.public_holidays(YEAR))
    return {
        "": sorted({*WEEKS, *CLOCK_CHANGES, *metropolitan}),
        "57": sorted(set(calendar.public_holidays(YEAR, "57")) - metropolitan),
        "974": sorted(set(calendar.public_holidays(YEAR, "974")) - metropolitan),
    }


@pytest.mark.django_db
def test_demo_values_keep_their_meaning_every_day_of_a_year():
    stored = set(
        Actor.objects.exclude(opening_hours="")
        .values_list("opening_hours", "departement_code")
        .distinct()
    )
    assert len({value for value, _ in stored}) > 100
    year = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    found = []
    for value, departement in sorted(stored):
        holidays = holidays_in(departement)
        for day in year:
            found += disagreements(value, day, holidays)
    assert found == []


@pytest.mark.slow
def test_produced_and_typed_values_keep_their_meaning():
    values = france_services_values()
    assert len(values) > 2000
    values.update(TYPED)
    found = []
    for departement, days in key_days().items():
        holidays = holidays_in(departement)
        for value in sorted(values):
            for day in days:
                found += disagreements(value, day, holidays)
    assert found == []


def test_the_key_days_hold_the_holidays_of_every_calendar():
    days = key_days()
    assert date(2027, 5, 6) in days[""]  # Ascension, missing from the library's own calendar
    assert days["57"] == [date(2027, 3, 26), date(2027, 12, 26)]
    assert date(2027, 12, 20) in days["974"]


# (value, moment, département, old answer): the readings that changed with the library.
CHANGED = [
    # A later rule naming Saturday replaces all of Saturday, Friday's night included.
    ("Fr 22:00-02:00; Sa off", datetime(2027, 7, 17, 1), "", True),
    # The same with a holiday: the night before 14 July ends at midnight.
    ("Mo-Fr 22:00-02:00; PH off", datetime(2027, 7, 14, 1), "62", True),
    # A rule with only a comment means open (the old subset read « unknown »).
    ('Su "sur demande"', datetime(2027, 7, 18, 10), "", False),
    # Rules apply in order: a later weekday rule wins over an earlier PH rule.
    ("PH off; Mo-Fr 09:00-17:00", datetime(2027, 7, 14, 10), "62", False),
]


@pytest.mark.parametrize(("value", "moment", "departement", "old"), CHANGED)
def test_the_readings_that_changed(value, moment, departement, old):
    holidays = holidays_in(departement)
    assert legacy.is_open(value, moment, holidays) is old
    assert is_open(value, moment, holidays) is not old
