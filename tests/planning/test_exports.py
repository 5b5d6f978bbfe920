"""Exports of a planned tour: the .ics read back by the icalendar library, the GeoJSON
checked against RFC 7946 and shapely, the CSV read back by the csv module."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from shapely.geometry import shape

from carto.planning.distances import GreatCircle
from carto.planning.exports import CSV_COLUMNS, to_csv, to_geojson, to_ics
from carto.planning.tours import Place, StopInput, TourRequest, plan_tour

LENS = Place(2.832435, 50.429256, "Lens, mairie")
STOPS = [
    StopInput("arras", "Arras, centre social", 2.777189, 50.291002, address="1 rue de l'Abbé, 62000 Arras"),
    StopInput("bethune", "Béthune, MJC", 2.6396, 50.5303, opening_hours="We 14:00-17:00"),
    StopInput("douai", "Douai, maison de quartier", 3.0806, 50.3703, address="12 place d'Armes, 59500 Douai"),
    StopInput("lievin", "Liévin, médiathèque", 2.7786, 50.4228),
    StopInput("dimanche", "Marché du dimanche", 2.9, 50.5, opening_hours="Su 08:00-12:00"),
]  # fmt: skip


def plan(**fields):
    values = {
        "start": LENS,
        "stops": STOPS,
        "date_from": date(2026, 11, 30),
        "date_to": date(2026, 12, 11),
        "max_sessions_per_day": 2,
    }
    values.update(fields)
    return plan_tour(TourRequest(**values), router=GreatCircle())


@pytest.fixture(scope="module")
def result():
    planned = plan()
    assert len(planned.stops) == 4 and len(planned.unscheduled) == 1
    return planned


# --- iCalendar -------------------------------------------------------------------------------


def events(payload: bytes):
    calendar = Calendar.from_ical(payload)
    return calendar, [component for component in calendar.walk("VEVENT")]


def test_ics_has_one_event_per_session_in_paris_time(result):
    payload = to_ics(result, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    calendar, found = events(payload)
    assert calendar["VERSION"] == "2.0"
    assert len(found) == len(result.stops) == 4
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    for event, scheduled in zip(found, result.stops, strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event["DTEND"].params["TZID"] == "Europe/Paris"
        assert str(start.tzinfo) == "Europe/Paris"
        assert start == scheduled.start and end == scheduled.end
        assert start.replace(tzinfo=None) == scheduled.start.replace(tzinfo=None)
        assert start.utcoffset() == timedelta(hours=1)  # winter time
        assert scheduled.stop.label in str(event["SUMMARY"])
        assert str(event["LOCATION"]) == (scheduled.stop.address or scheduled.stop.label)
        latitude, longitude = event.decoded("GEO")  # RFC 5545: latitude first
        assert (latitude, longitude) == pytest.approx((scheduled.stop.lat, scheduled.stop.lon))
        assert event.decoded("DTSTAMP") == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    bethune = next(e for e in found if "Béthune" in str(e["SUMMARY"]))
    assert bethune.decoded("DTSTART").weekday() == 2
    assert "Trajet depuis" in str(found[0]["DESCRIPTION"])
    assert "Lens, mairie" in str(found[0]["DESCRIPTION"])


def test_ics_uids_are_unique_and_stable(result):
    _calendar, first = events(to_ics(result))
    _calendar, again = events(to_ics(plan()))
    uids = [str(event["UID"]) for event in first]
    assert len(set(uids)) == len(uids)
    assert uids == [str(event["UID"]) for event in again]


def test_ics_in_summer_time():
    summer = plan(date_from=date(2026, 6, 1), date_to=date(2026, 6, 12))
    _calendar, found = events(to_ics(summer))
    assert len(found) == len(summer.stops)
    assert {event.decoded("DTSTART").utcoffset() for event in found} == {timedelta(hours=2)}


def test_ics_of_an_empty_schedule_is_a_valid_calendar():
    nothing = plan(stops=[STOPS[4]])
    assert nothing.stops == []
    calendar, found = events(to_ics(nothing))
    assert found == []
    assert calendar["PRODID"]


# --- GeoJSON ---------------------------------------------------------------------------------


def test_geojson_points_in_order_and_one_route(result):
    collection = json.loads(json.dumps(to_geojson(result)))  # JSON-serialisable as is
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    features = collection["features"]
    for feature in features:
        assert feature["type"] == "Feature"
        assert shape(feature["geometry"]).is_valid
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    assert len(lines) == 1
    start, *stops = [p for p in points if p["properties"]["kind"] in ("start", "stop")]
    assert start["properties"] == {"kind": "start", "order": 0, "label": "Lens, mairie"}
    assert start["geometry"]["coordinates"] == [2.832435, 50.429256]  # lon, lat
    assert [p["properties"]["order"] for p in stops] == [1, 2, 3, 4]
    for point, scheduled in zip(stops, result.stops, strict=True):
        assert point["id"] == scheduled.stop.id
        assert point["geometry"]["coordinates"] == [scheduled.stop.lon, scheduled.stop.lat]
        [session] = point["properties"]["sessions"]
        assert session["date"] == scheduled.date.isoformat()
        assert datetime.fromisoformat(session["start"]) == scheduled.start
        assert datetime.fromisoformat(session["end"]) == scheduled.end
        assert point["properties"]["leg_distance_m"] == round(scheduled.leg.metres)
    [unscheduled] = [p for p in points if p["properties"]["kind"] == "unscheduled"]
    assert unscheduled["id"] == "dimanche"
    assert unscheduled["properties"]["order"] is None
    assert unscheduled["properties"]["reason"]
    route = lines[0]
    expected = [start["geometry"]["coordinates"]] + [p["geometry"]["coordinates"] for p in stops]
    assert route["geometry"]["coordinates"] == [*expected, expected[0]]  # closed tour
    assert route["properties"]["method"] == "exact"
    assert route["properties"]["distance_m"] == round(result.total_metres)
    assert shape(route["geometry"]).length > 0


def test_geojson_open_tour_ends_at_the_last_stop():
    open_tour = plan(return_to_start=False)
    [route] = [
        f for f in to_geojson(open_tour)["features"] if f["geometry"]["type"] == "LineString"
    ]
    coordinates = route["geometry"]["coordinates"]
    assert len(coordinates) == len(open_tour.stops) + 1
    last = open_tour.stops[-1].stop
    assert coordinates[-1] == [last.lon, last.lat]
    assert route["properties"]["closed"] is False


def test_geojson_without_any_session_has_no_route():
    nothing = plan(stops=[STOPS[4]])
    features = to_geojson(nothing)["features"]
    assert [f["geometry"]["type"] for f in features] == ["Point", "Point"]


# --- CSV -------------------------------------------------------------------------------------


def test_csv_roadbook(result):
    text = to_csv(result)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == CSV_COLUMNS == [
        "ordre", "date", "debut", "fin", "lieu", "adresse", "trajet_km", "trajet_min", "remarque",
    ]  # fmt: skip
    sessions, back, skipped = rows[:4], rows[4], rows[5]
    for row, scheduled in zip(sessions, result.stops, strict=True):
        assert row["ordre"] == str(scheduled.order)
        assert row["date"] == scheduled.date.isoformat()
        assert row["debut"] == f"{scheduled.start:%H:%M}"
        assert row["fin"] == f"{scheduled.end:%H:%M}"
        assert row["lieu"] == scheduled.stop.label
        assert row["adresse"] == scheduled.stop.address
        assert float(row["trajet_km"]) == pytest.approx(scheduled.leg.metres / 1000, abs=0.05)
        assert int(row["trajet_min"]) == round(scheduled.leg.seconds / 60)
    assert back["lieu"] == "Lens, mairie" and back["remarque"] == "retour au départ"
    assert float(back["trajet_km"]) == pytest.approx(result.return_leg.metres / 1000, abs=0.05)
    assert skipped["lieu"] == "Marché du dimanche"
    assert skipped["remarque"].startswith("non planifiée : aucun créneau")
    assert len(rows) == 6
    # Addresses with commas survive quoting.
    assert '"1 rue de l\'Abbé, 62000 Arras"' in text
