"""Deep paging of the directory's collections (carto/actors/api/pages.py) on the real demo
data: keyset walks that return every row once and in order, cursors around a point that
resume in distance order through ties, tampered cursors refused, counts bounded, the cap
of a response, OGC `next` links followed to the end, and the collections' statement
giving the same rows as `querysets.matching()`, the definition of what the public sees."""

import gzip
import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from carto.actors.api import pages
from carto.actors.api.params import ActorParams, InitiativeParams
from carto.actors.models import Actor, ActorKind, Initiative
from carto.api import parse_fields
from tests.helpers import haversine_m, public_actors

pytestmark = pytest.mark.django_db
LENS = "2.832435,50.429256"


def get(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:400]
    return json.loads(response.content)


def local(url: str) -> str:
    return url.replace("http://testserver", "")


def walk(client, url, **params) -> list[dict]:
    """Every page of a collection, following `next` to the end: the pages' bodies."""
    pages_seen = [get(client, url, **params)]
    while pages_seen[-1]["next"]:
        assert pages_seen[-1]["truncated"] and len(pages_seen) < 1000
        pages_seen.append(get(client, local(pages_seen[-1]["next"])))
    assert not pages_seen[-1]["truncated"]
    return pages_seen


def ids(pages_seen) -> list[int]:
    return [f["id"] for page in pages_seen for f in page["features"]]


def every_kind() -> list[str]:
    return list(ActorKind.objects.values_list("slug", flat=True))


class TestKeysetWalk:
    def test_every_listed_actor_once_in_id_order(self, client):
        walked = walk(client, "/api/v1/actors/", page_size=137)
        expected = sorted(public_actors().values_list("id", flat=True))
        assert ids(walked) == expected and len(walked) > 10
        assert [page["page"] for page in walked] == list(range(1, len(walked) + 1))
        assert all(page["count"] == len(expected) and page["count_exact"] for page in walked)
        assert all("page=" not in page["next"] for page in walked[:-1])  # a cursor, not a page

    def test_host_places_too_when_every_kind_is_asked_for(self, client):
        walked = walk(client, "/api/v1/actors/", kind=every_kind(), page_size=500)
        expected = sorted(Actor.objects.listed().values_list("id", flat=True))
        assert ids(walked) == expected and len(expected) > public_actors().count()

    def test_a_page_number_is_the_same_page_as_the_cursor_reaches(self, client):
        walked = walk(client, "/api/v1/actors/", page_size=50, territory="departement:62")
        third = get(client, "/api/v1/actors/", page_size=50, territory="departement:62", page=3)
        assert [f["id"] for f in third["features"]] == [f["id"] for f in walked[2]["features"]]
        assert third["previous"] and "page=2" in third["previous"]
        assert get(client, local(third["next"]))["features"] == walked[3]["features"]

    def test_text_search_pages_keep_the_rank_order(self, client):
        whole = get(client, "/api/v1/actors/", q="mediatheque", page_size=5000)
        walked = walk(client, "/api/v1/actors/", q="mediatheque", page_size=9)
        assert ids(walked) == [f["id"] for f in whole["features"]] and len(walked) > 5
        expected = Actor.objects.listed().matching({"q": "mediatheque"})
        assert ids(walked) == list(expected.values_list("id", flat=True))

    def test_initiatives_walk(self, client):
        walked = walk(client, "/api/v1/initiatives/", page_size=4)
        assert ids(walked) == sorted(Initiative.objects.listed().values_list("id", flat=True))


class TestNearCursor:
    def test_resumes_in_distance_order(self, client):
        walked = walk(client, "/api/v1/actors/", near=LENS, radius_km=15, page_size=7)
        whole = get(client, "/api/v1/actors/", near=LENS, radius_km=15, page_size=5000)
        keys = [(f["properties"]["distance_m"], f["id"]) for p in walked for f in p["features"]]
        assert ids(walked) == [f["id"] for f in whole["features"]] and len(walked) > 5
        assert keys == sorted(keys)
        lon, lat = map(float, LENS.split(","))
        places = dict(public_actors().filter(id__in=ids(walked)).values_list("id", "location"))
        for distance, actor_id in keys:
            great_circle = haversine_m(lon, lat, *places[actor_id].coords)
            assert distance == pytest.approx(great_circle, abs=0.1)

    def test_without_radius_reaches_far_and_counts_nothing(self, client):
        walked = [get(client, "/api/v1/actors/", near="1.6065,42.9645", page_size=40)]
        for _ in range(5):
            walked.append(get(client, local(walked[-1]["next"])))
        distances = [f["properties"]["distance_m"] for p in walked for f in p["features"]]
        assert distances == sorted(distances) and len(set(ids(walked))) == 240
        assert walked[0]["features"][0]["properties"]["city"] == "Foix"
        assert not walked[-1]["count_exact"] and walked[-1]["count"] > 240

    def test_walks_through_actors_at_the_same_place_one_by_one(self, client):
        """Twelve actors at one address: a page of one each, in id order, none skipped
        or repeated (the KNN index returns tied rows in no particular order)."""
        template = public_actors().get(name="France services de Foix")
        lon, lat = template.location.coords
        for n in range(12):
            template.pk = None
            template.source, template.source_id = "essai-ex-aequo", str(n)
            template.save()
        tied = sorted(
            public_actors().filter(location=template.location).values_list("id", flat=True)
        )
        assert len(tied) >= 13
        walked = [get(client, "/api/v1/actors/", near=f"{lon},{lat}", page_size=1)]
        while len(walked) < len(tied) + 3:
            walked.append(get(client, local(walked[-1]["next"])))
        assert ids(walked)[: len(tied)] == tied
        assert len(set(ids(walked))) == len(walked)
        distances = [f["properties"]["distance_m"] for p in walked for f in p["features"]]
        assert distances[: len(tied)] == [0] * len(tied) and distances == sorted(distances)

    def test_pages_of_five_split_ties_exactly(self, client):
        """The same through pages of 5 that end inside groups of ties, anywhere."""
        whole = get(client, "/api/v1/actors/", near=LENS, radius_km=40, page_size=5000)
        walked = walk(client, "/api/v1/actors/", near=LENS, radius_km=40, page_size=5)
        keys = [(f["properties"]["distance_m"], f["id"]) for f in whole["features"]]
        assert len(keys) - len(set(d for d, _ in keys)) > 5  # ties there are
        assert ids(walked) == [f["id"] for f in whole["features"]]

    def test_the_knn_statement_walks_the_gist_index(self):
        """At a realistic size (20 000 more actors, analysed) the page statement walks the
        geography index in distance order and stops there: no sort of the table."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO actors_actor (name, name_key, kind_id, themes, publics, labels, description, siret, rna,
                    network, address, address_extra, postcode, city, location, precision, to_locate,
                    service_area_codes, opening_hours, appointment, itinerant, email, phone, website, contact_name,
                    contact_email, contact_phone, status, qpv_codes, qpv_near_codes, commune_code, epci_code,
                    departement_code, region_code, bv_code, territory_codes, source, source_id, source_url,
                    created_at, updated_at)
                SELECT 'Essai ' || n, 'essai ' || n, 'association', '{}', '{}', '{}', '', '', '', '', '', '', '', '',
                       ST_SetSRID(ST_MakePoint(1.5 + random() * 2, 49 + random() * 2), 4326), 'address', false,
                       '{}', '', false, false, '', '', '', '', '', '', 'published', '{}', '{}', '', '', '', '', '',
                       '{}', 'essai-knn', n::text, '', now(), now()
                  FROM generate_series(1, 20000) AS n;
                ANALYZE actors_actor;
                """
            )
        plan = explain(pages.Window(20, after=(100.0, 5)), near=LENS)
        knn = plan.split("CTE page")[0]
        assert "Index Scan using actor_geog_gist" in knn and "Order By: (geog <->" in knn, plan
        assert "Sort" not in knn, plan
        ties = explain(pages.Window(20, after=(100.0, 5)), ties=True, near=LENS)
        assert "Order By: (geog <->" in ties.split("CTE edge")[0], ties
        assert "Index Cond: ((geog && _st_expand(" in ties.split("CTE ties")[-1], ties

    def test_the_plain_walk_reads_the_primary_key_in_order(self):
        plan = explain(pages.Window(100, after=(1000,)))
        assert "Index Cond: (id > '1000'::bigint)" in plan, plan


def explain(window, ties=False, **query) -> str:
    """The plan of the statement a page of actors runs."""
    params = parse_fields(ActorParams, query_dict(**query))
    shape, values = pages.page_statement(pages.ACTORS, params, window)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN " + pages.statement(pages.ACTORS, replace(shape, ties=ties)), values
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def query_dict(**params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


class TestCursorErrors:
    def test_a_tampered_cursor_is_a_400_naming_cursor(self, client):
        first = get(client, "/api/v1/actors/", page_size=10)
        token = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
        value, signature = token.rsplit(".", 1)
        forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1] + "." + signature
        for bad in (forged, token[:-1], "abc", token + "x", "." + signature, "é.é", value):
            body = get(client, "/api/v1/actors/", status=400, page_size=10, cursor=bad)
            assert "« cursor »" in body["detail"] and "next" in body["detail"], bad

    def test_a_cursor_of_other_filters_is_refused(self, client):
        first = get(client, "/api/v1/actors/", page_size=10, theme="numerique")
        token = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
        body = get(client, "/api/v1/actors/", status=400, page_size=10, cursor=token)
        assert "« cursor »" in body["detail"] and "autre requête" in body["detail"]
        body = get(client, "/api/v1/initiatives/", status=400, theme="numerique", cursor=token)
        assert "« cursor »" in body["detail"]
        # Its own filters, another page size: fine.
        assert get(client, "/api/v1/actors/", page_size=3, theme="numerique", cursor=token)

    def test_page_and_cursor_exclude_each_other(self, client):
        first = get(client, "/api/v1/actors/", page_size=10)
        body = get(client, local(first["next"]) + "&page=2", status=400)
        assert "« page »" in body["detail"]

    def test_deep_pages_are_refused_with_a_pointer_to_the_cursor(self, client, settings):
        settings.CARTO_API_MAX_OFFSET = 300
        assert get(client, "/api/v1/actors/", page_size=100, page=3)["numberReturned"] == 100
        body = get(client, "/api/v1/actors/", status=400, page_size=100, page=4)
        assert "« page »" in body["detail"] and "cursor" in body["detail"]
        body = get(client, "/ogc/collections/actors/items", status=400, offset=300)
        assert "« offset »" in body["detail"] and "cursor" in body["detail"]
        # Past the end (counted), what it always was: a 404 for a page, nothing for an offset.
        assert (
            "au-delà de la dernière"
            in get(client, "/api/v1/actors/", status=404, page=99)["detail"]
        )
        far = get(client, "/ogc/collections/actors/items", offset=10**6)
        assert far["features"] == [] and far["numberMatched"] == public_actors().count()
        # Past the count's bound, where the end is not known: deep still, refused.
        settings.CARTO_API_COUNT_LIMIT = 1000
        body = get(client, "/api/v1/actors/", status=400, page_size=100, page=99)
        assert "« page »" in body["detail"] and "cursor" in body["detail"]


class TestCount:
    def test_counted_up_to_the_bound_then_a_lower_bound(self, client, settings):
        settings.CARTO_API_COUNT_LIMIT = 50
        total = public_actors().count()
        walked = walk(client, "/api/v1/actors/", page_size=400)
        assert (walked[0]["count"], walked[0]["count_exact"]) == (50, False)
        # Later pages: a lower bound still (what was seen, and one more), exact at the end.
        for number, page in enumerate(walked[1:-1], start=2):
            assert (page["count"], page["count_exact"]) == (number * 400 + 1, False)
        assert (walked[-1]["count"], walked[-1]["count_exact"]) == (total, True)
        small = get(client, "/api/v1/actors/", page_size=2, territory="commune:62041")
        assert (
            small["count_exact"]
            and small["count"]
            == public_actors().filter(territory_codes__contains=["commune:62041"]).count()
        )
        assert 2 < small["count"] <= 50

    def test_near_without_radius_is_not_counted_with_a_radius_it_is(self, client, settings):
        settings.CARTO_API_COUNT_LIMIT = 10_000
        around = get(client, "/api/v1/actors/", near=LENS, page_size=10)
        assert (around["count"], around["count_exact"]) == (11, False)
        within = get(client, "/api/v1/actors/", near=LENS, radius_km=10, page_size=10)
        lon, lat = map(float, LENS.split(","))
        expected = Actor.objects.listed().matching({"near": (lon, lat), "radius_km": 10}).count()
        assert (within["count"], within["count_exact"]) == (expected, True) and expected > 10

    def test_ogc_number_matched_only_when_known(self, client, settings):
        settings.CARTO_API_COUNT_LIMIT = 50
        first = get(client, "/ogc/collections/actors/items", limit=100)
        assert "numberMatched" not in first and first["numberReturned"] == 100
        small = get(client, "/ogc/collections/actors/items", limit=100, bbox="2.8,50.4,2.85,50.45")
        assert small["numberMatched"] == small["numberReturned"] < 50


class TestCap:
    def test_at_most_5000_features_a_response(self, client):
        listed = Actor.objects.listed().count()
        assert listed > 5000
        first = get(client, "/api/v1/actors/", kind=every_kind(), page_size=100_000)
        assert first["numberReturned"] == len(first["features"]) == first["page_size"] == 5000
        assert first["truncated"] and first["count"] == listed and first["count_exact"]
        rest = get(client, local(first["next"]))
        assert rest["numberReturned"] == listed - 5000 and not rest["truncated"]

    def test_the_cap_is_a_setting_for_ogc_too(self, client, settings):
        settings.CARTO_API_MAX_FEATURES = 120
        items = get(client, "/ogc/collections/actors/items", limit=9000)
        assert items["numberReturned"] == 120 and items["numberMatched"] > 120
        assert any(link["rel"] == "next" for link in items["links"])
        actors = get(client, "/api/v1/actors/", page_size=500)
        assert actors["numberReturned"] == actors["page_size"] == 120 and actors["truncated"]


class TestOgcNextLinks:
    @pytest.mark.parametrize(
        ("collection", "expected"),
        [
            ("actors", lambda: sorted(public_actors().values_list("id", flat=True))),
            ("initiatives", lambda: sorted(Initiative.objects.listed().values_list("id", flat=True))),
        ],
    )  # fmt: skip
    def test_followed_to_the_end(self, client, collection, expected):
        page = get(client, f"/ogc/collections/{collection}/items", limit=250)
        seen = [f["id"] for f in page["features"]]
        while any(link["rel"] == "next" for link in page["links"]):
            href = next(link["href"] for link in page["links"] if link["rel"] == "next")
            assert "offset" not in href and "cursor=" in href
            page = get(client, local(href))
            seen += [f["id"] for f in page["features"]]
        assert seen == expected()

    def test_territories_by_code(self, client):
        page = get(client, "/ogc/collections/territories-commune/items", limit=700)
        codes = [f["properties"]["code"] for f in page["features"]]
        while any(link["rel"] == "next" for link in page["links"]):
            href = next(link["href"] for link in page["links"] if link["rel"] == "next")
            page = get(client, local(href))
            codes += [f["properties"]["code"] for f in page["features"]]
        assert codes == sorted(codes) and len(codes) == len(set(codes)) > 3000


# -- the statement and querysets.matching() agree ----------------------------------------

COMBINATIONS = [
    {},
    {"kind": ["france-services"]},
    {"kind": ["mediation-numerique", "collectivite"]},
    {"theme": ["numerique"]},
    {"public": ["tous-publics"], "theme": ["numerique", "acces-aux-droits"]},
    {"public": ["jeunes"]},
    {"territory": "bv:62498"},
    {"territory": "commune:62498"},
    {"territory": "epci:246200364", "theme": ["numerique"]},
    {"territory": "region:32", "bbox": "2.6,50.3,3.1,50.6"},
    {"territory": "departement:09", "kind": ["france-services"]},
    {"bbox": "2.6,50.3,3.1,50.6"},
    {"q": "france serv lens"},
    {"q": "mediatheque", "bbox": "2.0,50.0,3.5,51.0"},
    {"q": "!!"},
    {"near": LENS, "radius_km": "12"},
    {"near": LENS, "radius_km": "8", "theme": ["numerique"]},
    {"near": LENS, "radius_km": "30", "q": "centre social"},
]


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: "&".join(c) or "all")
def test_the_actors_statement_gives_what_matching_gives(client, combination):
    params = parse_fields(ActorParams, query_dict(**combination))
    expected = list(Actor.objects.listed().matching(params).values_list("id", flat=True))
    got = ids(walk(client, "/api/v1/actors/", page_size=997, **combination))
    if "q" in combination and pages.mode_of(params) == "rank" and "near" not in combination:
        assert got == expected  # the same order: rank, then name, then id
    else:
        assert sorted(got) == sorted(expected)
    assert expected or combination.get("public") == ["jeunes"]


def test_a_qpv_of_the_actors_statement_is_what_matching_gives(client):
    """A QPV has no column of its own: its code among the actor's territory codes."""
    code = (
        Actor.objects.listed().exclude(qpv_codes=[]).values_list("qpv_codes", flat=True).first()[0]
    )
    expected = Actor.objects.listed().matching({"territory": ("qpv", code)})
    got = ids(walk(client, "/api/v1/actors/", page_size=997, territory=f"qpv:{code}"))
    assert sorted(got) == sorted(expected.values_list("id", flat=True)) and got


INITIATIVE_COMBINATIONS = [
    {},
    {"territory": "departement:62"},
    {"theme": ["citoyennete"]},
    {"kind": ["centre-social"]},
    {"programme": ["petites-villes-de-demain"]},
    {"bbox": "2.6,50.3,3.1,50.6"},
    {"q": "jeunes"},
    {"near": LENS, "radius_km": "25"},
]


@pytest.mark.parametrize("combination", INITIATIVE_COMBINATIONS, ids=lambda c: "&".join(c) or "all")
def test_the_initiatives_statement_gives_what_matching_gives(client, combination):
    params = parse_fields(InitiativeParams, query_dict(**combination))
    expected = list(Initiative.objects.listed().matching(params).values_list("id", flat=True))
    got = ids(walk(client, "/api/v1/initiatives/", page_size=7, **combination))
    if pages.mode_of(params) != "id":
        assert got == expected  # by rank then title then id; by distance then id
    else:
        assert sorted(got) == sorted(expected)


# -- light features ------------------------------------------------------------------------


def test_the_features_are_those_of_features_sql(client):
    """A page builds its Features inline (faster than calling the SQL function per row):
    they are carto_actor_feature's (sql/features.sql), member for member, and each
    property asked alone is the same value (coordinates to 5 decimals then)."""
    data = get(client, "/api/v1/actors/", near=LENS, page_size=5000)  # every public actor
    point = "SRID=4326;POINT({} {})".format(*LENS.split(","))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, carto_actor_feature(a, a.geog <-> ST_GeogFromText(%s)) "
            "FROM actors_actor a WHERE a.id = ANY(%s)",
            [point, [f["id"] for f in data["features"]]],
        )
        expected = {pk: json.loads(text) for pk, text in cursor.fetchall()}
    assert len(expected) == len(data["features"]) == public_actors().count()
    for feature in data["features"]:
        assert feature == expected[feature["id"]]
    assert {name for f in expected.values() for name in f["properties"]} == set(
        pages.LIGHT_PROPERTIES
    )  # every member met at least once in these actors
    for name in pages.LIGHT_PROPERTIES:
        light = get(client, "/api/v1/actors/", near=LENS, page_size=5000, properties=name)
        for small in light["features"]:
            whole = expected[small["id"]]
            assert small["properties"] == {
                k: v for k, v in whole["properties"].items() if k == name
            }
            for got, wanted in zip(
                small["geometry"]["coordinates"], whole["geometry"]["coordinates"], strict=True
            ):
                assert got == pytest.approx(wanted, abs=0.6e-5)


def test_the_map_view_is_small(client):
    query = {"properties": "kind", "page_size": 5000}
    data = client.get("/api/v1/actors/", query).content
    features = json.loads(data)["features"]
    assert set().union(*(f["properties"] for f in features)) == {"kind"}
    assert all(
        len(str(c).split(".")[-1]) <= 5 for f in features for c in f["geometry"]["coordinates"]
    )
    # Compressed by the view itself (fast), for a client that accepts it; a 304 still.
    compressed = client.get("/api/v1/actors/", query, headers={"Accept-Encoding": "gzip, br"})
    assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == data
    assert len(compressed.content) / len(features) < 20
    headers = {"Accept-Encoding": "gzip", "If-None-Match": compressed["ETag"]}
    assert client.get("/api/v1/actors/", query, headers=headers).status_code == 304
    assert (
        get(client, "/api/v1/actors/", properties="", page_size=1)["features"][0]["properties"]
        == {}
    )
    body = get(client, "/api/v1/actors/", status=400, properties="name,secret")
    assert "« properties »" in body["detail"] and "secret" in body["detail"]
