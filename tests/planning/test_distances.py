"""Distances for tours: great-circle figures against known distances and an independent
geodesic, and the OSRM table client against a stub OSRM server on 127.0.0.1."""

import json
import math
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from pyproj import Geod

from carto.planning.distances import (
    EARTH_RADIUS_M,
    GreatCircle,
    OsrmClient,
    RouterError,
    haversine_m,
    router_from_settings,
)
from carto.planning.tours import Place, StopInput, TourRequest, plan_tour

LENS_TOWN_HALL = (2.832435, 50.429256)
ARRAS_TOWN_HALL = (2.777189, 50.291002)
PARIS_HOTEL_DE_VILLE = (2.3522, 48.8566)
LILLE_GRAND_PLACE = (3.0573, 50.6292)
BETHUNE = (2.6396, 50.5303)
# A geodesic on the same sphere, computed by PROJ's geodesic library: an independent oracle.
SPHERE = Geod(a=EARTH_RADIUS_M, b=EARTH_RADIUS_M)


def sphere_m(a, b) -> float:
    return SPHERE.inv(a[0], a[1], b[0], b[1])[2]


def test_known_great_circle_distances():
    assert haversine_m(PARIS_HOTEL_DE_VILLE, LILLE_GRAND_PLACE) == pytest.approx(203_500, abs=600)
    assert round(haversine_m(PARIS_HOTEL_DE_VILLE, LILLE_GRAND_PLACE) / 1000) == 204
    assert haversine_m(LENS_TOWN_HALL, ARRAS_TOWN_HALL) == pytest.approx(15_865, abs=20)
    assert round(haversine_m(LENS_TOWN_HALL, ARRAS_TOWN_HALL) / 1000, 1) == 15.9


@pytest.mark.parametrize(
    "a, b",
    [
        (PARIS_HOTEL_DE_VILLE, LILLE_GRAND_PLACE),
        (LENS_TOWN_HALL, ARRAS_TOWN_HALL),
        ((1.4442, 43.6045), (5.3698, 43.2965)),  # Toulouse – Marseille
        ((-4.4861, 48.3904), (7.7521, 48.5734)),  # Brest – Strasbourg
        ((0.0, 0.0), (179.5, 0.5)),  # nearly antipodal
    ],
)
def test_haversine_matches_an_independent_geodesic_on_the_same_sphere(a, b):
    assert haversine_m(a, b) == pytest.approx(sphere_m(a, b), rel=1e-9)
    assert haversine_m(a, b) == pytest.approx(haversine_m(b, a), rel=1e-12)


def test_haversine_is_close_to_the_wgs84_ellipsoid():
    wgs84 = Geod(ellps="WGS84")
    measured = wgs84.inv(*PARIS_HOTEL_DE_VILLE, *LILLE_GRAND_PLACE)[2]
    assert haversine_m(PARIS_HOTEL_DE_VILLE, LILLE_GRAND_PLACE) == pytest.approx(measured, rel=5e-3)


def test_great_circle_matrix_applies_detour_and_speed():
    points = [LENS_TOWN_HALL, ARRAS_TOWN_HALL, BETHUNE]
    metres, seconds = GreatCircle(speed_kmh=60, detour=1.25).matrix(points)
    assert len(metres) == len(seconds) == 3
    for i in range(3):
        assert metres[i][i] == seconds[i][i] == 0
        for j in range(3):
            assert metres[i][j] == pytest.approx(1.25 * sphere_m(points[i], points[j]), rel=1e-9)
            assert seconds[i][j] == pytest.approx(metres[i][j] / (60 / 3.6), rel=1e-12)
            assert metres[i][j] == metres[j][i]
    # Lens – Arras: 15.9 km × 1.25 = 19.8 km, at 60 km/h: 19.8 min.
    assert seconds[0][1] / 60 == pytest.approx(15.865 * 1.25, rel=1e-3)


def test_great_circle_defaults_are_documented_values():
    router = GreatCircle()
    metres, seconds = router.matrix([LENS_TOWN_HALL, ARRAS_TOWN_HALL])
    assert metres[0][1] == pytest.approx(15_865 * 1.3, rel=1e-3)
    assert seconds[0][1] == pytest.approx(15_865 * 1.3 / (40 / 3.6), rel=1e-3)
    assert router.name == "great-circle"


@pytest.mark.parametrize(("speed", "detour"), [(0, 1.3), (-5, 1.3), (40, 0.9), (math.nan, 1.3)])
def test_great_circle_refuses_bad_parameters(speed, detour):
    with pytest.raises(ValueError):
        GreatCircle(speed_kmh=speed, detour=detour)


# --- OSRM stub -------------------------------------------------------------------------------


class OsrmStub(BaseHTTPRequestHandler):
    """Answers /table/v1/<profile>/<coordinates> with what the test put in server.answer."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        parsed = urlsplit(self.path)  # not urlparse: it would cut the path at « ; »
        self.server.requests.append((parsed.path, parse_qs(parsed.query)))
        status, body, delay = self.server.answer(parsed.path)
        if delay:
            time.sleep(delay)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout test)
            pass


@pytest.fixture
def osrm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OsrmStub)
    server.daemon_threads = True
    server.requests = []
    server.answer = lambda path: (200, {"code": "Ok"}, 0)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


def table(durations, distances):
    return {
        "code": "Ok",
        "durations": durations,
        "distances": distances,
        "sources": [{"location": [0, 0], "name": ""} for _ in durations],
        "destinations": [{"location": [0, 0], "name": ""} for _ in durations],
    }


def test_osrm_table_request_and_answer(osrm):
    durations = [[0, 1200.5, 900], [1300, 0, 700.2], [880, 650, 0]]
    distances = [[0, 21000, 15000], [22000.4, 0, 9000], [15500, 8800, 0]]
    osrm.answer = lambda path: (200, table(durations, distances), 0)
    client = OsrmClient(osrm.url + "/", timeout=5)
    metres, seconds = client.matrix([LENS_TOWN_HALL, ARRAS_TOWN_HALL, BETHUNE])
    assert seconds == durations
    assert metres == distances
    [(path, query)] = osrm.requests
    assert path == ("/table/v1/driving/2.832435,50.429256;2.777189,50.291002;2.639600,50.530300")
    assert query == {"annotations": ["distance,duration"]}
    assert client.name == "osrm"


def test_osrm_profile_in_the_path(osrm):
    osrm.answer = lambda path: (200, table([[0, 1], [1, 0]], [[0, 5], [5, 0]]), 0)
    OsrmClient(osrm.url, profile="bike").matrix([LENS_TOWN_HALL, ARRAS_TOWN_HALL])
    assert osrm.requests[0][0].startswith("/table/v1/bike/")


def test_osrm_single_point_needs_no_request(osrm):
    assert OsrmClient(osrm.url).matrix([LENS_TOWN_HALL]) == ([[0.0]], [[0.0]])
    assert osrm.requests == []


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, {"message": "boom"}, "HTTP 500"),
        (400, {"code": "NoSegment", "message": "Could not find a matching segment"}, "NoSegment"),
        (200, {"code": "NoRoute", "message": "Impossible route"}, "NoRoute"),
        (200, {"code": "NoTable"}, "NoTable"),
        (
            200,
            table([[0, None], [600, 0]], [[0, 9000], [9100, 0]]),
            "aucun itinéraire du lieu 0 au lieu 1",
        ),
        (
            200,
            table([[0, 600], [600, 0]], [[0, 9000], [None, 0]]),
            "aucun itinéraire du lieu 1 au lieu 0",
        ),
        (200, table([[0, 600]], [[0, 9000]]), "matrice 2 × 2"),
        (200, table([[0, "x"], [600, 0]], [[0, 9000], [9000, 0]]), "invalide"),
        (200, b"<html>proxy error</html>", "pas du JSON"),
        (200, [1, 2], "pas un objet"),
    ],
)
def test_osrm_errors_name_the_url(osrm, status, body, expected):
    osrm.answer = lambda path: (status, body, 0)
    client = OsrmClient(osrm.url, timeout=5)
    with pytest.raises(RouterError) as caught:
        client.matrix([LENS_TOWN_HALL, ARRAS_TOWN_HALL])
    message = str(caught.value)
    assert f"{osrm.url}/table/v1/driving/" in message
    assert expected in message


def test_osrm_timeout(osrm):
    # A valid answer, but late: a client that waited for it would return a matrix.
    osrm.answer = lambda path: (200, table([[0, 1], [1, 0]], [[0, 1], [1, 0]]), 5)
    client = OsrmClient(osrm.url, timeout=0.2)
    with pytest.raises(RouterError) as caught:
        client.matrix([LENS_TOWN_HALL, ARRAS_TOWN_HALL])
    assert "pas de réponse en 0.2 s" in str(caught.value)
    assert len(osrm.requests) == 1
    assert osrm.url in str(caught.value)


def test_osrm_unreachable():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OsrmStub)
    url = f"http://127.0.0.1:{server.server_port}"
    server.server_close()  # nothing listens there any more
    with pytest.raises(RouterError) as caught:
        OsrmClient(url, timeout=2).matrix([LENS_TOWN_HALL, ARRAS_TOWN_HALL])
    assert url in str(caught.value)
    assert "injoignable" in str(caught.value)


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://example.org", "localhost:5000"])
def test_osrm_refuses_non_http_urls(url):
    with pytest.raises(RouterError):
        OsrmClient(url)


def test_router_from_settings(settings):
    settings.CARTO_ROUTER_URL = ""
    router = router_from_settings(speed_kmh=55)
    assert isinstance(router, GreatCircle)
    assert router.speed_kmh == 55
    settings.CARTO_ROUTER_URL = "http://127.0.0.1:5000"
    settings.CARTO_ROUTER_TIMEOUT = 3.5
    router = router_from_settings()
    assert isinstance(router, OsrmClient)
    assert router.timeout == 3.5
    assert router.table_url == "http://127.0.0.1:5000/table/v1/driving/"


def test_a_tour_planned_on_osrm_durations(osrm):
    # Asymmetric road durations: Lens → Arras is quicker than Arras → Lens.
    durations = [[0, 900, 1500], [1400, 0, 2400], [1300, 2500, 0]]
    distances = [[0, 19000, 30000], [21000, 0, 44000], [29000, 45000, 0]]
    osrm.answer = lambda path: (200, table(durations, distances), 0)
    tour = TourRequest(
        start=Place(*LENS_TOWN_HALL, "Lens"),
        stops=[
            StopInput("arras", "Arras", *ARRAS_TOWN_HALL),
            StopInput("bethune", "Béthune", *BETHUNE),
        ],
        date_from=date(2026, 11, 30),
        date_to=date(2026, 12, 4),
    )
    result = plan_tour(tour, router=OsrmClient(osrm.url, timeout=5))
    assert result.router == "osrm"
    # Lens → Arras → Béthune → Lens: 900 + 2400 + 1300 = 4600 s, against 1500 + 2500 + 1400.
    assert [stop.id for stop in result.order] == ["arras", "bethune"]
    assert result.order_seconds == 4600
    assert [item.leg.metres for item in result.stops] == [19000, 44000]
    assert result.return_leg.seconds == 1300
    assert result.total_metres == 19000 + 44000 + 29000
