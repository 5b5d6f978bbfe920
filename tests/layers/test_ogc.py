"""OGC API Features under /ogc/, read by GDAL's own client (OAPIF driver) as QGIS would."""

import json
import subprocess

import pytest

from carto.actors.models import Initiative
from carto.territories.models import Territory
from tests.helpers import public_actors

pytestmark = pytest.mark.django_db


def ogr(*args) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class TestReadByGdal:
    def test_landing_lists_every_collection(self, api_server):
        output = ogr(f"OAPIF:{api_server}/ogc/")
        for name in (
            "actors",
            "initiatives",
            "territories-commune",
            "territories-bv",
            "territories-qpv",
        ):
            assert f": {name} (" in output

    def test_actors_read_through_every_page(self, api_server):
        # A page of 100: GDAL follows the `next` links until the end.
        output = ogr("-al", "-oo", "PAGE_SIZE=100", f"OAPIF:{api_server}/ogc/", "actors")
        expected = public_actors().count()
        assert expected > 300  # several pages
        assert output.count("OGRFeature(actors)") == expected
        # The summary's count is the one the server announces (numberMatched).
        assert f"Feature Count: {expected}\n" in output

    def test_bbox_is_sent_and_honoured(self, api_server):
        output = ogr(
            "-al", "-q", "-spat", "2.7", "50.3", "2.9", "50.5", f"OAPIF:{api_server}/ogc/", "actors"
        )
        expected = public_actors().in_bbox((2.7, 50.3, 2.9, 50.5)).count()
        assert output.count("OGRFeature(actors)") == expected > 0

    def test_territories_and_initiatives(self, api_server):
        summary = ogr("-so", f"OAPIF:{api_server}/ogc/", "territories-bv")
        assert f"Feature Count: {Territory.objects.filter(kind='bv').count()}" in summary
        assert "Multi Polygon" in summary
        output = ogr("-al", "-q", f"OAPIF:{api_server}/ogc/", "initiatives")
        assert (
            output.count("OGRFeature(initiatives)")
            == Initiative.objects.filter(status="published").count()
        )


class TestDocuments:
    def test_conformance(self, client):
        data = client.get("/ogc/conformance").json()
        assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in data["conformsTo"]
        assert (
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in data["conformsTo"]
        )

    def test_collection_has_extent_and_items_link(self, client):
        data = client.get("/ogc/collections/territories-departement").json()
        minx, miny, maxx, maxy = data["extent"]["spatial"]["bbox"][0]
        assert minx < 2.83 < maxx and miny < 42.9 and maxy > 51  # Ariège to the Nord
        assert any(link["rel"] == "items" for link in data["links"])

    def test_items_paging_links_and_numbers(self, client):
        first = json.loads(
            client.get("/ogc/collections/territories-bv/items", {"limit": 100}).content
        )
        assert first["numberMatched"] == 169 and first["numberReturned"] == 100
        next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
        second = json.loads(client.get(next_link.replace("http://testserver", "")).content)
        assert second["numberReturned"] == 69
        assert not any(link["rel"] == "next" for link in second["links"])
        codes = {f["properties"]["code"] for f in first["features"] + second["features"]}
        assert len(codes) == 169

    def test_single_item(self, client):
        by_code = client.get("/ogc/collections/territories-commune/items/62498")
        assert by_code.status_code == 200 and by_code["Content-Type"] == "application/geo+json"
        assert json.loads(by_code.content)["properties"]["name"] == "Lens"
        actor = public_actors().first()
        item = json.loads(client.get(f"/ogc/collections/actors/items/{actor.id}").content)
        assert item["properties"]["name"] == actor.name
        assert any(link["rel"] == "collection" for link in item["links"])

    @pytest.mark.parametrize(
        ("url", "status", "fragment"),
        [
            ("/ogc/collections/nope/items", 404, "Collection inconnue « nope »"),
            ("/ogc/collections/actors/items/abc", 404, "Identifiant « abc » invalide"),
            ("/ogc/collections/actors/items/99999999", 404, "Aucun objet"),
            ("/ogc/collections/actors/items?limit=0", 400, "« limit »"),
            ("/ogc/collections/actors/items?bbox=1,2", 400, "« bbox »"),
            ("/ogc/collections/actors/items?colour=red", 400, "« colour »"),
        ],
    )
    def test_errors(self, client, url, status, fragment):
        response = client.get(url)
        assert response.status_code == status
        assert fragment in response.json()["detail"]
