"""Sessions as iCalendar (RFC 5545), built with the ``icalendar`` library.

One VEVENT per session, in Europe/Paris with its VTIMEZONE; its UID is the session's
(``seance-<id>@<host>``), so a subscribed calendar updates a moved session instead of
duplicating it, and a cancelled one is sent with STATUS:CANCELLED. Text from the data goes
into properties as text (the library escapes commas, semicolons and line breaks).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Timezone, vText
from icalendar import Event as VEvent

from carto.calendar import PARIS

from .models import Occurrence

PRODID = "-//carto//agenda//FR"


def _host() -> str:
    return urlsplit(settings.CARTO_SITE_URL).hostname or "carto"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    calendar.add_component(Timezone.from_tzid("Europe/Paris"))
    return calendar


def _vevent(occurrence: Occurrence, stamp: datetime) -> VEvent:
    event = occurrence.event
    vevent = VEvent()
    vevent.add("uid", f"seance-{occurrence.pk}@{_host()}")
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", occurrence.starts_at.astimezone(PARIS))
    vevent.add("dtend", occurrence.ends_at.astimezone(PARIS))
    vevent.add("summary", vText(" ".join(event.title.split())))
    lines = [event.description.strip()] if event.description.strip() else []
    if event.organizer_label:
        lines.append(f"Organisé par {event.organizer_label}")
    if event.online_url:
        lines.append(f"En ligne : {event.online_url}")
    if lines:
        vevent.add("description", "\n\n".join(lines))
    place = ", ".join(part for part in (event.place_name, event.address) if part)
    if place:
        vevent.add("location", place)
    elif event.online_url:
        vevent.add("location", event.online_url)
    if event.location is not None:
        vevent.add("geo", (event.location.y, event.location.x))
    url = settings.CARTO_SITE_URL.rstrip("/") + reverse("agenda-event", args=[event.pk])
    vevent.add("url", url)
    vevent.add("status", "CANCELLED" if occurrence.cancelled else "CONFIRMED")
    vevent.add("last-modified", event.updated_at.astimezone(UTC))
    return vevent


def session_calendar(occurrence: Occurrence) -> bytes:
    """One session (the file attached to a confirmation)."""
    calendar = _calendar(" ".join(occurrence.event.title.split()))
    calendar.add_component(_vevent(occurrence, datetime.now(UTC)))
    return calendar.to_ical()


def feed(occurrences, name: str) -> bytes:
    """A feed calendar applications subscribe to: every session given, in order."""
    calendar = _calendar(name)
    stamp = datetime.now(UTC)
    for occurrence in occurrences:
        calendar.add_component(_vevent(occurrence, stamp))
    return calendar.to_ical()
