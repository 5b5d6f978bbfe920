"""Opening hours in the OpenStreetMap ``opening_hours`` syntax.

Design choice: an actor stores its hours as one OSM ``opening_hours`` string
(https://wiki.openstreetmap.org/wiki/Key:opening_hours), the format of OSM and of
the data·inclusion schema, so that hours travel to and from them unchanged. Sources
are converted to it once, at import (``from_france_services``); everything else
(``is_open``, ``describe_fr``, ``normalise``) works on a ``Schedule``: the weekly
hours that string means, computed by ``parse``.

Supported subset (``parse``), what we produce and what contributors commonly type:

- weekday selectors ``Mo`` … ``Su``, ranges (``Mo-Fr``, wrapping ``Fr-Mo``), lists
  (``Mo,We,Fr``, ``Mo-We,Fr``), and ``PH`` (public holidays) in a list or alone;
- time ranges ``HH:MM-HH:MM``, several comma-separated; a range that ends before it
  starts runs past midnight (``22:00-02:00``, or the extended ``22:00-26:00``);
- ``24/7``; a day selector alone means open all day (``Sa-Su`` = 00:00-24:00);
- the modifiers ``open``, ``off``/``closed`` and ``unknown`` (not after a time range),
  and a ``"comment"`` at the end of a rule (a rule with days and only a comment
  means « hours unknown, see the comment »);
- rules separated by ``;``: a later rule replaces what earlier rules said about
  the days it names (``Mo-Fr 09:00-18:00; We off``); an additional rule introduced
  by ``,`` then a day (``Mo 09:00-12:00, We 14:00-17:00``) adds to them instead.

Anything else (months, dates, weeks, years, ``Mo[1]``, ``SH``, ``sunrise``,
``10:00+``, ``||`` fallbacks, ``off`` after a time range) raises
``OpeningHoursError`` naming the position and the token.

Semantics worth knowing:

- a range past midnight belongs to the day it starts on: ``Fr 22:00-02:00`` is open
  on Saturday at 01:00, and a later ``Sa off`` does not cancel that spill-over;
- public holidays are recorded (``Schedule.public_holidays``), written back by
  ``normalise`` and shown by ``describe_fr``; ``is_open`` applies them on the days its
  caller's ``is_public_holiday`` names (``carto.calendar`` knows which, by
  département), ``next_change`` ignores them;
- ``unknown`` days are never « open » for ``is_open``.

France services cells (``HH:MM - HH:MM`` joined by `` / `` in the 2024 export; « 9h-12h »,
« 9h30 à 12h », « fermé » are read too): an empty or « fermé » cell is a closed day; the
export's « 00:00 - 00:00 » padding is dropped beside real ranges, and alone it makes the
day ``unknown`` (reported); overlapping, duplicated or adjacent ranges (multi-site
services list each site's hours) are merged into their union; a range ending before it
starts is reported, not read as overnight, since these offices do not open at night.
Appointment mentions become the OSM comment ``"sur rendez-vous"``: on the day's ranges
for « hours + sur RDV » (still open, by appointment), ``unknown "sur rendez-vous"`` for
a day with no hours. When other unexplained words surround the mention its scope is
unclear: the hours are kept, the mention is dropped and reported.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

__all__ = [
    "APPOINTMENT_COMMENT",
    "FRANCE_SERVICES_DAY_COLUMNS",
    "Conversion",
    "Day",
    "OpeningHoursError",
    "Schedule",
    "describe_fr",
    "from_france_services",
    "is_open",
    "next_change",
    "normalise",
    "parse",
]

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MINUTES_PER_DAY = 24 * 60
APPOINTMENT_COMMENT = "sur rendez-vous"
# The France services export has no Sunday column; a future one would be read too.
FRANCE_SERVICES_DAY_COLUMNS = (
    "h_lundi",
    "h_mardi",
    "h_mercredi",
    "h_jeudi",
    "h_vendredi",
    "h_samedi",
    "h_dimanche",
)

Range = tuple[int, int]  # minutes since the day's midnight; end > 1440 runs past midnight


class OpeningHoursError(ValueError):
    """A value outside the supported subset; the message names the position and the token."""

    def __init__(self, message: str, position: int = 0, token: str = ""):
        super().__init__(message)
        self.position = position
        self.token = token


@dataclass(frozen=True)
class Day:
    """What a schedule says about one day: closed when it has no range and is not unknown."""

    ranges: tuple[Range, ...] = ()
    unknown: bool = False
    comment: str = ""

    @property
    def is_closed(self) -> bool:
        return not self.ranges and not self.unknown


CLOSED = Day()
ALL_DAY = Day(ranges=((0, MINUTES_PER_DAY),))


@dataclass(frozen=True)
class Schedule:
    """A week of opening hours, Monday first; ``public_holidays`` is None when not stated."""

    days: tuple[Day, ...] = (CLOSED,) * 7
    public_holidays: Day | None = None


@dataclass
class Conversion:
    """An OSM string converted from a source ("" when nothing usable) and what was not understood."""

    value: str
    problems: list[str] = field(default_factory=list)


def merge_ranges(ranges: Iterable[Range]) -> tuple[Range, ...]:
    """Sorted ranges with overlapping and adjacent ones merged."""
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


# --- parsing -------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>"[^"]*")
    | (?P<always>24/7)
    | (?P<time>\d{1,2}:\d{2})
    | (?P<number>\d+)
    | (?P<word>[A-Za-z]+)
    | (?P<punct>[-,;])
    """,
    re.VERBOSE,
)
_MODIFIERS = {"open": "open", "off": "closed", "closed": "closed", "unknown": "unknown"}
_MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
_VARIABLE_TIMES = {"sunrise", "sunset", "dawn", "dusk"}


@dataclass(frozen=True)
class _Token:
    kind: str  # comment, always, time, word, "-", ",", ";"
    text: str
    position: int  # 1-based, for messages


def _error(token: _Token, reason: str) -> OpeningHoursError:
    return OpeningHoursError(
        f"position {token.position} : « {token.text} » : {reason}", token.position, token.text
    )


def _word_reason(text: str) -> str:
    lowered = text.lower()
    if lowered in _MONTHS:
        return "les sélecteurs de mois ne sont pas pris en charge"
    if lowered == "week":
        return "les sélecteurs de semaine ne sont pas pris en charge"
    if lowered == "sh":
        return "les vacances scolaires (SH) ne sont pas prises en charge"
    if lowered in _VARIABLE_TIMES:
        return "les horaires variables (lever, coucher du soleil) ne sont pas pris en charge"
    if lowered == "easter":
        return "les dates ne sont pas prises en charge"
    return "terme inconnu"


def _tokenize(value: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(value):
        match = _TOKEN_RE.match(value, position)
        if match is None:
            char = value[position]
            token = _Token("?", char, position + 1)
            if char == '"':
                raise _error(token, "commentaire sans guillemet fermant")
            raise _error(token, "caractère non pris en charge")
        kind = match.lastgroup
        text = match.group()
        token = _Token(text if kind == "punct" else kind, text, position + 1)
        if kind == "number":
            raise _error(token, "nombre inattendu (dates et années non prises en charge)")
        if kind == "word" and not _is_known_word(text):
            raise _error(token, _word_reason(text))
        if kind != "space":
            tokens.append(token)
        position = match.end()
    return tokens


def _day_index(text: str) -> int | None:
    try:
        return WEEKDAYS.index(text.capitalize())
    except ValueError:
        return None


def _is_ph(text: str) -> bool:
    return text.upper() == "PH"


def _is_known_word(text: str) -> bool:
    return _day_index(text) is not None or _is_ph(text) or text.lower() in _MODIFIERS


@dataclass(frozen=True)
class _Rule:
    days: tuple[int, ...]
    public_holidays: bool
    day: Day
    additional: bool


class _Parser:
    def __init__(self, value: str):
        self.value = value
        self.tokens = _tokenize(value)
        self.index = 0

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def end_token(self) -> _Token:
        return _Token("end", "fin du texte", len(self.value) + 1)

    def is_day(self, token: _Token | None) -> bool:
        return (
            token is not None
            and token.kind == "word"
            and (_day_index(token.text) is not None or _is_ph(token.text))
        )

    def rules(self) -> list[_Rule]:
        rules = [self.rule(additional=False)]
        while (token := self.peek()) is not None:
            self.take()
            if token.kind == ";":
                if self.peek() is None:  # a trailing « ; » is common and harmless
                    break
                rules.append(self.rule(additional=False))
            elif token.kind == "," and self.is_day(self.peek()):
                rules.append(self.rule(additional=True))
            elif token.kind == ",":
                raise _error(token, "plage horaire ou jour attendu après « , »")
            else:
                raise _error(token, "« ; » attendu entre deux règles")
        return rules

    def rule(self, additional: bool) -> _Rule:
        first = self.peek() or self.end_token()
        days, public_holidays = self.day_selector()
        ranges = self.time_selector()
        modifier_token = self.peek()
        modifier = None
        if modifier_token is not None and modifier_token.kind == "word":
            if modifier_token.text.lower() not in _MODIFIERS:
                raise _error(modifier_token, "jour inattendu ici")
            modifier = _MODIFIERS[self.take().text.lower()]
        comment = ""
        if (token := self.peek()) is not None and token.kind == "comment":
            comment = self.take().text[1:-1].strip()
        if days is None and ranges is None and modifier is None and not comment:
            if first.kind == ";":
                raise _error(first, "règle vide")
            raise _error(first, "jour, plage horaire ou « off » attendu")
        if ranges is not None and modifier in ("closed", "unknown"):
            raise _error(
                modifier_token, "un modificateur après une plage horaire n'est pas pris en charge"
            )
        if modifier == "closed":
            day = Day(comment=comment)
        elif modifier == "unknown" or (ranges is None and modifier is None and comment):
            day = Day(unknown=True, comment=comment)
        else:
            day = Day(ranges=merge_ranges(ranges or ALL_DAY.ranges), comment=comment)
        if days is None:
            days, public_holidays = tuple(range(7)), False
        return _Rule(days, public_holidays, day, additional)

    def day_selector(self) -> tuple[tuple[int, ...] | None, bool]:
        if not self.is_day(self.peek()):
            return None, False
        days: list[int] = []
        public_holidays = False
        while True:
            token = self.take()
            if _is_ph(token.text):
                public_holidays = True
            else:
                start = _day_index(token.text)
                end = start
                if (dash := self.peek()) is not None and dash.kind == "-":
                    self.take()
                    last = self.peek()
                    if last is None or last.kind != "word" or _day_index(last.text) is None:
                        raise _error(last or self.end_token(), "jour attendu après « - »")
                    end = _day_index(self.take().text)
                days.extend((start + offset) % 7 for offset in range((end - start) % 7 + 1))
            comma = self.peek()
            if comma is None or comma.kind != "," or not self.is_day(self.peek(1)):
                break
            self.take()
        return tuple(sorted(set(days))), public_holidays

    def time_selector(self) -> list[Range] | None:
        token = self.peek()
        if token is not None and token.kind == "always":
            self.take()
            return list(ALL_DAY.ranges)
        if token is None or token.kind != "time":
            return None
        ranges = [self.time_range()]
        while (comma := self.peek()) is not None and comma.kind == ",":
            following = self.peek(1)
            if following is None or following.kind != "time":
                break
            self.take()
            ranges.append(self.time_range())
        return ranges

    def time_range(self) -> Range:
        start_token = self.take()
        start = _minutes(start_token, limit=23 * 60 + 59)
        dash = self.peek()
        if dash is None or dash.kind != "-":
            raise _error(dash or self.end_token(), f"« - » attendu après {start_token.text}")
        self.take()
        end_token = self.peek()
        if end_token is None or end_token.kind != "time":
            raise _error(end_token or self.end_token(), "heure de fin attendue (HH:MM)")
        end = _minutes(self.take(), limit=2 * MINUTES_PER_DAY)
        if end == start:
            raise _error(end_token, "plage horaire vide")
        if end < start:
            end += MINUTES_PER_DAY
        return start, end


def _minutes(token: _Token, limit: int) -> int:
    hours, minutes = (int(part) for part in token.text.split(":"))
    total = hours * 60 + minutes
    if minutes >= 60 or total > limit:
        raise _error(token, "heure invalide")
    return total


def parse(value: str) -> Schedule:
    """The weekly schedule an OSM ``opening_hours`` value means (supported subset only).

    Raises OpeningHoursError, with a French message naming the position and the token,
    for anything outside the subset described in the module docstring."""
    if not isinstance(value, str) or not value.strip():
        raise OpeningHoursError("horaires vides")
    days = [CLOSED] * 7
    public_holidays = None
    for rule in _Parser(value).rules():
        for index in rule.days:
            days[index] = _apply(days[index], rule)
        if rule.public_holidays:
            public_holidays = _apply(public_holidays or CLOSED, rule)
    return Schedule(tuple(days), public_holidays)


def _apply(current: Day, rule: _Rule) -> Day:
    """A « ; » rule replaces the day; an additional « , » rule adds its ranges to it."""
    if rule.additional and rule.day.ranges:
        return Day(
            ranges=merge_ranges(current.ranges + rule.day.ranges),
            comment=rule.day.comment or current.comment,
        )
    return rule.day


def _schedule(value: "str | Schedule") -> Schedule:
    return value if isinstance(value, Schedule) else parse(value)


# --- writing -------------------------------------------------------------------------------


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
            parts.append(f"{WEEKDAYS[first]}-{WEEKDAYS[last]}")
        else:
            parts.extend(WEEKDAYS[first : last + 1])
    return ",".join(parts)


def _groups(days: Iterable[tuple[int, Day]]) -> list[tuple[Day, list[int]]]:
    """Days with identical hours together, in the order of their first day."""
    groups: dict[Day, list[int]] = {}
    for index, day in days:
        groups.setdefault(day, []).append(index)
    return list(groups.items())


def normalise(value: "str | Schedule") -> str:
    """The canonical OSM string of a value or schedule: ``parse(normalise(x)) == parse(x)``.

    Identical days are grouped (``Mo-Fr``, ``Mo,We``), closed days without a comment are
    omitted, ranges are sorted and merged, public holidays come last."""
    schedule = _schedule(value)
    rules = []
    if all(day == ALL_DAY for day in schedule.days):
        rules.append("24/7")
    else:
        stated = [(i, day) for i, day in enumerate(schedule.days) if day != CLOSED]
        rules.extend(f"{_osm_days(indexes)} {_osm_day(day)}" for day, indexes in _groups(stated))
    if schedule.public_holidays is not None:
        rules.append(f"PH {_osm_day(schedule.public_holidays)}")
    return "; ".join(rules) or "off"


# --- questions -----------------------------------------------------------------------------


def _day(schedule: Schedule, day: date, is_public_holiday: Callable[[date], bool]) -> Day:
    """What the schedule says about a date: its ``PH`` rule on a public holiday, when it
    has one, else its weekday's."""
    if schedule.public_holidays is not None and is_public_holiday(day):
        return schedule.public_holidays
    return schedule.days[day.weekday()]


def _never(_day: date) -> bool:
    return False


def is_open(
    value: "str | Schedule",
    when: datetime,
    is_public_holiday: Callable[[date], bool] = _never,
) -> bool:
    """Whether the place is open at ``when`` (naive local time). A ``PH`` rule applies on
    the days ``is_public_holiday`` names (``carto.calendar``); by default none is one."""
    schedule = _schedule(value)
    minute = when.hour * 60 + when.minute
    today = when.date()
    if any(start <= minute < end for start, end in _day(schedule, today, is_public_holiday).ranges):
        return True
    previous = _day(schedule, today - timedelta(days=1), is_public_holiday).ranges
    return any(start <= minute + MINUTES_PER_DAY < end for start, end in previous)


def next_change(value: "str | Schedule", when: datetime) -> datetime | None:
    """The next time after ``when`` the place opens or closes; None if it never changes.

    Public holidays are ignored, as in ``is_open``."""
    schedule = _schedule(value)
    first_day = when.date() - timedelta(days=1)
    intervals = []
    for offset in range(10):  # the day before (spill-over) to past a whole week ahead
        day = first_day + timedelta(days=offset)
        midnight = datetime.combine(day, time(), tzinfo=when.tzinfo)
        for start, end in schedule.days[day.weekday()].ranges:
            intervals.append(
                (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))
            )
    boundaries: list[datetime] = []
    for start, end in sorted(intervals):
        if boundaries and start <= boundaries[-1]:
            boundaries[-1] = max(boundaries[-1], end)
        else:
            boundaries.extend((start, end))
    horizon = when + timedelta(days=7)
    return next((b for b in boundaries if when < b <= horizon), None)


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


def describe_fr(value: "str | Schedule") -> list[str]:
    """One French line per group of days with the same hours, in week order.

    A closed weekday is stated (« mercredi : fermé »); a closed Saturday or Sunday is
    implied, unless a comment explains it. ``24/7`` reads « ouvert 24 h/24, 7 j/7 »."""
    schedule = _schedule(value)
    if all(day == ALL_DAY for day in schedule.days):
        lines = ["ouvert 24 h/24, 7 j/7"]
    elif all(day == CLOSED for day in schedule.days):
        lines = ["fermé"]
    else:
        shown = [(i, day) for i, day in enumerate(schedule.days) if i < 5 or day != CLOSED]
        lines = [f"{_days_fr(indexes)} : {_day_fr(day)}" for day, indexes in _groups(shown)]
    if schedule.public_holidays is not None:
        lines.append(f"jours fériés : {_day_fr(schedule.public_holidays)}")
    return lines


# --- France services -----------------------------------------------------------------------

_TIME = r"(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?"
_RANGE_RE = re.compile(rf"(?<!\d){_TIME}\s*(?:-|–|—|à|a|au)\s*{_TIME}(?!\d)", re.IGNORECASE)
_APPOINTMENT_RE = re.compile(
    r"(?:(?:uniquement|seulement)\s+)?(?:sur|par)\s+(?:rendez[\s-]*vous|r\.?\s?d\.?\s?v\.?)"
    r"|\brdv\b",
    re.IGNORECASE,
)
_CLOSED_RE = re.compile(r"^(?:ferm[ée]e?s?|fermeture|closed?|-+|/|x)$", re.IGNORECASE)
_FILLERS = {"de", "et", "puis", "h"}
_SEPARATORS_RE = re.compile(r"[\s/,;+&()]+")


def _read_day_text(raw: str) -> tuple[Day, list[str]]:
    """A France services day cell as a Day, with what was not understood in it."""
    text = raw.replace("\u00a0", " ").strip()
    if not text or _CLOSED_RE.match(text.rstrip(". ")):
        return CLOSED, []
    problems = []
    ranges: list[Range] = []
    placeholder = False
    for match in _RANGE_RE.finditer(text):
        start_h, start_m, end_h, end_m = (int(g) if g else 0 for g in match.groups())
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if max(start_m, end_m) >= 60 or start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
            problems.append(f"horaire invalide « {match.group()} » ignoré")
        elif start == end:
            placeholder = True  # the export pads cells with « 00:00 - 00:00 »
        elif end < start:
            # Public offices do not open overnight: a typo is likelier than 22:00-02:00.
            problems.append(f"plage « {match.group()} » ignorée : la fin précède le début")
        else:
            ranges.append((start, end))
    rest = _RANGE_RE.sub(" ", text)
    appointment = _APPOINTMENT_RE.search(rest)
    rest = _APPOINTMENT_RE.sub(" ", rest)
    words = (word.strip("-–—.:") for word in _SEPARATORS_RE.split(rest))
    leftover = " ".join(word for word in words if word and word.lower() not in _FILLERS)
    comment = ""
    if appointment and leftover and ranges:
        problems.append(f"mention « {appointment.group().strip()} » ignorée")
    elif appointment:
        comment = APPOINTMENT_COMMENT
    if leftover:
        problems.append(f"texte « {leftover} » non compris")
    if ranges:
        return Day(ranges=merge_ranges(ranges), comment=comment), problems
    if comment:
        return Day(unknown=True, comment=comment), problems
    if placeholder:
        problems.append("plage vide (début = fin), horaires inconnus")
    if not problems:
        problems.append("aucun horaire reconnu")
    return Day(unknown=True), problems


def from_france_services(days: Mapping[str, object]) -> Conversion:
    """The OSM string for one row of the France services list, and its problems.

    ``days`` maps the h_lundi … h_samedi columns to their raw text (other keys, such as
    the rest of a CSV row, are ignored). An empty cell is a closed day; a cell that only
    holds the export's « 00:00 - 00:00 » padding, or text with no hours, is reported and
    written ``unknown``. ``value`` is "" when no day has hours or an appointment mention.
    Never raises on a real row."""
    week = []
    problems = []
    for index, column in enumerate(FRANCE_SERVICES_DAY_COLUMNS):
        raw = days.get(column)
        raw = "" if raw is None or raw != raw else str(raw)  # None, or NaN from pandas
        day, day_problems = _read_day_text(raw)
        week.append(day)
        if day_problems:
            details = ", ".join(day_problems)
            problems.append(f"{DAY_NAMES_FR[index]} : « {raw.strip()} » : {details}")
    if not any(day.ranges or day.comment for day in week):
        return Conversion("", problems)
    return Conversion(normalise(Schedule(tuple(week))), problems)
