"""One set of tour limits, read by the planner and the API alike; one-line names."""

import json
from datetime import date

import pytest
from icalendar import Calendar

from carto import calendar
from carto.planning import tours
from carto.planning.api.tours import TourRequestSerializer
from carto.planning.tours import Place, StopInput, TourError, TourRequest

pytestmark = pytest.mark.django_db
URL = "/api/v1/planning/tours/"


def api_body(**extra):
    data = {
        "start": {"lon": 2.832435, "lat": 50.429256, "label": "Mairie de Lens"},
        "stops": [{"lon": 2.777189, "lat": 50.291002, "label": "Arras"}],
        "date_from": "2027-03-01",
        "date_to": "2027-03-12",
    }
    data.update(extra)
    return data


def post(client, data, export=None):
    url = URL + (f"?format={export}" if export else "")
    return client.post(url, json.dumps(data), content_type="application/json")


def planner_request(**extra) -> TourRequest:
    values = {
        "start": Place(2.832435, 50.429256, "Mairie de Lens"),
        "stops": [StopInput("arras", "Arras", 2.777189, 50.291002)],
        "date_from": date(2027, 3, 1),
        "date_to": date(2027, 3, 12),
    }
    values.update(extra)
    return TourRequest(**values)


def planner_accepts(**extra) -> bool:
    try:
        tours.validate(planner_request(**extra))
    except TourError:
        return False
    return True


# (API field, value at the limit, value beyond it, the planner's field and values)
LIMITS = [
    ("max_sessions_per_day", tours.MAX_SESSIONS_PER_DAY, tours.MAX_SESSIONS_PER_DAY + 1),
    ("speed_kmh", tours.MAX_SPEED_KMH, tours.MAX_SPEED_KMH + 1),
    ("session_minutes", tours.MIN_SESSION_MINUTES, tours.MIN_SESSION_MINUTES - 1),
]


@pytest.mark.parametrize(("field", "at_limit", "beyond"), LIMITS)
def test_the_api_and_the_planner_draw_the_same_line(client, field, at_limit, beyond):
    api_at = post(client, api_body(**{field: at_limit}))
    api_beyond = post(client, api_body(**{field: beyond}))
    assert api_at.status_code == 200, api_at.content[:300]
    assert api_beyond.status_code == 400 and field in api_beyond.json()["parameters"]
    assert planner_accepts(**{field: at_limit}) and not planner_accepts(**{field: beyond})


def test_stop_count_limit_is_the_same_for_both(client):
    def stops(n):
        return [{"lon": 2.7 + i / 1000, "lat": 50.3, "label": f"Lieu {i}"} for i in range(n)]

    def planner_stops(n):
        return [StopInput(f"s{i}", f"Lieu {i}", 2.7 + i / 1000, 50.3) for i in range(n)]

    assert tours.MAX_STOPS == 99  # an OSRM table holds 100 places: the stops and the start
    at = TourRequestSerializer(data=api_body(stops=stops(tours.MAX_STOPS)))
    assert at.is_valid(), at.errors
    beyond = post(client, api_body(stops=stops(tours.MAX_STOPS + 1)))
    assert beyond.status_code == 400
    assert beyond.json()["parameters"]["stops"] == [f"au plus {tours.MAX_STOPS} étapes par tournée"]
    assert planner_accepts(stops=planner_stops(tours.MAX_STOPS))
    assert not planner_accepts(stops=planner_stops(tours.MAX_STOPS + 1))


def test_stop_durations_share_the_session_bounds(client):
    for minutes, accepted in (
        (tours.MIN_SESSION_MINUTES, True),
        (tours.MIN_SESSION_MINUTES - 1, False),
    ):
        stop = {"lon": 2.777189, "lat": 50.291002, "label": "Arras", "duration_minutes": minutes}
        assert (post(client, api_body(stops=[stop])).status_code == 200) is accepted
        planner_stop = StopInput("arras", "Arras", 2.777189, 50.291002, duration_minutes=minutes)
        assert planner_accepts(stops=[planner_stop]) is accepted


def test_the_zones_are_the_calendar_s(client):
    assert TourRequestSerializer().fields["zone"].choices.keys() == {"", *calendar.ZONES}
    assert set(calendar.zones()) <= set(calendar.ZONES)
    for zone in calendar.ZONES:
        response = post(client, api_body(zone=zone, periods="outside_school_holidays"))
        assert response.status_code == 200, (zone, response.content[:300])


@pytest.mark.parametrize(
    "name", ["Tournée\nnumérique", "Tournée\r\n\tnumérique", "Tournée\u2028numérique"]
)
def test_a_multi_line_name_becomes_one_line_in_every_format(client, name):
    ics = post(client, api_body(name=name), export="ics")
    assert ics.status_code == 200, ics.content[:300]
    parsed = Calendar.from_ical(ics.content)
    assert str(parsed["X-WR-CALNAME"]) == "Tournée numérique"
    html = post(client, api_body(name=name), export="html")
    assert html.status_code == 200 and "Tournée numérique" in html.content.decode()


def test_labels_with_line_breaks_stay_in_one_csv_row_and_one_ics_summary(client):
    stop = {"lon": 2.777189, "lat": 50.291002, "label": "Arras\nHôtel de ville"}
    ics = post(client, api_body(stops=[stop]), export="ics")
    events = [c for c in Calendar.from_ical(ics.content).walk() if c.name == "VEVENT"]
    assert str(events[0]["SUMMARY"]) == "Permanence itinérante : Arras Hôtel de ville"
    csv_text = post(client, api_body(stops=[stop]), export="csv").content.decode()
    assert "Arras Hôtel de ville" in csv_text and "Arras\n" not in csv_text
