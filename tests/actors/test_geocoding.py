"""The BAN geocoding client and its town-hall fallback, against a stub BAN on 127.0.0.1.

The stub answers hand-written responses in the format of api-adresse.data.gouv.fr
(GeoCodeJSON FeatureCollection) and records every request it receives."""

import copy
import json
import logging
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from carto.actors.geocoding import (
    BanClient,
    GeocodeResult,
    GeocodingError,
    Precision,
    geocode,
    town_hall,
)
from carto.srid import WGS84
from carto.territories.models import Territory

LENS = "62498"
LENS_TOWN_HALL = (2.832435, 50.429256)  # communes_2025_points.csv: 17 bis place Jean-Jaurès
LOGGER = "carto.actors.geocoding"

HOUSENUMBER = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.832604, 50.429376]},
    "properties": {
        "label": "17 bis Place Jean Jaurès 62300 Lens",
        "score": 0.9,
        "housenumber": "17 bis",
        "id": "62498_1870_00017_bis",
        "name": "17 bis Place Jean Jaurès",
        "postcode": "62300",
        "citycode": "62498",
        "x": 686935.21,
        "y": 7034720.86,
        "city": "Lens",
        "context": "62, Pas-de-Calais, Hauts-de-France",
        "type": "housenumber",
        "importance": 0.67412,
        "street": "Place Jean Jaurès",
        "_type": "address",
    },
}
STREET = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.829113, 50.433268]},
    "properties": {
        "label": "Rue de Lille 62300 Lens",
        "score": 0.72,
        "id": "62498_0950",
        "name": "Rue de Lille",
        "postcode": "62300",
        "citycode": "62498",
        "x": 686690.4,
        "y": 7035151.2,
        "city": "Lens",
        "context": "62, Pas-de-Calais, Hauts-de-France",
        "type": "street",
        "importance": 0.62871,
        "street": "Rue de Lille",
        "_type": "address",
    },
}
LOCALITY = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.813027, 50.441982]},
    "properties": {
        "label": "Cité 9 62300 Lens",
        "score": 0.65,
        "id": "62498_b102",
        "name": "Cité 9",
        "postcode": "62300",
        "citycode": "62498",
        "x": 685540.7,
        "y": 7036118.5,
        "city": "Lens",
        "context": "62, Pas-de-Calais, Hauts-de-France",
        "type": "locality",
        "importance": 0.6015,
        "_type": "address",
    },
}
MUNICIPALITY = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.831841, 50.432104]},
    "properties": {
        "label": "Lens",
        "score": 0.96,
        "id": "62498",
        "type": "municipality",
        "name": "Lens",
        "postcode": "62300",
        "citycode": "62498",
        "x": 686880.3,
        "y": 7035020.9,
        "population": 31415,
        "city": "Lens",
        "context": "62, Pas-de-Calais, Hauts-de-France",
        "importance": 0.71583,
        "municipality": "Lens",
        "_type": "address",
    },
}
LIEVIN = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [2.784931, 50.421553]},
    "properties": {
        "label": "45 Rue Édouard Vaillant 62800 Liévin",
        "score": 0.88,
        "housenumber": "45",
        "id": "62510_0420_00045",
        "name": "45 Rue Édouard Vaillant",
        "postcode": "62800",
        "citycode": "62510",
        "city": "Liévin",
        "context": "62, Pas-de-Calais, Hauts-de-France",
        "type": "housenumber",
        "importance": 0.6523,
        "street": "Rue Édouard Vaillant",
        "_type": "address",
    },
}


def collection(*features: dict, query: str = "") -> dict:
    return {
        "type": "FeatureCollection",
        "version": "draft",
        "features": [copy.deepcopy(f) for f in features],
        "attribution": "BAN",
        "licence": "ETALAB-2.0",
        "query": query,
        "limit": max(len(features), 1),
    }


def with_score(feature: dict, score) -> dict:
    changed = copy.deepcopy(feature)
    changed["properties"]["score"] = score
    return changed


@dataclass
class Received:
    path: str
    query: str
    params: dict[str, list[str]]
    user_agent: str | None


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        stub = self.server.stub
        # The request line as sent: http.server collapses a leading "//" in self.path.
        path, _, query = self.requestline.split(" ")[1].partition("?")
        stub.requests.append(Received(path, query, parse_qs(query), self.headers["User-Agent"]))
        if stub.delay:
            stub.release.wait(stub.delay)
        try:
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(stub.body)))
            self.end_headers()
            self.wfile.write(stub.body)
        except OSError:
            pass  # the client gave up (timeout)

    def log_message(self, format, *args):
        pass


class StubBan:
    """A BAN-compatible service answering what the test sets, recording what it receives."""

    def __init__(self):
        self.requests: list[Received] = []
        self.release = threading.Event()
        self.answer(collection())
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.stub = self
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, payload=None, *, status: int = 200, raw: bytes | None = None, delay=0.0):
        self.status = status
        self.body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        self.delay = delay


@pytest.fixture
def ban():
    stub = StubBan()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.release.set()
        stub.server.shutdown()
        stub.server.server_close()


@pytest.fixture
def online(settings, ban):
    """geocode() pointed at the stub, with a short timeout."""
    settings.CARTO_GEOCODER_URL = ban.url
    settings.CARTO_GEOCODER_TIMEOUT = 0.5
    return ban


def assert_lens_town_hall(result: GeocodeResult | None) -> None:
    assert result is not None
    assert (result.lon, result.lat) == LENS_TOWN_HALL
    assert result.precision == Precision.COMMUNE == "commune"
    assert result.source == "mairie"
    assert result.citycode == LENS
    assert result.score is None


# --- BanClient: the protocol ---


def test_search_sends_url_encoded_query_and_filters(ban):
    ban.answer(collection(HOUSENUMBER))
    BanClient(ban.url, timeout=2).search(
        "17 bis place Jean-Jaurès, 62300 Lens", citycode=LENS, postcode="62300", limit=3
    )

    [request] = ban.requests
    assert request.path == "/search/"
    assert "q=17+bis+place+Jean-Jaur%C3%A8s%2C+62300+Lens" in request.query
    assert request.params == {
        "q": ["17 bis place Jean-Jaurès, 62300 Lens"],
        "limit": ["3"],
        "citycode": [LENS],
        "postcode": ["62300"],
    }
    assert request.user_agent.startswith("carto-geocoding/")


def test_search_without_filters_sends_only_q_and_limit(ban):
    BanClient(ban.url).search("Rue de Lille Lens")

    assert ban.requests[0].params == {"q": ["Rue de Lille Lens"], "limit": ["1"]}


@pytest.mark.parametrize("suffix", ["", "/", "/addok", "/addok/"])
def test_base_url_with_or_without_trailing_slash(ban, suffix):
    BanClient(ban.url + suffix).search("Lens")

    assert ban.requests[0].path == suffix.rstrip("/") + "/search/"


@pytest.mark.parametrize(
    ("feature", "precision"),
    [
        (HOUSENUMBER, "address"),
        (STREET, "street"),
        (LOCALITY, "street"),
        (MUNICIPALITY, "commune"),
    ],
)
def test_ban_type_maps_to_precision(ban, feature, precision):
    ban.answer(collection(feature))

    [result] = BanClient(ban.url).search(feature["properties"]["label"])

    assert result == GeocodeResult(
        lon=feature["geometry"]["coordinates"][0],
        lat=feature["geometry"]["coordinates"][1],
        precision=precision,
        label=feature["properties"]["label"],
        score=feature["properties"]["score"],
        citycode=LENS,
        source="ban",
    )
    assert result.point.srid == WGS84
    assert result.point.coords == tuple(feature["geometry"]["coordinates"])


def test_results_keep_the_service_order_and_drop_unknown_types(ban):
    poi = copy.deepcopy(STREET)
    poi["properties"]["type"] = "poi"
    ban.answer(collection(HOUSENUMBER, poi, MUNICIPALITY))

    results = BanClient(ban.url).search("Lens", limit=3)

    assert [r.label for r in results] == ["17 bis Place Jean Jaurès 62300 Lens", "Lens"]


def test_empty_collection_is_no_result(ban):
    assert BanClient(ban.url).search("zzzz") == []


def _point(lon, lat) -> dict:
    feature = copy.deepcopy(HOUSENUMBER)
    feature["geometry"]["coordinates"] = [lon, lat]
    return collection(feature)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"status": 500, "raw": b"Internal Server Error"}, "500"),
        ({"status": 400, "raw": b'{"code": 400, "message": "q must contain 3 chars"}'}, "400"),
        ({"raw": b"<html>Bad gateway</html>"}, "JSON"),
        ({"raw": b'{"type": "FeatureCollection", "features": [{"type": "Fea'}, "JSON"),
        ({"payload": [HOUSENUMBER]}, "FeatureCollection"),
        ({"payload": {"type": "Feature", "features": []}}, "FeatureCollection"),
        ({"payload": collection(["not a feature"])}, "Feature"),
        ({"payload": _point(2.83, 95.0)}, "hors limites"),
        ({"payload": _point(250.0, 50.4)}, "hors limites"),
        ({"payload": _point("2.83", 50.4)}, "Point"),
        ({"payload": collection(with_score(HOUSENUMBER, "0.9"))}, "score"),
    ],
    ids=[
        "http-500",
        "http-400",
        "html",
        "truncated-json",
        "json-list",
        "not-a-collection",
        "not-a-feature",
        "latitude-out-of-range",
        "longitude-out-of-range",
        "string-coordinate",
        "string-score",
    ],
)
def test_search_raises_a_geocoding_error_naming_the_url(ban, answer, problem):
    ban.answer(**answer)
    client = BanClient(ban.url)

    with pytest.raises(GeocodingError) as error:
        client.search("17 bis place Jean-Jaurès Lens")

    assert f"{ban.url}/search/" in str(error.value)
    assert problem in str(error.value)


def test_search_times_out(ban):
    # A valid answer, held back until the test ends: only a timeout ends the wait.
    ban.answer(collection(HOUSENUMBER), delay=30)

    with pytest.raises(GeocodingError, match=r"pas de réponse .* en 0\.5 s") as error:
        BanClient(ban.url, timeout=0.5).search("Lens")

    assert ban.url in str(error.value)
    assert len(ban.requests) == 1


def test_search_on_a_closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"

    with pytest.raises(GeocodingError, match="injoignable") as error:
        BanClient(url, timeout=1).search("Lens")

    assert url in str(error.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "api-adresse.data.gouv.fr", "http://"])
def test_only_http_urls_are_geocoders(url):
    with pytest.raises(GeocodingError, match="invalide"):
        BanClient(url)


# --- geocode(): acceptance and fallback ---


def test_geocode_returns_the_accepted_ban_result(online):
    online.answer(collection(HOUSENUMBER))

    result = geocode("17 bis place Jean-Jaurès", citycode=LENS, postcode="62300")

    assert result.source == "ban"
    assert result.precision == Precision.ADDRESS
    assert (result.lon, result.lat) == (2.832604, 50.429376)
    assert result.score == 0.9
    [request] = online.requests
    assert request.params == {
        "q": ["17 bis place Jean-Jaurès"],
        "limit": ["1"],
        "citycode": [LENS],
        "postcode": ["62300"],
    }


def test_geocode_without_citycode_accepts_any_commune(online):
    online.answer(collection(LIEVIN))

    result = geocode("45 rue Édouard-Vaillant Liévin")

    assert result.citycode == "62510"
    assert result.source == "ban"
    assert "citycode" not in online.requests[0].params


@pytest.mark.django_db
def test_low_score_falls_back_to_the_town_hall(online):
    online.answer(collection(with_score(STREET, 0.31)))

    assert_lens_town_hall(geocode("rue de lile", citycode=LENS))


@pytest.mark.django_db
def test_min_score_is_the_threshold(online):
    online.answer(collection(with_score(STREET, 0.31)))

    assert geocode("rue de lile", citycode=LENS, min_score=0.3).source == "ban"
    assert geocode("rue de lile", citycode=LENS, min_score=0.32).source == "mairie"


@pytest.mark.django_db
def test_result_without_score_falls_back(online):
    online.answer(collection(with_score(HOUSENUMBER, None)))

    assert_lens_town_hall(geocode("17 bis place Jean-Jaurès", citycode=LENS))


@pytest.mark.django_db
def test_result_in_another_commune_falls_back(online):
    online.answer(collection(LIEVIN))

    assert_lens_town_hall(geocode("45 rue Édouard-Vaillant", citycode=LENS))


@pytest.mark.django_db
def test_no_result_falls_back(online):
    online.answer(collection())

    assert_lens_town_hall(geocode("zzzz", citycode=LENS))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"status": 500, "raw": b"Internal Server Error"}, "a répondu 500"),
        ({"raw": b"{not json"}, "autre chose que du JSON"),
        # A good housenumber, held back until the test ends: only the timeout falls back.
        ({"payload": collection(HOUSENUMBER), "delay": 30}, "pas de réponse"),
    ],
    ids=["http-500", "malformed-json", "hanging"],
)
def test_failing_service_falls_back_with_a_warning(online, caplog, answer, problem):
    online.answer(**answer)

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        result = geocode("17 bis place Jean-Jaurès", citycode=LENS)

    assert_lens_town_hall(result)
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert online.url in record.getMessage()
    assert problem in record.getMessage()


@pytest.mark.django_db
def test_failing_service_without_citycode_gives_none(online, caplog):
    online.answer(status=503, raw=b"Service Unavailable")

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert geocode("17 bis place Jean-Jaurès Lens") is None

    assert "503" in caplog.text


@pytest.mark.django_db
def test_misconfigured_url_falls_back_with_a_warning(settings, caplog):
    settings.CARTO_GEOCODER_URL = "file:///etc/passwd"

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert_lens_town_hall(geocode("17 bis place Jean-Jaurès", citycode=LENS))

    assert "file:///etc/passwd" in caplog.text


# --- offline ---


@pytest.mark.django_db
def test_offline_places_the_address_at_the_town_hall(settings, ban):
    settings.CARTO_GEOCODER_URL = ""

    result = geocode("17 bis place Jean-Jaurès", citycode=LENS)

    assert_lens_town_hall(result)
    assert result.label == "Lens (mairie)"
    assert ban.requests == []
    anchor = Territory.objects.get(kind="commune", code=LENS).anchor
    assert (result.lon, result.lat) == anchor.coords


@pytest.mark.django_db
@pytest.mark.parametrize("citycode", ["75056", "99999", "", None])
def test_offline_unknown_commune_gives_none(settings, citycode):
    settings.CARTO_GEOCODER_URL = ""

    assert geocode("1 rue de Rivoli", citycode=citycode) is None


@pytest.mark.django_db
def test_empty_address_is_not_sent(online):
    assert_lens_town_hall(geocode("  ", citycode=LENS))
    assert online.requests == []


@pytest.mark.django_db
def test_town_hall():
    assert_lens_town_hall(town_hall(LENS))
    # Liévin's town hall is not Lens's: the lookup follows the code.
    assert (town_hall("62510").lon, town_hall("62510").lat) == (2.78482, 50.42159)
    assert town_hall("75056") is None  # Paris: not among the loaded départements


def test_precision_values():
    assert set(Precision.values) == {"exact", "address", "street", "commune", "departement"}
