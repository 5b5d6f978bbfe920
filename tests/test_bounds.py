"""Every request has a bounded cost, and nothing a client sends makes carto answer 500:
parameter count and length, body size, JSON nesting and text, media type, unknown API
paths, and a database statement that runs too long."""

import json

import pytest
from django.db import connection

from carto.actors.models import Actor

pytestmark = pytest.mark.django_db

SITING = "/api/v1/planning/siting/"
TOURS = "/api/v1/planning/tours/"


def post_json(client, url, text):
    return client.post(url, data=text, content_type="application/json")


@pytest.mark.parametrize(
    "path", ["/api/v1/actors/", "/api/v1/taxonomy/", "/ogc/collections", "/carte/imprimer/"]
)
def test_more_than_the_allowed_parameters_is_a_400_naming_the_count(client, settings, path):
    query = "&".join(f"x{n}=1" for n in range(1100))
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    text = response.content.decode()
    assert f"1100 paramètres : au plus {settings.CARTO_MAX_QUERY_PARAMS}" in text
    if path.startswith(("/api/", "/ogc/")):
        assert response["Content-Type"] == "application/json"
        assert "1100 paramètres" in response.json()["detail"]


def test_a_query_string_within_the_bounds_still_works(client, settings):
    kinds = "&".join(["kind=france-services"] * (settings.CARTO_MAX_QUERY_PARAMS - 1))
    response = client.get(f"/api/v1/actors/?{kinds}&page_size=1")
    assert response.status_code == 200


def test_a_query_string_too_long_is_a_414(client, settings):
    response = client.get("/api/v1/actors/", {"q": "a" * (settings.CARTO_MAX_QUERY_BYTES + 1)})
    assert response.status_code == 414
    assert "octets de paramètres" in response.json()["detail"]


def test_a_body_too_large_is_a_413_before_it_is_read(client, settings):
    text = json.dumps({"level": "commune", "k": 1, "pad": "x" * settings.CARTO_MAX_BODY_BYTES})
    response = post_json(client, SITING, text)
    assert response.status_code == 413
    assert f"au plus {settings.CARTO_MAX_BODY_BYTES}" in response.json()["detail"]


@pytest.mark.parametrize("url", [SITING, TOURS])
@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deeply_nested_json_is_a_400(client, url, depth):
    text = '{"level": "commune", "k": 1, "x": ' + "[" * depth + "]" * depth + "}"
    response = post_json(client, url, text)
    assert response.status_code == 400
    assert "JSON trop imbriqué : au plus 32 niveaux" in response.json()["detail"]


def test_nesting_within_the_bound_is_parsed(client):
    # 32 levels is allowed: the request is then judged on its fields.
    text = '{"level": "commune", "k": 1, "x": ' + "[" * 31 + "]" * 31 + "}"
    response = post_json(client, SITING, text)
    assert response.status_code != 400 or "imbriqué" not in response.json()["detail"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"level": "\\ud800", "k": 1}', "« level »"),
        ('{"level": "commune", "k": 1, "candidate_kinds": ["a\\udfff"]}', "candidate_kinds[0]"),
        ('{"\\ud83d": 1}', "\\ud83d"),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_where_it_is(client, text, where):
    response = post_json(client, SITING, text)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert where in detail and "caractère UTF-16 isolé" in detail


def test_a_pair_of_surrogates_is_text(client):
    # "\ud83d\ude00" is one emoji: valid text, judged as a level like any other.
    response = post_json(client, SITING, '{"level": "\\ud83d\\ude00", "k": 1}')
    assert response.status_code == 400
    assert "😀" in response.json()["parameters"]["level"][0]


@pytest.mark.parametrize(
    "text", ['{"level": "commune", "k": NaN}', '{"k": Infinity}', "{'k': 1}", '{"k": 1', ""]
)
def test_json_that_is_not_standard_is_a_400(client, text):
    response = post_json(client, SITING, text)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("url", [SITING, TOURS])
def test_form_encoded_and_other_media_types_are_refused_with_415(client, url):
    form = client.post(url, {"level": "commune", "k": "1"})
    assert form.status_code == 415
    assert "non supporté" in form.json()["detail"]
    plain = client.post(url, data="level=commune", content_type="text/plain")
    assert plain.status_code == 415


def test_cors_preflight_does_not_allow_a_cross_origin_post(client):
    response = client.options(
        SITING,
        HTTP_ORIGIN="https://ailleurs.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert "POST" not in response.get("Access-Control-Allow-Methods", "")


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v2/actors/", "/ogc/nowhere", "/tiles/x"])
@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_paths_are_a_json_404(client, settings, path, debug):
    settings.DEBUG = debug
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"Aucune ressource à l'adresse {path}."}


def test_an_unknown_page_is_an_html_404(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_ogc_offset_beyond_bigint_is_a_400_naming_offset(client):
    for collection in ("actors", "initiatives", "territories-commune"):
        response = client.get(
            f"/ogc/collections/{collection}/items", {"offset": "9223372036854775808"}
        )
        assert response.status_code == 400, collection
        assert "« offset »" in response.json()["detail"]
    far = client.get("/ogc/collections/actors/items", {"offset": 1_000_000_000})
    assert far.status_code == 200 and far.json()["features"] == []


def _statement_timeout(milliseconds: int) -> None:
    # The test client shares the test's connection and transaction: SET LOCAL lasts until
    # the test's rollback, as the web role's `-c statement_timeout` lasts a connection.
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")


def test_a_statement_cancelled_by_the_timeout_is_a_503_naming_the_operation(client):
    _statement_timeout(1)
    response = client.get("/api/v1/coverage/", {"level": "commune"})
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert "L'opération « coverage » a dépassé le temps de calcul" in response.json()["detail"]


def test_a_page_whose_statement_is_cancelled_is_a_503_too(client):
    _statement_timeout(1)
    response = client.get("/territoire/region/32/")
    assert response.status_code == 503
    assert "« territory-sheet » a dépassé le temps de calcul" in response.content.decode()


def test_the_web_role_sets_the_statement_timeout(monkeypatch):
    """carto/wsgi.py marks the process as the web role; its settings bound statements."""
    import importlib

    import carto.settings

    monkeypatch.setenv("CARTO_ROLE", "web")
    monkeypatch.setenv("CARTO_WEB_STATEMENT_TIMEOUT_MS", "12345")
    try:
        web = importlib.reload(carto.settings)
        assert "-c statement_timeout=12345" in web.DATABASES["default"]["OPTIONS"]["options"]
        monkeypatch.setenv("CARTO_ROLE", "")
        other = importlib.reload(carto.settings)
        assert "options" not in other.DATABASES["default"]["OPTIONS"]
    finally:
        monkeypatch.delenv("CARTO_ROLE")
        importlib.reload(carto.settings)


def test_ten_thousand_stops_are_refused_before_any_actor_is_fetched(
    client, django_assert_max_num_queries
):
    ids = (
        list(
            Actor.objects.filter(status="published", duplicate_of__isnull=True).values_list(
                "id", flat=True
            )[:3]
        )
        * 3334
    )
    data = {
        "start": {"lon": 2.83, "lat": 50.43},
        "stops": [{"actor": i} for i in ids],
        "date_from": "2027-03-01",
        "date_to": "2027-03-10",
    }
    with django_assert_max_num_queries(0):
        response = post_json(client, TOURS, json.dumps(data))
    assert response.status_code == 400
    assert response.json()["parameters"]["stops"] == ["au plus 99 étapes par tournée"]


def test_the_actors_of_a_tour_are_fetched_in_one_query(client, django_assert_num_queries):
    ids = list(
        Actor.objects.filter(status="published", duplicate_of__isnull=True).values_list(
            "id", flat=True
        )[:60]
    )
    data = {
        "start": {"actor": ids[0]},
        "stops": [{"actor": i} for i in ids[1:]] + [{"actor": 10**12}],
        "date_from": "2027-03-01",
        "date_to": "2027-03-10",
    }
    with django_assert_num_queries(1):
        response = post_json(client, TOURS, json.dumps(data))
    assert response.status_code == 400
    assert response.json()["parameters"] == {
        f"stops[{len(ids) - 1}].actor": [f"aucun acteur publié n° {10**12}"]
    }
