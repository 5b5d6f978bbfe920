"""The directory API on the real demo data."""

import csv
import io
import json
import math
import subprocess

import pytest
from django.db import connection
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import box, shape

from carto.actors.models import Actor, Initiative
from carto.territories.models import Territory
from tests.helpers import body, initiatives_inside, outline, public_actors

pytestmark = pytest.mark.django_db
LENS = (2.832435, 50.429256)


def get(client, url, status=200, headers=None, **params):
    response = client.get(url, params, headers=headers)
    assert response.status_code == status, response.content[:400]
    return response


def features(client, url, **params):
    data = json.loads(get(client, url, **params).content)
    assert data["type"] == "FeatureCollection"
    return data


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    radius = 6371008.8
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


class TestNear:
    def test_against_a_brute_force_great_circle_computation(self, client):
        data = features(
            client, "/api/v1/actors/", near="{},{}".format(*LENS), radius_km=25, page_size=500
        )
        expected = sorted(
            (haversine_m(*LENS, a.location.x, a.location.y), a.id)
            for a in public_actors()
            if haversine_m(*LENS, a.location.x, a.location.y) <= 25_000
        )
        got = [(f["properties"]["distance_m"], f["id"]) for f in data["features"]]
        # The same actors (away from the 25 km edge, where sphere and spheroid may differ by 0.5 %)…
        assert (
            {i for d, i in expected if d < 24_800}
            <= {i for _d, i in got}
            <= {i for _d, i in expected} | {i for d, i in got if d > 24_800}
        )
        assert data["count"] == len(got) > 20
        # …nearest first, each distance within 0.5 % of the great circle.
        distances = [d for d, _i in got]
        assert distances == sorted(distances)
        by_id = {i: d for d, i in expected}
        for distance, actor_id in got:
            assert distance == pytest.approx(by_id[actor_id], rel=0.005, abs=1)

    def test_without_radius_is_ordered_and_paged(self, client):
        first = features(client, "/api/v1/actors/", near="1.6065,42.9645", page_size=5)
        second = features(client, "/api/v1/actors/", near="1.6065,42.9645", page_size=5, page=2)
        distances = [f["properties"]["distance_m"] for f in first["features"] + second["features"]]
        assert distances == sorted(distances) and len(distances) == 10
        assert first["features"][0]["properties"]["city"] == "Foix"

    def test_uses_the_knn_operator_on_the_gist_index(self):
        """At a realistic size (20 000 more actors, analysed) the plan walks the GiST index in
        distance order and stops at the page: no sort of the table."""
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
        queryset = public_actors().near(*LENS).values("id")[:10]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "actor_geog_gist" in plan, plan
        assert "Order By: (geog <->" in plan, plan
        assert "Sort" not in plan.split("Index Scan")[0], (
            plan
        )  # no sort of the whole table above the scan


class TestFilters:
    def test_territory_against_a_shapely_point_in_polygon_on_the_outline(self, client):
        for code in ("62498", "59350", "09122"):
            outline = shape(json.loads(Territory.objects.get(kind="bv", code=code).geom.json))
            expected = {
                a.id
                for a in public_actors()
                if outline.contains(ShapelyPoint(a.location.x, a.location.y))
            }
            data = features(client, "/api/v1/actors/", territory=f"bv:{code}", page_size=500)
            assert {f["id"] for f in data["features"]} == expected, code
            assert expected

    def test_bbox(self, client):
        frame = (2.6, 50.3, 3.1, 50.6)
        data = features(client, "/api/v1/actors/", bbox=",".join(map(str, frame)), page_size=500)
        expected = {
            a.id
            for a in public_actors()
            if box(*frame).intersects(ShapelyPoint(a.location.x, a.location.y))
        }
        assert {f["id"] for f in data["features"]} == expected and expected

    @pytest.mark.parametrize(
        ("one", "other"),
        [("mediatheque", "Médiathèque"), ("lievin", "LIÉVIN"), ("numerique", "numérique")],
    )
    def test_text_search_ignores_accents_and_case(self, client, one, other):
        first = features(client, "/api/v1/actors/", q=one, page_size=500)
        second = features(client, "/api/v1/actors/", q=other, page_size=500)
        assert first["count"] == second["count"] > 0
        assert [f["id"] for f in first["features"]] == [f["id"] for f in second["features"]]

    def test_text_search_prefix_and_every_word(self, client):
        names = [
            f["properties"]["name"]
            for f in features(client, "/api/v1/actors/", q="france serv lens")["features"]
        ]
        assert "Bus France services Pimms Médiation Lens" in names

    def test_kind_theme_public_are_repeatable(self, client):
        fs = features(client, "/api/v1/actors/", kind="france-services", page_size=1)["count"]
        cn = features(client, "/api/v1/actors/", kind="mediation-numerique", page_size=1)["count"]
        both = features(
            client, "/api/v1/actors/", kind=["france-services", "mediation-numerique"], page_size=1
        )["count"]
        assert both == fs + cn and fs and cn
        assert fs == public_actors().filter(kind="france-services").count()
        numerique = features(client, "/api/v1/actors/", theme="numerique", page_size=1)["count"]
        assert numerique == public_actors().filter(themes__contains=["numerique"]).count()
        assert features(client, "/api/v1/actors/", public="seniors", page_size=1)["count"] == 0

    def test_initiatives_by_territory_and_theme(self, client):
        data = features(client, "/api/v1/initiatives/", territory="departement:62", page_size=500)
        ids = {f["id"] for f in data["features"]}
        # Independently: the footprint (or the organiser's place) on the département's outline.
        expected = {i.id for i in initiatives_inside(outline("departement", "62"))}
        assert (
            ids == expected
            and len(expected) < Initiative.objects.filter(status="published").count()
        )
        assert any(f["properties"]["title"] == "ALLEZ LES FILLES" for f in data["features"])
        geometry_types = {f["geometry"]["type"] for f in data["features"]}
        assert "MultiPolygon" in geometry_types  # footprints


class TestErrors:
    @pytest.mark.parametrize(
        ("params", "name", "status"),
        [
            ({"near": "abc"}, "near", 400),
            ({"near": "2.8,50.4", "radius_km": "-3"}, "radius_km", 400),
            ({"radius_km": "3"}, "radius_km", 400),
            ({"bbox": "1,2,3"}, "bbox", 400),
            ({"kind": "ovni"}, "kind", 400),
            ({"theme": "astrologie"}, "theme", 400),
            ({"territory": "bv"}, "territory", 400),
            ({"territory": "canton:6201"}, "territory", 400),
            ({"territory": "bv:99999"}, "territory", 400),
            ({"page_size": "0"}, "page_size", 400),
            ({"page": "0"}, "page", 400),
            ({"cursor": "abc"}, "cursor", 400),
            ({"properties": "nom"}, "properties", 400),
            ({"format": "xml"}, "format", 400),
            ({"nera": "2,50"}, "nera", 400),
        ],
    )
    def test_bad_parameters_name_themselves(self, client, params, name, status):
        body = json.loads(get(client, "/api/v1/actors/", status=status, **params).content)
        assert f"« {name} »" in body["detail"]

    @pytest.mark.parametrize("page", [90, 10_000])
    def test_page_past_the_end_is_404(self, client, page):
        body = json.loads(get(client, "/api/v1/actors/", status=404, page=page).content)
        count = public_actors().count()
        last = -(-count // 100)
        assert f"Page {page} au-delà de la dernière ({last}) pour {count}" in body["detail"]

    def test_unknown_actor_is_404(self, client):
        assert (
            "999999"
            in json.loads(get(client, "/api/v1/actors/999999/", status=404).content)["detail"]
        )


class TestPrivacy:
    def test_private_contact_never_leaves_the_server(self, client):
        actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
        Actor.objects.filter(pk=actor.pk).update(
            contact_name="Marie Secrète",
            contact_email="marie.secrete@example.org",
            contact_phone="06 99 99 99 99",
        )
        responses = [
            get(client, f"/api/v1/actors/{actor.pk}/"),
            get(client, "/api/v1/actors/", near="{},{}".format(*LENS), page_size=5),
            get(client, "/api/v1/actors/", near="{},{}".format(*LENS), page_size=5, format="csv"),
            get(client, "/api/v1/actors/", q="Secrète"),
            get(client, "/api/v1/initiatives/"),
            get(client, "/api/v1/taxonomy/"),
        ]
        for response in responses:
            content = body(response).decode()
            for secret in ("Secrète", "Secrete", "marie.secrete", "99 99 99"):
                assert secret not in content


class TestFormats:
    def test_detail_is_a_feature_with_labels_and_territories(self, client):
        actor = Actor.objects.get(name="France services de Foix")
        feature = json.loads(get(client, f"/api/v1/actors/{actor.pk}/").content)
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        properties = feature["properties"]
        assert properties["kind_label"] == "France services"
        assert {"slug": "numerique", "label": "Numérique"} in properties["themes"]
        assert properties["territories"]["qpv_near"] == ["QP009002"]
        assert "contact_name" not in properties

    def test_a_collection_says_what_it_holds_and_what_follows(self, client):
        data = features(client, "/api/v1/actors/", territory="departement:09", page_size=3)
        assert list(data) == [
            "type", "count", "count_exact", "numberReturned", "page", "page_size", "truncated",
            "next", "previous", "features",
        ]  # fmt: skip
        assert data["count"] == public_actors().filter(departement_code="09").count()
        assert (data["count_exact"], data["numberReturned"], data["truncated"]) == (True, 3, True)
        assert "cursor=" in data["next"] and "territory=departement%3A09" in data["next"]

    def test_csv_export(self, client):
        response = get(client, "/api/v1/actors/", territory="departement:09", format="csv")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(body(response).decode())))
        assert (
            len(rows)
            == int(response["X-Total-Count"])
            == public_actors().filter(departement_code="09").count()
        )
        assert response["X-Truncated"] == "false"
        assert {"nom", "type", "lon", "lat", "horaires"} <= set(rows[0])

    def test_initiatives_csv_export(self, client):
        response = get(client, "/api/v1/initiatives/", format="csv")
        assert response["Content-Type"].startswith("text/csv")
        assert 'filename="initiatives.csv"' in response["Content-Disposition"]
        header, *table = list(csv.reader(io.StringIO(body(response).decode())))
        assert header == [
            "id", "titre", "statut", "dimension", "themes", "publics", "structure_organisatrice",
            "territoire_concerne", "empreinte", "periode", "lien", "source", "identifiant_source",
            "distance_m",
        ]  # fmt: skip
        rows = {int(row[0]): dict(zip(header, row, strict=True)) for row in table}
        published = {
            i.id: i
            for i in Initiative.objects.filter(status="published").select_related("organizer")
        }
        assert Initiative.objects.exclude(id__in=published).exists()  # some are left out
        assert len(table) == len(rows) == len(published) and set(rows) == set(published)
        assert (response["X-Total-Count"], response["X-Truncated"]) == (
            str(len(published)),
            "false",
        )
        for pk, initiative in published.items():
            row = rows[pk]
            assert (row["titre"], row["statut"], row["dimension"]) == (
                initiative.title,
                initiative.action_status,
                initiative.dimension,
            )
            assert row["themes"].split("|") == (initiative.themes or [""])
            assert row["empreinte"].split("|") == (initiative.footprint_codes or [""])
            assert row["structure_organisatrice"] == (
                initiative.organizer.name if initiative.organizer else ""
            )
            assert (row["source"], row["identifiant_source"]) == (
                initiative.source,
                initiative.source_id,
            )
        allez = next(row for row in rows.values() if row["titre"] == "ALLEZ LES FILLES")
        assert allez["structure_organisatrice"] == "CENTRE SOCIOCULTUREL AUDREY BARTIER"
        assert (allez["themes"], allez["empreinte"]) == ("education|citoyennete", "commune:62894")
        # The filters apply to the export as to the GeoJSON.
        in_62 = get(client, "/api/v1/initiatives/", territory="departement:62", format="csv")
        ids = {int(row["id"]) for row in csv.DictReader(io.StringIO(body(in_62).decode()))}
        assert ids == {i.id for i in initiatives_inside(outline("departement", "62"))}
        assert 0 < len(ids) < len(published)

    def test_taxonomy_counts_match_the_api(self, client):
        taxonomy = json.loads(get(client, "/api/v1/taxonomy/").content)
        kinds = {k["slug"]: k for k in taxonomy["kinds"]}
        assert kinds["france-services"]["typology"] == "RFS"
        for slug in ("france-services", "mediation-numerique", "centre-social"):
            count = features(client, "/api/v1/actors/", kind=slug, page_size=1)["count"]
            assert kinds[slug]["actors"] == count
        themes = {t["slug"]: t for t in taxonomy["themes"]}
        assert (
            themes["citoyennete"]["initiatives"]
            == features(client, "/api/v1/initiatives/", theme="citoyennete", page_size=1)["count"]
        )

    def test_cors_and_cache_headers(self, client):
        response = get(
            client, "/api/v1/actors/", page_size=2, headers={"Origin": "https://mairie.example"}
        )
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "max-age" in response["Cache-Control"]
        again = client.get("/api/v1/actors/", {"page_size": 2}, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304

    def test_every_collection_is_read_by_gdal(self, api_server):
        for path, count in (
            (
                "/api/v1/actors/?territory=departement:09&page_size=500",
                public_actors().filter(departement_code="09").count(),
            ),
            (
                "/api/v1/initiatives/?page_size=500",
                Initiative.objects.filter(status="published").count(),
            ),
        ):
            result = subprocess.run(
                ["ogrinfo", "-ro", "-al", "-so", api_server + path],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert f"Feature Count: {count}" in result.stdout, result.stdout
