"""The territory API on known places of the demo data."""

import json
import re
import subprocess

import pytest
from shapely.geometry import box, shape

from carto.territories.codes import Kind
from carto.territories.models import Territory

pytestmark = pytest.mark.django_db

LENS_TOWN_HALL = (2.832435, 50.429256)
HDF = ["02", "59", "60", "62", "80"]


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:500]
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def qp009002_inside(data_dir):
    """A point inside QP009002's outline, taken from the source file itself."""
    features = json.loads((data_dir / "qpv/qpv2015_occitanie.geojson").read_text())["features"]
    outline = next(
        shape(f["geometry"]) for f in features if f["properties"]["code_qp"] == "QP009002"
    )
    point = outline.representative_point()
    return point.x, point.y


class TestLocate:
    def test_lens_town_hall(self, client):
        lon, lat = LENS_TOWN_HALL
        data = get_json(client, "/api/v1/territories/locate/", lon=lon, lat=lat)
        assert data["commune"]["code"] == "62498"
        assert data["commune"]["name"] == "Lens"
        assert data["departement"]["code"] == "62"
        assert data["region"]["code"] == "32"
        assert data["bv"]["code"] == "62498"
        assert data["epci"]["code"] == "246200364"
        assert data["qpv"] == []  # no QPV outline is known in the Pas-de-Calais
        assert "QN06224M" in [q["code"] for q in data["qpv_in_commune"]]
        assert data["commune"]["url"].endswith("/api/v1/territories/commune/62498/")

    def test_point_inside_a_qpv_outline(self, client, qp009002_inside):
        lon, lat = qp009002_inside
        data = get_json(client, "/api/v1/territories/locate/", lon=lon, lat=lat)
        assert [q["code"] for q in data["qpv"]] == ["QP009002"]
        assert data["commune"]["code"] == "09122"  # Foix
        assert data["departement"]["code"] == "09"
        assert data["region"]["code"] == "76"

    def test_point_outside_every_territory(self, client):
        data = get_json(client, "/api/v1/territories/locate/", lon=-30, lat=45)  # the Atlantic
        assert data["commune"] is None and data["departement"] is None and data["qpv"] == []

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"lon": "abc", "lat": "50"}, "lon"),
            ({"lon": "2.8"}, "lat"),
            ({"lon": "200", "lat": "50"}, "lon"),
            ({"lon": "2.8", "lat": "50", "srid": "2154"}, "srid"),
        ],
    )
    def test_bad_parameters(self, client, params, name):
        data = get_json(client, "/api/v1/territories/locate/", status=400, **params)
        assert f"« {name} »" in data["detail"]
        assert name in data["parameters"]


class TestSearch:
    @pytest.mark.parametrize("query", ["lievin", "LIÉVIN", "Liévin", "  liev"])
    def test_accent_insensitive(self, client, query):
        results = get_json(client, "/api/v1/territories/search/", q=query)["results"]
        assert (results[0]["kind"], results[0]["code"], results[0]["name"]) == (
            "commune",
            "62510",
            "Liévin",
        )

    def test_hyphens_and_words(self, client):
        results = get_json(client, "/api/v1/territories/search/", q="saint omer")["results"]
        assert {"commune:62765", "bv:62765"} <= {f"{r['kind']}:{r['code']}" for r in results}

    def test_codes_of_every_kind(self, client):
        for query, expected in [
            ("62498", "commune:62498"),
            ("QN06224M", "qpv:QN06224M"),
            ("qn06224m", "qpv:QN06224M"),
            ("246200364", "epci:246200364"),
            ("62", "departement:62"),
        ]:
            results = get_json(client, "/api/v1/territories/search/", q=query)["results"]
            assert expected in {f"{r['kind']}:{r['code']}" for r in results}, query

    def test_kind_filter_and_result_shape(self, client):
        results = get_json(client, "/api/v1/territories/search/", q="lens", kind="bv")["results"]
        assert {r["kind"] for r in results} == {"bv"}
        assert results[0]["code"] == "62498"
        lens = results[0]
        assert lens["label"] == "Lens (bassin de vie)"
        minlon, minlat, maxlon, maxlat = lens["bbox"]
        assert minlon < LENS_TOWN_HALL[0] < maxlon and minlat < LENS_TOWN_HALL[1] < maxlat

    def test_limit_and_bad_parameters(self, client):
        assert (
            len(get_json(client, "/api/v1/territories/search/", q="saint", limit=3)["results"]) == 3
        )
        assert "« q »" in get_json(client, "/api/v1/territories/search/", status=400)["detail"]
        assert (
            "« limit »"
            in get_json(client, "/api/v1/territories/search/", status=400, q="a", limit=0)["detail"]
        )
        assert (
            "« kind »"
            in get_json(client, "/api/v1/territories/search/", status=400, q="a", kind="canton")[
                "detail"
            ]
        )


class TestDetail:
    def test_bassin_de_vie(self, client):
        feature = get_json(client, "/api/v1/territories/bv/62498/")
        assert feature["type"] == "Feature" and feature["id"] == "bv:62498"
        properties = feature["properties"]
        assert properties["name"] == "Lens"
        assert properties["commune_count"] == 48
        assert properties["population"] == 355412
        assert "62498" in properties["communes"] and len(properties["communes"]) == 48
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert len(feature["bbox"]) == 4

    def test_epci_counts_its_communes(self, client):
        properties = get_json(client, "/api/v1/territories/epci/246200364/")["properties"]
        assert (
            properties["commune_count"]
            == Territory.objects.filter(kind=Kind.COMMUNE, epci_code="246200364").count()
        )

    def test_commune_parents(self, client):
        properties = get_json(client, "/api/v1/territories/commune/62498/")["properties"]
        assert properties["parents"] == {
            "region": "32",
            "departement": "62",
            "epci": "246200364",
            "bv": "62498",
        }
        assert properties["population"] == 31415

    def test_qpv_without_outline(self, client):
        feature = get_json(client, "/api/v1/territories/qpv/QN06224M/")
        assert feature["geometry"] is None
        assert feature["properties"]["has_outline"] is False
        assert feature["properties"]["communes"] == ["62498", "62528"]

    def test_zoom_simplifies(self, client):
        full = get_json(client, "/api/v1/territories/region/32/")
        coarse = get_json(client, "/api/v1/territories/region/32/", zoom=5)
        assert len(json.dumps(coarse["geometry"])) < len(json.dumps(full["geometry"])) / 5

    @pytest.mark.parametrize(
        ("url", "fragment"),
        [
            ("/api/v1/territories/commune/99999/", "code 99999"),
            ("/api/v1/territories/commune/LENS/", "n'est pas un code de commune"),
            ("/api/v1/territories/canton/6201/", "Type de territoire inconnu « canton »"),
        ],
    )
    def test_unknown_is_404_with_a_message(self, client, url, fragment):
        assert fragment in get_json(client, url, status=404)["detail"]


def vertex_count(collection: dict) -> int:
    def count(coordinates):
        return 1 if isinstance(coordinates[0], int | float) else sum(count(c) for c in coordinates)

    return sum(count(f["geometry"]["coordinates"]) for f in collection["features"] if f["geometry"])


class TestList:
    def test_kind_filter_and_collection_members(self, client):
        data = get_json(client, "/api/v1/territories/", kind="departement", zoom=7)
        assert data["type"] == "FeatureCollection"
        assert {f["properties"]["code"] for f in data["features"]} == {
            "02",
            "09",
            "59",
            "60",
            "62",
            "80",
        }
        assert data["count"] == data["numberReturned"] == 6 and data["truncated"] is False

    def test_bbox_matches_a_shapely_intersection(self, client):
        bbox = (2.7, 50.3, 2.9, 50.5)
        data = get_json(
            client, "/api/v1/territories/", kind="commune", bbox=",".join(map(str, bbox))
        )
        found = {f["properties"]["code"] for f in data["features"]}
        frame = box(*bbox)
        expected = {
            t.code
            for t in Territory.objects.filter(kind=Kind.COMMUNE)
            if shape(json.loads(t.geom.json)).intersects(frame)
        }
        assert found == expected and "62498" in found

    def test_all_communes_of_hauts_de_france_at_zoom_8_weigh_under_2_mb(self, client):
        response = client.get(
            "/api/v1/territories/", {"kind": "commune", "departement": HDF, "zoom": 8}
        )
        assert response.status_code == 200
        data = json.loads(response.content)
        assert (
            data["numberReturned"]
            == Territory.objects.filter(kind=Kind.COMMUNE, departement_code__in=HDF).count()
            == 3782
        )
        assert len(response.content) < 2 * 1024 * 1024
        full = client.get("/api/v1/territories/", {"kind": "commune", "departement": HDF})
        # Simplification really happened: far fewer vertices than the stored outlines.
        assert vertex_count(json.loads(full.content)) > 3 * vertex_count(data)

    def test_paging(self, client):
        first = get_json(client, "/api/v1/territories/", kind="bv", page_size=100)
        assert (
            first["count"] == 169 and first["numberReturned"] == 100 and first["truncated"] is True
        )
        assert "page=2" in first["next"] and first["previous"] is None
        second = get_json(client, "/api/v1/territories/", kind="bv", page_size=100, page=2)
        assert second["numberReturned"] == 69 and second["next"] is None
        codes = [f["properties"]["code"] for f in first["features"] + second["features"]]
        assert len(set(codes)) == 169
        assert (
            "Page 3"
            in get_json(
                client, "/api/v1/territories/", status=404, kind="bv", page_size=100, page=3
            )["detail"]
        )

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"bbox": "1,2,3"}, "bbox"),
            ({"bbox": "3,50,2,51"}, "bbox"),
            ({"bbox": "a,b,c,d"}, "bbox"),
            ({"zoom": "40"}, "zoom"),
            ({"zoom": "z"}, "zoom"),
            ({"kind": "canton"}, "kind"),
            ({"page_size": "100000"}, "page_size"),
            ({"page": "0"}, "page"),
            ({"departement": "999"}, "departement"),
            ({"knd": "bv"}, "knd"),
        ],
    )
    def test_bad_parameters_answer_400_naming_them(self, client, params, name):
        data = get_json(client, "/api/v1/territories/", status=400, **params)
        assert f"paramètre « {name} »" in data["detail"]

    def test_headers_cors_cache_etag(self, client):
        response = client.get(
            "/api/v1/territories/?kind=region", HTTP_ORIGIN="https://partenaire.example"
        )
        assert response["Content-Type"] == "application/geo+json"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
        etag = response["ETag"]
        again = client.get("/api/v1/territories/?kind=region", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304


class TestDocumentation:
    def test_openapi_schema_lists_the_endpoints(self, client):
        response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert {
            "/api/v1/territories/",
            "/api/v1/territories/{kind}/{code}/",
            "/api/v1/territories/locate/",
            "/api/v1/territories/search/",
        } <= set(schema["paths"])
        parameters = {
            p["name"] for p in schema["paths"]["/api/v1/territories/"]["get"]["parameters"]
        }
        assert {"kind", "bbox", "zoom", "page", "page_size"} <= parameters

    def test_browsable_documentation_is_served_by_us(self, client):
        html = client.get("/api/v1/docs/").content.decode()
        assert "swagger-ui" in html
        assert "cdn" not in html.lower() and "unpkg" not in html.lower()
        assert "/static/drf_spectacular_sidecar/" in html

    def test_redoc_is_served_by_us(self, client):
        from django.contrib.staticfiles import finders

        response = client.get("/api/v1/redoc/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert re.search(r'<redoc spec-url="/api/v1/schema/"', html)
        # Every script is one of our static files, the ReDoc bundle among them (no CDN).
        scripts = re.findall(r'<script[^>]* src="([^"]+)"', html)
        bundle = "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
        assert bundle in scripts
        for src in scripts:
            assert src.startswith("/static/"), src
            assert finders.find(src.removeprefix("/static/")), src
        for cdn in ("cdn", "unpkg", "jsdelivr", "googleapis"):
            assert cdn not in html.lower()


def test_home_page_in_french(client):
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html
    assert "Qui fait quoi, où" in html
    assert 'href="/api/v1/docs/"' in html
    assert "Licence Ouverte" in html
    assert "<strong>4107</strong> communes" in html
    assert "<strong>169</strong> bassins de vie" in html and "<strong>100</strong> EPCI<" in html


def test_health_check(client):
    data = get_json(client, "/healthz")
    assert data["status"] == "ok" and data["postgis"]


def ogrinfo(url: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", "-oo", "FLATTEN_NESTED_ATTRIBUTES=YES", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class TestReadByGdal:
    """GDAL's GeoJSON driver reads the responses from the URL, as QGIS would."""

    def test_collection(self, api_server):
        output = ogrinfo(f"{api_server}/api/v1/territories/?kind=bv&departement=09&zoom=9")
        count = Territory.objects.in_departements(["09"]).filter(kind=Kind.BV).count()
        assert f"Feature Count: {count}" in output
        assert "Geometry: Multi Polygon" in output or "Geometry: Polygon" in output
        assert "WGS 84" in output
        assert "name: String" in output

    def test_single_feature(self, api_server):
        output = ogrinfo(f"{api_server}/api/v1/territories/commune/62498/")
        assert "Feature Count: 1" in output
        assert "Extent: (2.78" in output

    def test_no_gdal_warning_on_the_collection(self, api_server):
        result = subprocess.run(
            [
                "ogrinfo",
                "-ro",
                "-al",
                "-q",
                f"{api_server}/api/v1/territories/?kind=departement&zoom=6",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0
        assert "Warning" not in result.stderr and "ERROR" not in result.stderr, result.stderr
