"""POST /api/v1/planning/tours/ and its exports."""

import csv
import io
import json
import socket

import pytest
from icalendar import Calendar

from carto.actors.models import Actor
from tests.helpers import body as read

pytestmark = pytest.mark.django_db
URL = "/api/v1/planning/tours/"
LENS = {"lon": 2.832435, "lat": 50.429256, "label": "Mairie de Lens"}


def body(**extra):
    bus = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    request = {
        "start": LENS,
        "stops": [
            {"actor": bus.id},
            {"lon": 2.777189, "lat": 50.291002, "label": "Arras"},
            {"lon": 2.6355, "lat": 50.5303, "label": "Béthune"},
            {"lon": 3.0573, "lat": 50.6292, "label": "Lille"},
        ],
        "date_from": "2026-12-01",
        "date_to": "2026-12-11",
    }
    request.update(extra)
    return request


def post(client, data, status=200, export=None):
    url = URL + (f"?format={export}" if export else "")
    response = client.post(url, json.dumps(data), content_type="application/json")
    assert response.status_code == status, response.content[:500]
    return response


def test_json_tour_uses_the_actor_and_its_opening_hours(client):
    data = post(client, body()).json()
    assert data["method"] == "exact" and data["router"] == "great-circle"
    assert len(data["stops"]) == 4 and not data["unscheduled"]
    bus = next(s for s in data["stops"] if s["label"] == "Bus France services Pimms Médiation Lens")
    # Its hours: Monday 13:30-16:30, Tuesday to Friday 9-12 and 13:30-16:30: a 2-hour session fits in one range.
    start, end = bus["start"][11:16], bus["end"][11:16]
    assert (start >= "09:00" and end <= "12:00") or (start >= "13:30" and end <= "16:30")
    days = [s["date"] for s in data["stops"]]
    assert days == sorted(days) and all("2026-12-01" <= d <= "2026-12-11" for d in days)


def test_exports(client):
    ics = post(client, body(name="Tournée numérique"), export="ics")
    assert ics["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(ics.content).walk() if c.name == "VEVENT"]
    assert len(events) == 4 and any("Arras" in str(e["SUMMARY"]) for e in events)
    geojson = post(client, body(), export="geojson").json()
    kinds = [f["geometry"]["type"] for f in geojson["features"]]
    assert kinds.count("LineString") == 1 and kinds.count("Point") >= 4
    table = list(csv.reader(io.StringIO(read(post(client, body(), export="csv")).decode())))
    assert len(table) >= 5
    roadbook = post(client, body(name="Tournée numérique"), export="html").content.decode()
    assert (
        "Tournée numérique" in roadbook
        and "Arras" in roadbook
        and "ordre optimal (calcul exact)" in roadbook
    )


def test_school_holidays_only(client):
    data = post(
        client,
        body(date_from="2026-12-14", date_to="2027-01-08", periods="school_holidays", zone="B"),
    ).json()
    # Noël 2026: from Saturday 19 December 2026 to Monday 4 January 2027.
    assert all("2026-12-19" <= s["date"] < "2027-01-04" for s in data["stops"])
    assert "2026-12-25" not in [s["date"] for s in data["stops"]]  # a public holiday


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stops": []}, "stops"),
        ({"date_from": "2026-12-11", "date_to": "2026-12-01"}, "date_to"),
        ({"stops": [{"actor": 999999}]}, "stops"),
        ({"periods": "school_holidays"}, "zone"),
        ({"start": {"label": "nulle part"}}, "start"),
    ],
)
def test_bad_input_answers_400_naming_the_field(client, change, field):
    data = post(client, body(**change), status=400).json()
    assert f"« {field}" in data["detail"]


def test_unknown_format(client):
    assert "« format »" in post(client, body(), status=400, export="pdf").json()["detail"]


def test_router_unavailable_answers_503_in_french(client, settings):
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CARTO_ROUTER_URL = f"http://127.0.0.1:{port}"
    settings.CARTO_ROUTER_TIMEOUT = 2
    response = post(client, body(), status=503)
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert detail.startswith("Calcul d'itinéraire indisponible")
    assert "injoignable" in detail
    assert str(port) not in detail  # the router is an internal host: its address stays in the logs
