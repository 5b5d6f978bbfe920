"""A value's week, read back through the library, written, and said in French.

Design choice: the week is what ``opening-hours-py`` evaluates over a reference week
(one ``Day`` per weekday, and what each weekday becomes when it is a public holiday),
never a second parse of the text. Only values whose hours are the same every week
(weekdays, ``PH``, times, modifiers) have one; ``describe_fr`` returns the others
(months, weeks, dates, ``SH``, ``sunset``…) as written. Hours running past midnight
stay with the day they start on (``Fr 22:00-02:00``). ``write_week`` is the reverse,
for the importers that build a week (France services).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from carto.calendar import DAY_NAMES_FR, WEEKDAY_CODES

from .evaluation import (
    CLOSED,
    MINUTES_PER_DAY,
    OPEN,
    UNKNOWN,
    HolidayTest,
    Hours,
    Range,
    hours_of,
    minute_of,
    never,
    segments,
    unquoted_parts,
)


@dataclass(frozen=True)
class Day:
    """What a week says about one day: closed when it has no range and is not unknown."""

    ranges: tuple[Range, ...] = ()
    unknown: bool = False
    comment: str = ""


CLOSED_DAY = Day()
ALL_DAY = Day(ranges=((0, MINUTES_PER_DAY),))


@dataclass(frozen=True)
class Schedule:
    """A week, Monday first; ``public_holidays``: each weekday when it is a public holiday
    (None when the value names none)."""

    days: tuple[Day, ...] = (CLOSED_DAY,) * 7
    public_holidays: tuple[Day, ...] | None = None


def merge_ranges(ranges: Iterable[Range]) -> tuple[Range, ...]:
    """Sorted ranges with overlapping and adjacent ones merged."""
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


# Only weekdays, PH, times and modifiers: the same hours every week.
_WEEKLY_RE = re.compile(
    r"(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|open|off|closed|unknown|24/7|\d{1,2}:\d{2}|[-,; ])*",
    re.IGNORECASE,
)
_REFERENCE_MONDAY = date(2024, 1, 1)


def _day_of(pieces: list[tuple[int, int, str, str]]) -> Day | None:
    """The Day of one day's pieces; None when a Day cannot say it (partly unknown…)."""
    opened = tuple((start, end) for start, end, state, _ in pieces if state == OPEN)
    unknown = [(start, end) for start, end, state, _ in pieces if state == UNKNOWN]
    comments = {comment for *_, comment in pieces if comment}
    closed_comment = any(comment for _, _, state, comment in pieces if state == CLOSED)
    if len(comments) > 1 or (opened and (unknown or closed_comment)):
        return None
    comment = next(iter(comments), "")
    if unknown:
        return Day(unknown=True, comment=comment) if unknown == [(0, MINUTES_PER_DAY)] else None
    return Day(ranges=opened, comment=comment)


def _read_days(hours: Hours, public: HolidayTest) -> list[Day | None]:
    """The seven days of the reference week; hours running past midnight stay with the
    day they start on (``Fr 22:00-02:00``), as the week repeats."""
    monday = datetime.combine(_REFERENCE_MONDAY, time())
    pieces: list[list[list]] = [[] for _ in range(8)]
    for item in segments(hours, monday, monday + timedelta(days=8), is_public_holiday=public):
        cursor = item.start
        while cursor < item.end:
            index = (cursor - monday).days
            midnight = monday + timedelta(days=index)
            stop = min(item.end, midnight + timedelta(days=1))
            start_minute, end_minute = (
                minute_of(cursor, midnight.date()),
                minute_of(stop, midnight.date()),
            )
            pieces[index].append([start_minute, end_minute, item.state, item.comment])
            cursor = stop
    for index in range(7):
        today, tomorrow = pieces[index][-1], pieces[index + 1][0]
        spills = (
            today[2] != CLOSED
            and today[0] > 0
            and today[1] == MINUTES_PER_DAY
            and tomorrow[0] == 0
            and tomorrow[1] < MINUTES_PER_DAY
            and today[2:] == tomorrow[2:]
        )
        if spills:
            today[1] += tomorrow[1]
            pieces[index + 1].pop(0)
            if index == 6:  # the same evening, a week earlier, spilled into this Monday
                pieces[0].pop(0)
    return [_day_of([tuple(piece) for piece in day]) for day in pieces[:7]]


def read_week(value: "str | Hours") -> Schedule | None:
    """The week a value means, as the library evaluates it; None when its hours change
    along the year (months, weeks, dates, ``SH``, ``sunset``…) or a Day cannot say them."""
    hours = hours_of(value)
    outside_comments = " ".join(part for outside, part in unquoted_parts(hours.value) if outside)
    if not _WEEKLY_RE.fullmatch(outside_comments):
        return None
    days = _read_days(hours, never)
    holidays = None
    if hours.public_holidays:
        holidays = []
        for index in range(7):
            holiday = _REFERENCE_MONDAY + timedelta(days=index)
            holidays.append(_read_days(hours, lambda day, holiday=holiday: day == holiday)[index])
    if None in days or (holidays and None in holidays):
        return None
    return Schedule(tuple(days), tuple(holidays) if holidays else None)


# --- writing a week ------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _osm_range(start: int, end: int) -> str:
    # 22:00-02:00 rather than 22:00-26:00, unless the range lasts more than a day.
    if end > MINUTES_PER_DAY and end - MINUTES_PER_DAY < start:
        end -= MINUTES_PER_DAY
    return f"{_hhmm(start)}-{_hhmm(end)}"


def _osm_day(day: Day) -> str:
    if day.ranges:
        text = ",".join(_osm_range(start, end) for start, end in day.ranges)
    else:
        text = "unknown" if day.unknown else "off"
    return f'{text} "{day.comment}"' if day.comment else text


def _runs(indexes: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive days as (first, last) pairs: [0, 1, 2, 4] -> [(0, 2), (4, 4)]."""
    runs: list[tuple[int, int]] = []
    for index in sorted(indexes):
        if runs and index == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _osm_days(indexes: list[int]) -> str:
    # Mo-We for three days or more, Sa,Su for two: both valid, the list reads better.
    parts = []
    for first, last in _runs(indexes):
        if last - first >= 2:
            parts.append(f"{WEEKDAY_CODES[first]}-{WEEKDAY_CODES[last]}")
        else:
            parts.extend(WEEKDAY_CODES[first : last + 1])
    return ",".join(parts)


def _groups(days: Iterable[tuple[int, Day]]) -> list[tuple[Day, list[int]]]:
    """Days with identical hours together, in the order of their first day."""
    groups: dict[Day, list[int]] = {}
    for index, day in days:
        groups.setdefault(day, []).append(index)
    return list(groups.items())


def write_week(schedule: Schedule) -> str:
    """The OSM value of a week (public holidays aside): identical days grouped (``Mo-Fr``,
    ``Mo,We``), closed days without a comment omitted, ``24/7`` for a week always open.

    ``read_week`` gives the week back, except a night that runs into a day with a rule
    of its own: the library ends it at midnight (France services never open at night)."""
    if all(day == ALL_DAY for day in schedule.days):
        return "24/7"
    stated = [(index, day) for index, day in enumerate(schedule.days) if day != CLOSED_DAY]
    rules = [f"{_osm_days(indexes)} {_osm_day(day)}" for day, indexes in _groups(stated)]
    return "; ".join(rules) or "off"


# --- French descriptions -------------------------------------------------------------------


def _time_fr(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _range_fr(start: int, end: int) -> str:
    if (start, end) == (0, MINUTES_PER_DAY):
        return "24 h/24"
    if end > MINUTES_PER_DAY:
        return f"{_time_fr(start)} – {_time_fr(end - MINUTES_PER_DAY)} le lendemain"
    return f"{_time_fr(start)} – {_time_fr(end)}"


def _day_fr(day: Day) -> str:
    if day.ranges:
        text = ", ".join(_range_fr(start, end) for start, end in day.ranges)
        return f"{text} ({day.comment})" if day.comment else text
    if day.unknown:
        return day.comment or "horaires non communiqués"
    return f"fermé ({day.comment})" if day.comment else "fermé"


def _days_fr(indexes: list[int]) -> str:
    if len(indexes) == 7:
        return "tous les jours"
    parts = []
    for first, last in _runs(indexes):
        if last - first >= 2:
            parts.append(f"du {DAY_NAMES_FR[first]} au {DAY_NAMES_FR[last]}")
        else:
            parts.extend(DAY_NAMES_FR[first : last + 1])
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} et {parts[-1]}"


def describe_fr(value: "str | Hours") -> list[str]:
    """One French line per group of days with the same hours, in week order, then the
    public holidays (per weekday when they differ); the value as written when its hours
    change along the year.

    A closed weekday is stated (« mercredi : fermé »); a closed Saturday or Sunday is
    implied, unless a comment explains it. ``24/7`` reads « ouvert 24 h/24, 7 j/7 »."""
    week = read_week(value)
    if week is None:
        return [hours_of(value).value]
    if all(day == ALL_DAY for day in week.days):
        lines = ["ouvert 24 h/24, 7 j/7"]
    elif all(day == CLOSED_DAY for day in week.days):
        lines = ["fermé"]
    else:
        shown = [(i, day) for i, day in enumerate(week.days) if i < 5 or day != CLOSED_DAY]
        lines = [f"{_days_fr(indexes)} : {_day_fr(day)}" for day, indexes in _groups(shown)]
    if week.public_holidays is not None:
        groups = _groups(enumerate(week.public_holidays))
        if len(groups) == 1:
            lines.append(f"jours fériés : {_day_fr(groups[0][0])}")
        else:
            lines.extend(
                f"jours fériés ({_days_fr(indexes)}) : {_day_fr(day)}" for day, indexes in groups
            )
    return lines
