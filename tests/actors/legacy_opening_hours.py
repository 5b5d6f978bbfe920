"""The opening-hours evaluator carto used before ``opening-hours-py`` (commit 0bdb469),
trimmed to what it answered: ``parse`` and ``is_open``. Kept only as the oracle of
``test_opening_hours_equivalence.py``, which checks that every stored value keeps its
meaning under the library; nothing in ``carto/`` imports it. Do not extend it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Two helpers the library version kept unchanged are shared rather than copied: the error
# type (which the tests catch from either side) and the merging of time ranges.
from carto.actors.opening_hours import OpeningHoursError
from carto.actors.opening_hours.week import merge_ranges

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MINUTES_PER_DAY = 24 * 60

Range = tuple[int, int]  # minutes since the day's midnight; end > 1440 runs past midnight


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
