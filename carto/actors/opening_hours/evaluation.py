"""Evaluation of OSM ``opening_hours`` values by ``opening-hours-py``, with French holidays.

Design choice: the library parses and evaluates every valid value; this module only
adds what it lacks.

- **French holidays.** The library knows one national calendar per country (its
  French one misses Ascension, Alsace-Moselle and the overseas days) and takes no
  list from its caller; without a country, ``PH`` and ``SH`` never match. So the
  callers' calendars (``carto.calendar``, by département or school zone) are compiled
  into the value: evaluation goes by windows of ``WINDOW_DAYS`` days (plus the two days
  before, for hours running past midnight); within a window the seven days have seven
  different weekdays, so each holiday selector (``PH``, ``PH +1 day``, ``SH``) that
  matches a day of it is rewritten as that day's weekday (``Mo-Fr 09:00-17:00; PH off``
  over a window holding Wednesday 14 July becomes ``Mo-Fr 09:00-17:00; We off``); the
  ones that match no day of it stay as they are and never match. The library reads a
  day selector holding ``PH`` as a union of days (``PH Mo`` = ``PH,Mo``) and the
  rewriting keeps it one. Public holidays apply on the days ``is_public_holiday``
  names, school holidays on those ``is_school_holiday`` names; by default none is one.
- **French errors**: ``parse`` turns the library's error into « position N : « token » :
  attendu … » (``OpeningHoursError``).
- **Tolerance**: a trailing « ; », common and harmless, is dropped before the library
  reads a value (it would refuse it).

Times are naive French wall-clock times (an aware one is converted to Paris).
"""

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from opening_hours import OpeningHours, ParserError

from carto.calendar import PARIS, WEEKDAY_CODES

OPEN, CLOSED, UNKNOWN = "open", "closed", "unknown"  # the library's states
MINUTES_PER_DAY = 24 * 60
WINDOW_DAYS = 5  # + 2 days before: seven days, seven weekdays

Range = tuple[int, int]  # minutes since the day's midnight; end > 1440 runs past midnight
HolidayTest = Callable[[date], bool]


def never(_day: date) -> bool:
    """No day is a holiday: the default calendar."""
    return False


# --- reading a value -----------------------------------------------------------------------


class OpeningHoursError(ValueError):
    """An invalid value; the French message names the position (1-based) and the token."""

    def __init__(self, message: str, position: int = 0, token: str = ""):
        super().__init__(message)
        self.position = position
        self.token = token


@dataclass(frozen=True)
class Hours:
    """A valid value as given to the library, and whether it names holidays."""

    value: str
    public_holidays: bool
    school_holidays: bool


_COMMENT_RE = re.compile(r'("[^"]*")')
_HOLIDAY = r"(?:PH(?: [+-]\d+ days?)?|SH)"
_HOLIDAYS_RE = re.compile(rf"(?<![A-Za-z]){_HOLIDAY}(?:,{_HOLIDAY})*(?![A-Za-z])")
_WDAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?![A-Za-z])"
_WEEKDAYS_BEFORE_RE = re.compile(rf"(?:{_WDAY}|\])[ ,]$", re.IGNORECASE)
_WEEKDAYS_AFTER_RE = re.compile(rf"[ ,](?={_WDAY})", re.IGNORECASE)
_POSITION_RE = re.compile(r"--> (\d+):(\d+)")
_TOKEN_RE = re.compile(r"\d{1,2}:\d{2}|[A-Za-z]+|\d+|\|\||\S")
# The library's grammar rules, as the French message names them (others are left out).
_EXPECTED_FR = {
    "EOI": "la fin du texte",
    "any_rule_separator": "« ; » entre deux règles",
    "normal_rule_separator": "« ; » entre deux règles",
    "rules_modifier": "open, off, unknown ou un commentaire",
    "timespan": "une plage horaire HH:MM-HH:MM",
    "timespan_plus": "« - » et l'heure de fin",
    "time": "une heure HH:MM",
    "extended_time": "une heure de fin HH:MM",
    "hour_minutes": "une heure HH:MM",
    "minute": "des minutes (00 à 59)",
    "holiday": "PH ou SH",
    "wday": "un jour (Mo, Tu, We, Th, Fr, Sa, Su)",
    "small_range_selectors": "des jours ou une plage horaire",
    "monthday_range": "un mois ou une date",
    "week_selector": "une semaine (week)",
    "year": "une année",
    "comment": "un commentaire entre guillemets",
}


def unquoted_parts(value: str) -> Iterator[tuple[bool, str]]:
    """The parts of a value, each with whether it is outside a comment."""
    for index, part in enumerate(_COMMENT_RE.split(value)):
        yield index % 2 == 0, part


def _french_error(value: str, error: ParserError) -> OpeningHoursError:
    text = str(error)
    found = _POSITION_RE.search(text)
    if found is None:
        return OpeningHoursError(f"horaires illisibles : {text.splitlines()[0]}")
    line, column = int(found[1]), int(found[2])
    position = sum(len(row) + 1 for row in value.split("\n")[: line - 1]) + column
    match = _TOKEN_RE.search(value, position - 1)
    token = match.group() if match and position <= len(value) else "fin du texte"
    expected = re.search(r"= expected (.+)$", text, re.MULTILINE)
    names = re.findall(r"\w+", expected[1]) if expected else []
    words = list(dict.fromkeys(_EXPECTED_FR[name] for name in names if name in _EXPECTED_FR))
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", token)
    if clock and (int(clock[1]) > 24 or int(clock[2]) > 59):
        reason = "heure invalide"
    elif words:
        listed = ", ".join(words[:-1]) + " ou " + words[-1] if len(words) > 1 else words[0]
        reason = f"attendu : {listed}"
    elif "= unexpected" in text:
        reason = "inattendu ici"
    else:
        reason = "syntaxe opening_hours non reconnue"
    return OpeningHoursError(f"position {position} : « {token} » : {reason}", position, token)


@functools.lru_cache(maxsize=4096)
def _library(value: str) -> OpeningHours:
    """The library's reading of a value (no country: PH and SH never match by themselves)."""
    return OpeningHours(value, country=None)


@functools.lru_cache(maxsize=4096)
def parse(value: str) -> Hours:
    """A valid OSM ``opening_hours`` value, checked by the library.

    Raises OpeningHoursError, in French, naming the position and the token."""
    text = re.sub(r"\s*;\s*$", "", value.strip()) if isinstance(value, str) else ""
    if not text:
        raise OpeningHoursError("horaires vides")
    try:
        _library(text)
    except ParserError as exc:
        raise _french_error(text, exc) from None
    atoms = [
        atom
        for outside, part in unquoted_parts(text)
        if outside
        for match in _HOLIDAYS_RE.finditer(part)
        for atom in match.group().split(",")
    ]
    return Hours(text, any(a.startswith("PH") for a in atoms), "SH" in atoms)


def hours_of(value: "str | Hours") -> Hours:
    """A value as Hours, parsed when given as text."""
    return value if isinstance(value, Hours) else parse(value)


# --- holidays compiled into the value ------------------------------------------------------


def _holiday_days(atom: str, window: list[date], public: HolidayTest, school: HolidayTest):
    """The days of ``window`` a holiday selector (``PH``, ``PH -1 day``, ``SH``) matches."""
    if atom == "SH":
        return [day for day in window if school(day)]
    offset = int(atom[3:].split()[0]) if len(atom) > 2 else 0
    return [day for day in window if public(day - timedelta(days=offset))]


def _rewrite(part: str, window: list[date], public: HolidayTest, school: HolidayTest) -> str:
    """``part`` with each holiday of ``window`` written as its weekday (module docstring)."""
    pieces, last = [], 0
    for match in _HOLIDAYS_RE.finditer(part):
        kept, weekdays = [], set()
        for atom in match.group().split(","):
            days = _holiday_days(atom, window, public, school)
            weekdays.update(day.weekday() for day in days)
            if not days:
                kept.append(atom)
        if not weekdays:
            continue
        codes = [WEEKDAY_CODES[index] for index in sorted(weekdays)]
        start, end = match.span()
        before = part[last:start]
        if before and _WEEKDAYS_BEFORE_RE.search(part[:start]):
            before = before[:-1] + ","  # Mo PH -> Mo,We: one weekday sequence
        pieces.append(before)
        if _WEEKDAYS_AFTER_RE.match(part, end):  # PH Mo -> We,Mo (holidays kept first)
            pieces.append(",".join([*kept, *codes]) + ",")
            last = end + 1
        else:
            pieces.append(",".join([*codes, *kept]))
            last = end
    return "".join(pieces) + part[last:]


def _evaluator(hours: Hours, first: date, public: HolidayTest, school: HolidayTest):
    """The library's object that is right from ``first`` for ``WINDOW_DAYS`` days."""
    if not (hours.public_holidays or hours.school_holidays):
        return _library(hours.value)
    window = [first + timedelta(days=offset) for offset in range(-2, WINDOW_DAYS)]
    text = "".join(
        _rewrite(part, window, public, school) if outside else part
        for outside, part in unquoted_parts(hours.value)
    )
    return _library(text)


# --- questions -----------------------------------------------------------------------------


class Segment(NamedTuple):
    """A stretch of time with one state (OPEN, CLOSED or UNKNOWN) and one comment."""

    start: datetime
    end: datetime
    state: str
    comment: str


def _local(when: datetime) -> datetime:
    return when.astimezone(PARIS).replace(tzinfo=None) if when.tzinfo else when


def _segments(hours, start, end, public, school) -> Iterator[Segment]:
    cursor = start
    while cursor < end:
        stop = end
        if hours.public_holidays or hours.school_holidays:
            stop = min(end, datetime.combine(cursor.date(), time()) + timedelta(WINDOW_DAYS))
        evaluator = _evaluator(hours, cursor.date(), public, school)
        for seg_start, seg_end, state, comment in evaluator.intervals(cursor, stop):
            yield Segment(max(seg_start, cursor), min(seg_end, stop), str(state), comment)
        cursor = stop


def segments(
    value: "str | Hours",
    start: datetime,
    end: datetime,
    *,
    is_public_holiday: HolidayTest = never,
    is_school_holiday: HolidayTest = never,
) -> list[Segment]:
    """The successive states of the place from ``start`` to ``end``, as the library says."""
    result: list[Segment] = []
    start, end = _local(start), _local(end)
    for item in _segments(hours_of(value), start, end, is_public_holiday, is_school_holiday):
        previous = result[-1] if result else None
        if previous and (previous.state, previous.comment) == (item.state, item.comment):
            result[-1] = previous._replace(end=item.end)
        elif item.start < item.end:
            result.append(item)
    return result


def is_open(
    value: "str | Hours",
    when: datetime,
    is_public_holiday: HolidayTest = never,
    *,
    is_school_holiday: HolidayTest = never,
) -> bool:
    """Whether the place is open at ``when``; ``unknown`` hours are never « open »."""
    hours, when = hours_of(value), _local(when)
    return _evaluator(hours, when.date(), is_public_holiday, is_school_holiday).is_open(when)


def next_change(
    value: "str | Hours",
    when: datetime,
    is_public_holiday: HolidayTest = never,
    *,
    is_school_holiday: HolidayTest = never,
    horizon: timedelta = timedelta(days=366),
) -> datetime | None:
    """The next time after ``when`` the place opens or closes; None if not within ``horizon``."""
    when = _local(when)
    found = _segments(hours_of(value), when, when + horizon, is_public_holiday, is_school_holiday)
    opened = None
    for item in found:
        if opened is None:
            opened = item.state == OPEN
        elif (item.state == OPEN) != opened:
            return item.start
    return None


@dataclass(frozen=True)
class DayHours:
    """One date's open and unknown ranges (minutes, 0–1440) and the comments over them."""

    open: tuple[Range, ...]
    unknown: tuple[Range, ...]
    comments: tuple[str, ...]


def minute_of(moment: datetime, day: date) -> int:
    """Minutes from ``day``'s midnight to ``moment``."""
    return (moment - datetime.combine(day, time())) // timedelta(minutes=1)


def day_hours(
    value: "str | Hours",
    day: date,
    *,
    is_public_holiday: HolidayTest = never,
    is_school_holiday: HolidayTest = never,
) -> DayHours:
    """What the hours say about ``day``, from midnight to midnight (the previous evening's
    hours that run past midnight included)."""
    midnight = datetime.combine(day, time())
    found = segments(
        value,
        midnight,
        midnight + timedelta(days=1),
        is_public_holiday=is_public_holiday,
        is_school_holiday=is_school_holiday,
    )
    ranges = {OPEN: [], UNKNOWN: [], CLOSED: []}
    for item in found:
        ranges[item.state].append((minute_of(item.start, day), minute_of(item.end, day)))
    comments = [item.comment for item in found if item.comment and item.state != CLOSED]
    return DayHours(tuple(ranges[OPEN]), tuple(ranges[UNKNOWN]), tuple(dict.fromkeys(comments)))
