"""Exports of a planned tour: GeoJSON, iCalendar and CSV.

Design choice: the three formats are built from a ``tours.TourResult`` alone (no
database), as text or bytes the view only has to wrap in a response:

- ``to_geojson``: an RFC 7946 FeatureCollection in EPSG:4326 (lon, lat; no ``crs``
  member), coordinates rounded to 6 decimals (about 10 cm, RFC 7946 §11.2). Features,
  in this order: the start (``kind`` "start", ``order`` 0); each scheduled stop (``kind``
  "stop", ``order`` 1…n, its dated ``sessions`` and the leg from the previous place);
  each stop left unscheduled (``kind`` "unscheduled", ``order`` null, ``reason``); then
  the route as one LineString through the start and the scheduled stops in order, back
  to the start for a closed tour (left out when it would have fewer than two positions).
- ``to_ics``: an iCalendar (RFC 5545) calendar built with the ``icalendar`` library, one
  VEVENT per session, DTSTART/DTEND in Europe/Paris with its VTIMEZONE, SUMMARY naming the
  place, LOCATION its address, GEO its point. UIDs are derived from the tour (start,
  first date) and the stop id, so re-exporting the same tour after a change updates the
  events in a subscribed calendar instead of duplicating them.
- ``to_csv``: one row per session in order (``ordre, date, debut, fin, lieu, adresse,
  trajet_km, trajet_min, remarque``; travel from the previous place), then the return to
  the start for a closed tour, then the unscheduled stops with their reason in ``remarque``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from icalendar import Calendar, Event, vText

from carto import csv_export
from carto.calendar import PARIS

from .tours import TourResult

__all__ = ["CSV_COLUMNS", "to_csv", "to_geojson", "to_ics"]

CSV_COLUMNS = [
    "ordre",
    "date",
    "debut",
    "fin",
    "lieu",
    "adresse",
    "trajet_km",
    "trajet_min",
    "remarque",
]
PRODID = "-//carto//Tournées itinérantes//FR"
COORDINATE_DIGITS = 6


def _position(lon: float, lat: float) -> list[float]:
    return [round(lon, COORDINATE_DIGITS), round(lat, COORDINATE_DIGITS)]


def _km(metres: float) -> float:
    return round(metres / 1000, 1)


def _minutes(seconds: float) -> int:
    return round(seconds / 60)


def _place_feature(place, kind: str, order: int | None, **properties) -> dict:
    """A Point Feature of the start or a stop (its id when it has one)."""
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": _position(place.lon, place.lat)},
        "properties": {"kind": kind, "order": order, "label": place.label, **properties},
    }
    if hasattr(place, "id"):
        feature["id"] = place.id
    return feature


def to_geojson(result: TourResult) -> dict:
    """The tour as an RFC 7946 FeatureCollection (a dict, ready for json.dumps)."""
    start = result.request.start
    features = [_place_feature(start, "start", 0)]
    for scheduled in result.stops:
        features.append(
            _place_feature(
                scheduled.stop,
                "stop",
                scheduled.order,
                address=scheduled.stop.address,
                sessions=[
                    {
                        "date": scheduled.date.isoformat(),
                        "start": scheduled.start.isoformat(),
                        "end": scheduled.end.isoformat(),
                    }
                ],
                leg_distance_m=round(scheduled.leg.metres),
                leg_duration_s=round(scheduled.leg.seconds),
                notes=list(scheduled.notes),
            )
        )
    for item in result.unscheduled:
        features.append(
            _place_feature(
                item.stop, "unscheduled", None, address=item.stop.address, reason=item.reason
            )
        )
    line = [_position(start.lon, start.lat)]
    line += [_position(item.stop.lon, item.stop.lat) for item in result.stops]
    if result.return_leg is not None:
        line.append(_position(start.lon, start.lat))
    if len(line) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "kind": "route",
                    "method": result.method,
                    "router": result.router,
                    "closed": result.return_leg is not None,
                    "distance_m": round(result.total_metres),
                    "duration_s": round(result.total_seconds),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _tour_key(result: TourResult) -> str:
    request = result.request
    return f"{request.start.lon:.6f},{request.start.lat:.6f}:{request.date_from.isoformat()}"


def to_ics(
    result: TourResult, *, name: str = "Tournée itinérante", now: datetime | None = None
) -> bytes:
    """The sessions as an iCalendar file (bytes), one VEVENT per session.

    ``now`` is the DTSTAMP (default: the current UTC time)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is not escaped by icalendar unless typed: one line of TEXT.
    calendar.add("x-wr-calname", vText(" ".join(name.split())))
    calendar.add("x-wr-timezone", PARIS.key)
    key = _tour_key(result)
    count = len(result.stops)
    previous = result.request.start.label or "le départ"
    for scheduled in result.stops:
        stop = scheduled.stop
        event = Event()
        event.add("uid", f"{uuid.uuid5(uuid.NAMESPACE_URL, f'carto-tour:{key}:{stop.id}')}@carto")
        event.add("dtstamp", stamp)
        event.add("dtstart", scheduled.start)
        event.add("dtend", scheduled.end)
        event.add("summary", f"Permanence itinérante : {stop.label}")
        event.add("location", stop.address or stop.label)
        event.add("geo", (stop.lat, stop.lon))
        lines = [
            f"Étape {scheduled.order} sur {count} de la tournée.",
            f"Trajet depuis {previous} : {_km(scheduled.leg.metres)} km, "
            f"{_minutes(scheduled.leg.seconds)} min.",
            *scheduled.notes,
        ]
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
        previous = stop.label
    if count:
        # A VTIMEZONE with the Paris transitions of the tour's years only (not 1970–2038).
        first, last = result.stops[0].date, result.stops[-1].date
        calendar.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 1, 1)
        )
    return calendar.to_ical()


def to_csv(result: TourResult) -> str:
    """The roadbook as CSV text: sessions in order, return to the start, unscheduled stops."""
    return csv_export.to_text(CSV_COLUMNS, _csv_rows(result))


def _csv_rows(result: TourResult):
    for scheduled in result.stops:
        stop = scheduled.stop
        yield [
            scheduled.order,
            scheduled.date.isoformat(),
            f"{scheduled.start:%H:%M}",
            f"{scheduled.end:%H:%M}",
            stop.label,
            stop.address,
            _km(scheduled.leg.metres),
            _minutes(scheduled.leg.seconds),
            " ; ".join(scheduled.notes),
        ]
    if result.return_leg is not None:
        yield [
            "",
            "",
            "",
            "",
            result.request.start.label,
            "",
            _km(result.return_leg.metres),
            _minutes(result.return_leg.seconds),
            "retour au départ",
        ]
    for item in result.unscheduled:
        yield [
            "",
            "",
            "",
            "",
            item.stop.label,
            item.stop.address,
            "",
            "",
            f"non planifiée : {item.reason}",
        ]
