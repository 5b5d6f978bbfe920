"""RFC 5545 recurrences, read by python-dateutil and expanded in French wall-clock time.

The rule is expanded from the event's start in Europe/Paris (an aware DTSTART): dateutil
keeps the wall-clock time of each instance, so a weekly session at 14 h stays at 14 h on
both sides of a change to or from summer time (its UTC offset changes, not the hour).

Accepted: one RRULE (with or without its « RRULE: » prefix) of frequency DAILY, WEEKLY,
MONTHLY or YEARLY; an UNTIL given as a date or a floating time is read in Paris time (RFC
5545 wants it in UTC when DTSTART has a time zone; the forms people type rarely say so).
Refused, with a message that names the problem: an unreadable rule, a frequency under a
day (an agenda has no hourly sessions), an INTERVAL under 1, more than MAX_SESSIONS sessions in the horizon.
As RFC 5545 says, DTSTART is always the first session, even outside the rule; EXDATE
removes sessions, RDATE adds some.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rruleset, rrulestr

from carto.calendar import PARIS

MAX_SESSIONS = 400  # in the horizon: a weekly session for eight years, a daily one for a year
FREQUENCIES = {DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", YEARLY: "YEARLY"}
_UNTIL = re.compile(r"UNTIL=(\d{8})(T(\d{6}))?(Z?)", re.IGNORECASE)


class RecurrenceError(ValueError):
    """A rule carto cannot expand; the message is French and names the problem."""


def normalize(text: str) -> str:
    """The rule as stored: no prefix, upper case, no spaces; an UNTIL in UTC."""
    rule = "".join(text.split()).upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return _UNTIL.sub(_until_in_utc, rule)


def _until_in_utc(match: re.Match) -> str:
    day, _t, clock, utc = match.groups()
    if utc:
        return match.group(0).upper()
    try:
        when = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        moment = (
            datetime.combine(when, time(int(clock[:2]), int(clock[2:4]), int(clock[4:])))
            if clock
            else datetime.combine(when, time(23, 59, 59))  # a date: the whole of that day
        )
    except ValueError:
        raise RecurrenceError(f"UNTIL={day} n'est pas une date valide") from None
    moment = moment.replace(tzinfo=PARIS).astimezone(UTC)
    return f"UNTIL={moment:%Y%m%dT%H%M%S}Z"


def parse(text: str, start: datetime) -> rrule:
    """The rule of `text` from `start` (aware), or RecurrenceError."""
    if "\n" in text.strip() or any(word in text.upper() for word in ("DTSTART", "RDATE", "EXDATE")):
        raise RecurrenceError(
            "une seule règle RRULE est attendue (le début, les exceptions et les ajouts à part)"
        )
    rule_text = normalize(text)
    try:
        rule = rrulestr(rule_text, dtstart=start.astimezone(PARIS))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RecurrenceError(f"règle de récurrence illisible « {text} » ({exc})") from None
    if not isinstance(rule, rrule):
        raise RecurrenceError("une seule règle RRULE est attendue")
    if rule._freq not in FREQUENCIES:
        raise RecurrenceError(
            "fréquence trop courte : DAILY, WEEKLY, MONTHLY ou YEARLY (pas d'heure ni de minute)"
        )
    if rule._interval < 1:  # dateutil reads INTERVAL=0, then fails while expanding
        raise RecurrenceError("INTERVAL doit valoir au moins 1")
    return rule


def sessions(
    start: datetime,
    duration: timedelta,
    rule: str = "",
    exdates=(),
    rdates=(),
    until: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """(start, end) of every session from `start` to `until` (aware datetimes in Paris)."""
    first = start.astimezone(PARIS)
    dates = rruleset()
    dates.rdate(first)
    if rule:
        dates.rrule(parse(rule, first))
    for extra in rdates:
        dates.rdate(extra.astimezone(PARIS))
    for removed in exdates:
        dates.exdate(removed.astimezone(PARIS))
    found = []
    for moment in dates:
        if until is not None and moment > until:
            break
        found.append((moment, moment + duration))
        if len(found) > MAX_SESSIONS:
            raise RecurrenceError(
                f"plus de {MAX_SESSIONS} séances dans l'horizon de l'agenda : ajoutez une "
                "date de fin (UNTIL) ou un nombre de séances (COUNT)"
            )
    return found
