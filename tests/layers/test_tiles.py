"""Vector tiles: decoded (mapbox-vector-tile) and compared with the directory API for the
same filters; clusters that add up; headers, ETag and 304, CORS, the optional Redis cache,
TileJSON, GDAL's MVT driver, the territories' outlines, and the aggregates' refresh.

The expected counts come from the API (`count` of /api/v1/actors/ with the same filters
and a bbox of the tile), never from the tiles' own SQL."""

import gzip
import json
import math
import shutil
import subprocess
import uuid

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carto.actors.models import Actor
from carto.layers.models import ActorCell
from carto.layers.tiles import build, filters, grid, refresh_actor_aggregates, store

pytestmark = pytest.mark.django_db

LENS = (2.832435, 50.429256)
MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture(scope="module", autouse=True)
def cells(django_db_setup, django_db_blocker):
    """The aggregates of the session's directory, counted once and committed (derived data)."""
    with django_db_blocker.unblock():
        refresh_actor_aggregates()


@pytest.fixture(autouse=True)
def no_tile_cache(settings):
    """No cache of tiles, whatever the environment says (CARTO_REDIS_URL): tests change the
    directory in transactions that never commit, so no refresh ever outdates a cached tile.
    The cache's own tests put Redis back."""
    settings.CACHES = {
        **settings.CACHES,
        "tiles": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


@pytest.fixture(autouse=True)
def fresh_filters():
    """No validated filter set kept from another test (each test may change the data)."""
    filters.kept.clear()
    yield
    filters.kept.clear()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tile_bbox(z: int, x: int, y: int) -> str:
    """The tile's lon/lat bounds as the API's bbox parameter."""
    n = 1 << z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return ",".join(
        str(v) for v in (x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y))
    )


def get_tile(client, z, x, y, **params):
    return client.get(f"/tiles/actors/{z}/{x}/{y}.pbf", params)


def decode(response) -> list[dict]:
    """The features of the `actors` layer, with their position in tile units (y down)."""
    assert response.status_code in (200, 204), response.content[:300]
    if response.status_code == 204:
        return []
    assert response["Content-Type"] == MVT
    data = response.content
    if response.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    return layers["actors"]["features"] if "actors" in layers else []


def inside(feature) -> bool:
    """In the tile proper, not in its buffer."""
    x, y = feature["geometry"]["coordinates"]
    return 0 <= x < grid.EXTENT and 0 <= y < grid.EXTENT


def api_count(client, **params) -> int:
    response = client.get("/api/v1/actors/", {**params, "page_size": 1})
    assert response.status_code == 200, response.content
    return json.loads(response.content)["count"]


def api_ids(client, **params) -> set[int]:
    ids, page = set(), 1
    while True:
        response = client.get("/api/v1/actors/", {**params, "page_size": 500, "page": page})
        data = json.loads(response.content)
        ids |= {f["properties"]["id"] for f in data["features"]}
        if not data["truncated"]:
            return ids
        page += 1


def test_point_tile_holds_exactly_the_api_actors(client):
    z, x, y = tile_of(*LENS, 14)
    features = decode(get_tile(client, z, x, y))
    shown = {f["properties"]["id"] for f in features if inside(f)}
    assert shown and shown == api_ids(client, bbox=tile_bbox(z, x, y))
    for feature in features:
        p = feature["properties"]
        assert p["count"] == 1 and feature["id"] == p["id"]
        assert p["kind"] and p["name"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "mediatheque"},
        {"kind": ["collectivite", "france-services"]},  # host places, asked for by kind
        {"theme": "numerique"},
        {"theme": ["numerique", "acces-aux-droits"]},  # either: each actor counted once
        {"public": "tous-publics"},
        {"theme": "numerique", "public": "tous-publics", "kind": "mediation-numerique"},
        {"q": "centre social"},  # counted live
        {"territory": "departement:62"},  # counted live
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "none",
)
@pytest.mark.parametrize("zoom", [6, 9, 11])
def test_clusters_add_up_to_the_api_count(client, params, zoom):
    z, x, y = tile_of(*LENS, zoom)
    features = decode(get_tile(client, z, x, y, **params))
    total = sum(f["properties"]["count"] for f in features if inside(f))
    assert total == api_count(client, bbox=tile_bbox(z, x, y), **params)
    for feature in features:
        p = feature["properties"]
        if p["count"] == 1:  # an actor alone: clickable
            assert p["id"] and p["kind"] and feature["id"] == p["id"]
        else:
            assert ("id" not in p and "id" not in feature) or feature["id"] in (None, 0)


def test_a_dense_tile_is_clustered_past_the_cap(client, monkeypatch):
    z, x, y = tile_of(*LENS, 12)
    expected = api_count(client, bbox=tile_bbox(z, x, y))
    monkeypatch.setattr(grid, "POINT_CAP", 5)
    monkeypatch.setattr(build, "POINT_CAP", 5)
    features = decode(get_tile(client, z, x, y))
    assert expected > 5 and any(f["properties"]["count"] > 1 for f in features)
    assert sum(f["properties"]["count"] for f in features if inside(f)) == expected


def test_every_zoom_of_a_column_counts_the_same_actors(client):
    """From zoom 0 to 14, the tiles over Lens hold every actor of the zoom-14 tile once."""
    z14 = tile_of(*LENS, 14)
    expected = api_count(client, bbox=tile_bbox(*z14))
    for zoom in range(0, 12):
        z, x, y = tile_of(*LENS, zoom)
        total = sum(
            f["properties"]["count"] for f in decode(get_tile(client, z, x, y)) if inside(f)
        )
        assert total >= expected, zoom
    whole = sum(f["properties"]["count"] for f in decode(get_tile(client, 0, 0, 0)) if inside(f))
    assert whole == api_count(client)


def test_unlisted_actors_are_in_no_tile(client):
    z, x, y = tile_of(*LENS, 14)
    before = decode(get_tile(client, z, x, y))
    hidden = [
        Actor.objects.create(
            name=f"Acteur {status}", kind_id="centre-social", location=Point(*LENS, srid=4326),
            source="test-tiles", source_id=status, status=status, commune_code="62498",
        )
        for status in ("pending", "refused", "archived")
    ]  # fmt: skip
    refresh_actor_aggregates(["62498"])
    filters.kept.clear()
    hidden_ids = {actor.pk for actor in hidden}
    for zoom in (8, 11, 14):
        features = decode(get_tile(client, *tile_of(*LENS, zoom)))
        assert not hidden_ids & {f["properties"].get("id") for f in features}
    assert decode(get_tile(client, z, x, y)) == before


def test_a_commune_is_recounted_alone_as_a_full_refresh_would(client):
    def snapshot():
        return sorted(
            ActorCell.objects.values_list(
                "zoom", "x", "y", "commune_code", "kind", "host_only", "facet", "count", "first_id")
        )  # fmt: skip

    lens = Actor.objects.listed().filter(commune_code="62498", host_only=False).first()
    Actor.objects.create(
        name="Nouveau lieu", kind_id="tiers-lieu", themes=["numerique", "culture"],
        publics=["jeunes"], location=Point(LENS[0] + 0.01, LENS[1], srid=4326),
        source="test-tiles", source_id="nouveau", status="published", commune_code="62498",
    )  # fmt: skip
    lens.location = Point(2.35, 50.70, srid=4326)  # moved far away, same commune
    lens.save()
    touched = refresh_actor_aggregates(["62498"])
    partial = snapshot()
    assert touched > 0
    refresh_actor_aggregates()
    assert snapshot() == partial
    filters.kept.clear()
    z, x, y = tile_of(*LENS, 9)
    total = sum(f["properties"]["count"] for f in decode(get_tile(client, z, x, y)) if inside(f))
    assert total == api_count(client, bbox=tile_bbox(z, x, y))


def test_refresh_of_no_commune_changes_nothing():
    before = ActorCell.objects.count()
    assert refresh_actor_aggregates([]) == 0
    assert ActorCell.objects.count() == before


def test_the_refresh_command(capsys):
    from django.core.management import call_command

    call_command("refresh_tiles", communes="62498,62041")
    assert "cellules recomptées" in capsys.readouterr().out


# -- parameters and addresses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"kind": "nope"}, "kind"),
        ({"theme": "numerique,nope"}, "theme"),
        ({"territory": "bv:00000"}, "territory"),
        ({"territory": "pays:FR"}, "territory"),
        ({"bbox": "2,50,3,51"}, "bbox"),  # a tile's place is z/x/y
        ({"near": "2.8,50.4"}, "near"),
        ({"page": "2"}, "page"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, params, named):
    for url in ("/tiles/actors/10/520/345.pbf", "/tiles/actors.json"):
        response = client.get(url, params)
        assert response.status_code == 400
        body = json.loads(response.content)
        assert f"« {named} »" in body["detail"] and named in body["parameters"]
        assert body["detail"].startswith("Requête invalide")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/tiles/actors/23/0/0.pbf", "zoom va de 0 à 22"),
        ("/tiles/actors/3/8/0.pbf", "reçu x = 8"),
        ("/tiles/actors/3/0/8.pbf", "reçu y = 8"),
        ("/tiles/territories/pays/3/0/0.pbf", "« pays » inconnu"),
        ("/tiles/territories/pays.json", "« pays » inconnu"),
        ("/tiles/actors/-1/0/0.pbf", "Aucune ressource"),
        ("/tiles/actors/3/0/0.png", "Aucune ressource"),
    ],
)
def test_a_tile_outside_the_pyramid_is_a_404_saying_why(client, url, words):
    response = client.get(url)
    assert response.status_code == 404
    assert words in json.loads(response.content)["detail"]


def test_territory_tiles_take_no_parameter(client):
    response = client.get("/tiles/territories/bv/8/130/86.pbf", {"kind": "x", "_": "1"})
    assert response.status_code == 400
    assert "« kind »" in json.loads(response.content)["detail"]
    assert client.get("/tiles/territories/bv/8/130/86.pbf", {"_": "1"}).status_code == 200


# -- headers ------------------------------------------------------------------------------


def test_headers_etag_and_not_modified(client):
    z, x, y = tile_of(*LENS, 10)
    url = f"/tiles/actors/{z}/{x}/{y}.pbf"
    response = client.get(url, HTTP_ORIGIN="https://partenaire.example")
    assert response.status_code == 200 and response["Content-Type"] == MVT
    etag = response["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert response["Access-Control-Allow-Origin"] == "*"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=300" in cache_control
    assert client.get(url)["ETag"] == etag  # the same bytes, the same tag
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"autre"').status_code == 200
    assert client.get(url, {"kind": "mediatheque"})["ETag"] != etag
    assert client.head(url).status_code == 200


def test_gzip_when_accepted_with_its_own_strong_etag(client):
    z, x, y = tile_of(*LENS, 8)
    url = f"/tiles/actors/{z}/{x}/{y}.pbf"
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert packed["ETag"] == plain["ETag"][:-1] + '-gzip"'
    again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304


def test_an_empty_tile_is_a_204(client):
    response = client.get("/tiles/actors/10/0/0.pbf")  # the Pacific, off Alaska
    assert response.status_code == 204 and response.content == b""
    assert response["ETag"] and "max-age" in response["Cache-Control"]
    assert client.get("/tiles/territories/commune/5/16/10.pbf").status_code == 204  # below minzoom


# -- the optional cache ------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    """The `tiles` cache in Redis (127.0.0.1:6379, as on the development and CI machines),
    under a prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"carto-test-tiles-{uuid.uuid4().hex}"
    client = redis.Redis(host="127.0.0.1", port=6379, db=0, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is required on 127.0.0.1:6379 for this test ({exc})")
    settings.CACHES = {
        **settings.CACHES,
        "tiles": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        },
    }
    yield store.tile_cache()
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_a_cached_tile_is_served_without_the_database(
    client, redis_cache, django_assert_num_queries
):
    assert redis_cache is not None
    z, x, y = tile_of(*LENS, 12)
    url = f"/tiles/actors/{z}/{x}/{y}.pbf"
    first = client.get(url, {"theme": "numerique"})
    with django_assert_num_queries(0):
        second = client.get(url, {"theme": "numerique"})
        not_modified = client.get(url, {"theme": "numerique"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert not_modified.status_code == 304
    store.new_version()  # the aggregates were refreshed: every tile is built again
    with CaptureQueriesContext(connection) as built:
        third = client.get(url, {"theme": "numerique"})
    assert any("ST_AsMVT" in query["sql"] for query in built.captured_queries)
    assert third.content == first.content


def test_a_refresh_outdates_the_cached_tiles(
    client, redis_cache, django_capture_on_commit_callbacks
):
    url = "/tiles/actors/{}/{}/{}.pbf".format(*tile_of(*LENS, 9))
    client.get(url)
    version = redis_cache.get(store.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        refresh_actor_aggregates(["62498"])
    assert redis_cache.get(store.VERSION_KEY) != version


def test_without_a_reachable_cache_tiles_are_still_served(client, settings):
    url = "/tiles/actors/{}/{}/{}.pbf".format(*tile_of(*LENS, 9))
    expected = client.get(url).content
    settings.CACHES = {
        **settings.CACHES,
        "tiles": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    response = client.get(url)
    assert response.status_code == 200 and response.content == expected


def test_without_redis_nothing_is_cached(client):
    """The dummy cache (CARTO_REDIS_URL unset) is never called: every request builds."""
    assert store.tile_cache() is None
    url = "/tiles/actors/{}/{}/{}.pbf".format(*tile_of(*LENS, 9))
    client.get(url)
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    assert any("ST_AsMVT" in query["sql"] for query in again.captured_queries)


# -- TileJSON, GDAL ----------------------------------------------------------------------


def test_tilejson_of_the_actors_carries_the_filters(client):
    response = client.get(
        "/tiles/actors.json",
        {"kind": "mediatheque", "_": "123"},
        HTTP_ORIGIN="https://qgis.example",
    )
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert document["tilejson"] == "3.0.0" and document["scheme"] == "xyz"
    assert 0 <= document["minzoom"] <= document["maxzoom"] <= 22
    (template,) = document["tiles"]
    assert template == "http://testserver/tiles/actors/{z}/{x}/{y}.pbf?kind=mediatheque"
    (layer,) = document["vector_layers"]
    assert layer["id"] == "actors" and set(layer["fields"]) == {"id", "kind", "name", "count"}
    z, x, y = tile_of(*LENS, 9)
    url = template.replace("http://testserver", "").format(z=z, x=x, y=y)
    features = decode(client.get(url))
    assert sum(f["properties"]["count"] for f in features if inside(f)) == api_count(
        client, kind="mediatheque", bbox=tile_bbox(z, x, y)
    )


@pytest.mark.parametrize("kind", ["region", "departement", "epci", "bv", "commune", "qpv"])
def test_tilejson_of_each_territory_kind(client, kind):
    document = json.loads(client.get(f"/tiles/territories/{kind}.json").content)
    assert document["tiles"] == [
        f"http://testserver/tiles/territories/{kind}/{{z}}/{{x}}/{{y}}.pbf"
    ]
    assert document["minzoom"] == build.TERRITORY_MIN_ZOOM[kind]
    assert document["vector_layers"][0]["id"] == "territories"


def test_gdal_reads_a_tile(client, tmp_path):
    """GDAL's MVT driver (QGIS reads vector tiles through the same code) opens a tile saved
    as z/x/y.pbf and places its features where the actors are."""
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "GDAL's ogrinfo is needed (apt install gdal-bin)"
    z, x, y = tile_of(*LENS, 14)
    features = decode(get_tile(client, z, x, y))
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(get_tile(client, z, x, y).content)
    out = subprocess.run(
        [ogrinfo, "-ro", "-al", "-q", str(path)], capture_output=True, text=True, timeout=60
    ).stdout
    assert "Layer name: actors" in out
    assert out.count("OGRFeature(actors)") == len(features)
    actor = Actor.objects.get(pk=features[0]["properties"]["id"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(g), ST_Y(g) FROM ST_Transform(%s::geometry, 3857) g", [actor.location.ewkt]
        )
        mx, my = cursor.fetchone()
    block = out.split(f"id (Integer) = {actor.pk}\n", 1)[1].split("POINT (", 1)[1]
    gx, gy = (float(v) for v in block.split(")", 1)[0].split())
    metres_per_unit = 2 * grid.HALF_WORLD / (1 << z) / grid.EXTENT
    assert abs(gx - mx) <= metres_per_unit and abs(gy - my) <= metres_per_unit


# -- territories -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "zoom"),
    [("region", 5), ("departement", 7), ("epci", 9), ("bv", 9), ("commune", 11)],
)
def test_territory_tiles_hold_the_outlines_in_view(client, kind, zoom):
    from carto.territories.models import Territory

    z, x, y = tile_of(*LENS, zoom)
    response = client.get(f"/tiles/territories/{kind}/{z}/{x}/{y}.pbf")
    layers = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    features = layers["territories"]["features"]
    codes = {f["properties"]["code"] for f in features}
    holding = Territory.objects.filter(kind=kind, geom__contains=Point(*LENS, srid=4326))
    assert set(holding.values_list("code", flat=True)) <= codes
    sample = Territory.objects.get(kind=kind, code=holding.first().code)
    (feature,) = [f for f in features if f["properties"]["code"] == sample.code]
    assert feature["properties"]["name"] == sample.name
    assert feature["properties"]["population"] == sample.population
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_territory_outlines_are_simplified_for_the_zoom(client):
    """The Pas-de-Calais has fewer vertices at zoom 6 than at zoom 9, and fewer than stored."""
    from carto.territories.models import Territory

    def vertices(zoom):
        z, x, y = tile_of(2.3, 50.5, zoom)
        layers = mapbox_vector_tile.decode(
            client.get(f"/tiles/territories/departement/{z}/{x}/{y}.pbf").content
        )
        (feature,) = [
            f for f in layers["territories"]["features"] if f["properties"]["code"] == "62"
        ]
        return len(json.dumps(feature["geometry"]["coordinates"]).split("],"))

    stored = Territory.objects.get(kind="departement", code="62").geom.num_points
    assert vertices(6) < vertices(9) < stored


# -- the index ----------------------------------------------------------------------------


def explain(statement: str, params: dict, settings: str) -> str:
    """The plan of a tile's statement as _run sends it, sequential scans priced out: the
    index must be usable, whatever the demo data's size makes cheapest."""
    with connection.cursor() as cursor:
        cursor.execute(build._PLAIN + settings + "SET LOCAL enable_seqscan = off;")
        cursor.execute("EXPLAIN " + statement, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("zoom", "index"),
    # actors_actor's one spatial index on `location` (SP-GiST, the model's Meta).
    [(14, r"actor_location_spgist"), (8, r"actorcell_tile")],
)
def test_tile_statements_use_their_index(monkeypatch, zoom, index):
    import re

    from django.http import QueryDict

    seen = {}

    def spy(statement, params, settings=""):
        seen.update(statement=statement, params=params, settings=settings)
        return b""

    monkeypatch.setattr(build, "_run", spy)
    build.actor_tile(filters.actor_filters(QueryDict("")), *tile_of(*LENS, zoom))
    plan = explain(seen["statement"], seen["params"], seen["settings"])
    assert re.search(rf"Index (Only )?Scan using ({index}) on", plan), plan
