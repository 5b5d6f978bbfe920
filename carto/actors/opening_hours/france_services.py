"""The France services export's hours, converted to an OSM ``opening_hours`` value.

Design choice: the cells are read once, at import, into a week that ``write_week``
writes in OSM syntax; nothing downstream reads the export's text.

Cells hold ``HH:MM - HH:MM`` joined by `` / `` in the 2024 export; « 9h-12h »,
« 9h30 à 12h », « fermé » are read too. An empty or « fermé » cell is a closed day; the
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
from collections.abc import Mapping
from dataclasses import dataclass, field

from carto.calendar import DAY_NAMES_FR

from .evaluation import MINUTES_PER_DAY, Range
from .week import CLOSED_DAY, Day, Schedule, merge_ranges, write_week

APPOINTMENT_COMMENT = "sur rendez-vous"
# The France services export has no Sunday column; a future one would be read too.
FRANCE_SERVICES_DAY_COLUMNS = tuple(f"h_{name}" for name in DAY_NAMES_FR)


@dataclass
class Conversion:
    """An OSM string converted from a source ("" when nothing usable) and what was not understood."""

    value: str
    problems: list[str] = field(default_factory=list)


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
        return CLOSED_DAY, []
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
    return Conversion(write_week(Schedule(tuple(week))), problems)
