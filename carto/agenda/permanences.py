"""The stops of itinerant actors (France services buses, bibliobus) as the agenda's
permanences: one event per `Stop`, weekly on its weekday within its period (an RFC 5545
rule), or once on its date; upserted on (source « stop », the stop's id), so a second run
changes nothing and a stop that vanished takes its permanence out of the agenda
(archived, never deleted: registrations and history stay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from carto.actors.models import Stop
from carto.calendar import PARIS, WEEKDAY_CODES

from . import recurrence, services
from .models import Event, Format

SOURCE = "stop"


@dataclass
class Synced:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    skipped: int = 0


def _first_day(stop: Stop, today: date) -> date | None:
    if stop.date:
        return stop.date
    start = max(stop.period_start or today, today)
    days = (stop.weekday - start.weekday()) % 7
    first = start + timedelta(days=days)
    return None if stop.period_end and first > stop.period_end else first


def values_of(stop: Stop, today: date) -> dict | None:
    """The permanence's fields, or None when the stop names no day or hours."""
    if (
        stop.start_time is None
        or stop.end_time is None
        or (stop.date is None and stop.weekday is None)
    ):
        return None
    day = _first_day(stop, today)
    if day is None:
        return None
    rule = ""
    if stop.date is None:
        rule = f"FREQ=WEEKLY;BYDAY={WEEKDAY_CODES[stop.weekday].upper()}"
        if stop.period_end:
            rule += f";UNTIL={stop.period_end:%Y%m%d}"
    actor = stop.actor
    return {
        "title": f"Permanence de {actor.name}" if actor else stop.place_name,
        "description": stop.notes,
        "format": Format.PERMANENCE,
        "themes": list(actor.themes) if actor else [],
        "publics": list(actor.publics) if actor else [],
        "starts_at": datetime.combine(day, stop.start_time, PARIS),
        "ends_at": datetime.combine(day, stop.end_time, PARIS),
        "recurrence": recurrence.normalize(rule) if rule else "",
        "location": stop.location,
        "place_name": stop.place_name,
        "address": stop.address,
        "organizer": actor,
        "status": "published" if actor is not None and actor.listed else "archived",
    }


FIELDS = ["title", "description", "format", "themes", "publics", "starts_at", "ends_at",
          "recurrence", "location", "place_name", "address", "organizer", "status"]  # fmt: skip


def sync(today: date | None = None) -> Synced:
    """Every stop of an itinerant actor as its permanence, up to date."""
    today = today or timezone.localdate()
    result = Synced()
    seen = set()
    stops = Stop.objects.filter(actor__itinerant=True).select_related("actor")
    for stop in stops:
        values = values_of(stop, today)
        if values is None:
            result.skipped += 1
            continue
        seen.add(str(stop.pk))
        with transaction.atomic():
            event = Event.objects.filter(source=SOURCE, source_id=str(stop.pk)).first()
            if event is None:
                services.save_event(
                    Event(**values, source=SOURCE, source_id=str(stop.pk)),
                    "étape d’un acteur itinérant",
                )
                result.created += 1
                continue
            # Same day and hours: the start stays where it was (an earlier first session).
            if (
                event.starts_at.time() == values["starts_at"].time()
                and event.starts_at.date() <= values["starts_at"].date()
                and event.recurrence == values["recurrence"]
            ):
                values["starts_at"], values["ends_at"] = event.starts_at, event.ends_at
            if all(getattr(event, name) == values[name] for name in FIELDS):
                result.unchanged += 1
                continue
            for name in FIELDS:
                setattr(event, name, values[name])
            event.version += 1
            services.save_event(event, "étape d’un acteur itinérant mise à jour")
            result.updated += 1
    for event in (
        Event.objects.filter(source=SOURCE).exclude(source_id__in=seen).exclude(status="archived")
    ):
        event.status = "archived"
        event.version += 1
        services.save_event(event, "étape disparue")
        result.archived += 1
    return result


__all__ = ["Synced", "sync"]
