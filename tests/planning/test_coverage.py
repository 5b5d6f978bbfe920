"""Coverage and gaps on the demo data, checked against the directory API and an
independent computation."""

import csv
import io
import json
from collections import Counter

import pytest
from django.contrib.gis.db.models.functions import AsGeoJSON
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from shapely.prepared import prep
from shapely.strtree import STRtree

from carto.actors.models import Actor, Initiative
from carto.planning.services import refresh_derived
from carto.territories.models import Territory
from tests.helpers import body, covered_communes, haversine_m, public_actors

pytestmark = pytest.mark.django_db


def get(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:300]
    return response


def coverage(client, **params) -> dict:
    return json.loads(get(client, "/api/v1/coverage/", **params).content)


def directory_count(client, **params) -> int:
    return json.loads(get(client, "/api/v1/actors/", page_size=1, **params).content)["count"]


@pytest.mark.parametrize(
    ("level", "scope", "filters"),
    [
        ("bv", "departement:62", {"theme": "numerique"}),
        ("epci", "departement:09", {}),
        ("commune", "bv:62498", {"kind": "france-services"}),
        ("qpv", "departement:09", {}),
        ("bv", "departement:62", {"q": "france services", "theme": "numerique"}),  # the live path
    ],
)
def test_counts_equal_the_directory_for_the_same_territory_and_filters(
    client, level, scope, filters
):
    data = coverage(client, level=level, territory=scope, **filters)
    assert data["features"]
    for feature in data["features"]:
        p = feature["properties"]
        assert p["actors"] == directory_count(
            client, territory=f"{level}:{p['code']}", **filters
        ), p["code"]


def test_share_within_reach_against_a_haversine_computation(client):
    data = coverage(client, level="bv", territory="bv:62498", max_km=5)
    p = data["features"][0]["properties"]
    actors = [(a.location.x, a.location.y) for a in public_actors()]
    loaded = reached = 0
    for commune in Territory.objects.filter(kind="commune", bv_code="62498"):
        loaded += commune.population or 0
        nearest = min(
            haversine_m(commune.anchor.x, commune.anchor.y, lon, lat) for lon, lat in actors
        )
        assert abs(nearest - 5000) > 20, "borderline commune: spheroid and sphere could disagree"
        reached += (commune.population or 0) if nearest <= 5000 else 0
    assert (p["loaded_population"], p["reached_population"]) == (loaded, reached)
    assert p["share_within"] == pytest.approx(reached / loaded, abs=1e-4)
    assert p["actors_per_10k"] == pytest.approx(p["actors"] * 10_000 / p["population"], abs=0.01)
    smaller = coverage(client, level="bv", territory="bv:62498", max_km=1)["features"][0][
        "properties"
    ]
    assert smaller["reached_population"] < reached


def test_qpv_distance_from_the_outline_or_the_commune(client):
    data = coverage(client, level="qpv", territory="departement:09", max_km=1)
    by_code = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    pamiers = by_code["QP009003"]  # the France services of Pamiers stands in it
    assert (
        pamiers["distance_m"] == 0
        and pamiers["covered"]
        and pamiers["actors"] >= 1
        and pamiers["own_outline"]
    )
    foix = by_code["QP009002"]  # the France services of Foix is within 300 m of it
    inside = public_actors().filter(qpv_codes__contains=["QP009002"]).count()
    assert foix["actors"] == inside
    assert (foix["distance_m"] == 0) == (inside > 0) and foix["distance_m"] < 300
    assert foix["covered"] and foix["actors_near"] >= 1
    listed = by_code["QN00902M"]  # 2024 QPV without outline: measured from its commune
    assert listed["own_outline"] is False and listed["distance_m"] == 0  # an actor stands in Foix
    assert data["features"][0]["geometry"] is not None


def test_gaps_least_covered_first_with_csv(client):
    data = json.loads(
        get(
            client,
            "/api/v1/coverage/gaps/",
            level="bv",
            territory="departement:62",
            theme="numerique",
        ).content
    )
    rows = [f["properties"] for f in data["features"]]
    assert data["count"] == len(rows) > 10 and data["truncated"] is False
    uncovered = [r for r in rows if r["actors"] == 0]
    assert rows[: len(uncovered)] == uncovered  # territories with no matching actor first
    out_of_reach = [r["loaded_population"] - r["reached_population"] for r in uncovered]
    assert out_of_reach == sorted(out_of_reach, reverse=True)
    response = get(
        client,
        "/api/v1/coverage/gaps/",
        level="bv",
        territory="departement:62",
        theme="numerique",
        format="csv",
        limit=5,
    )
    table = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert [r["code"] for r in table] == [r["code"] for r in rows[:5]]
    assert {"part_population_a_portee", "acteurs_pour_10000_hab"} <= set(table[0])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"level": "canton"}, "level"),
        ({}, "level"),
        ({"level": "bv", "max_km": "-1"}, "max_km"),
        ({"level": "bv", "territory": "bv:99999"}, "territory"),
        ({"level": "bv", "theme": "astrologie"}, "theme"),
    ],
)
def test_bad_parameters(client, params, name):
    body = json.loads(get(client, "/api/v1/coverage/", status=400, **params).content)
    assert f"« {name} »" in body["detail"]


def test_the_precomputed_coverage_follows_imports_and_writes(client):
    from carto.actors.importers import FranceServicesImporter

    before = coverage(client, level="commune", territory="commune:62498")["features"][0][
        "properties"
    ]["actors"]
    bus = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    bus.status = "archived"
    bus.save()  # an edit (admin, form) defers the refresh job
    refresh_derived()  # what the task queue's worker then does
    after = coverage(client, level="commune", territory="commune:62498")["features"][0][
        "properties"
    ]["actors"]
    assert after == before - 1
    FranceServicesImporter(
        departements=["62"]
    ).run()  # an import writes it back, and defers the refresh
    refresh_derived()
    assert (
        coverage(client, level="commune", territory="commune:62498")["features"][0]["properties"][
            "actors"
        ]
        == before
    )


COVERAGE_CSV_HEADER = [
    "niveau", "code", "nom", "population", "acteurs", "initiatives", "acteurs_pour_10000_hab",
    "part_population_a_portee", "population_a_portee", "population_communes_chargees",
    "distance_m", "couvert", "contour_propre",
]  # fmt: skip


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(body(response).decode())))
    assert header == COVERAGE_CSV_HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def bassins_of_initiatives() -> Counter:
    """Initiatives per bassin de vie, through the INSEE membership of the communes each
    covers (the drawn footprints come from other files than the BV outlines and overlap
    neighbouring BVs by up to 15 %)."""
    bv_of = dict(Territory.objects.filter(kind="commune").values_list("code", "bv_code"))
    counts = Counter()
    for initiative in Initiative.objects.filter(status="published").select_related("organizer"):
        counts.update({bv_of[code] for code in covered_communes(initiative) if code in bv_of})
    return counts


def bassins_of_actors(outlines: dict) -> Counter:
    """Public actors per bassin de vie, by point in polygon: the bassin de vie of the
    commune whose outline holds the point (a bassin de vie is a set of communes, and its
    own outline is generalised differently: a town hall on the edge of Janville lies in
    the outline of the neighbouring bassin de vie); a point outside every commune
    outline (on a coast) counts in the BV whose outline holds it."""
    communes = [
        (prep(shape(json.loads(geojson))), bv_code)
        for geojson, bv_code in Territory.objects.filter(kind="commune")
        .annotate(outline=AsGeoJSON("geom"))
        .values_list("outline", "bv_code")
    ]
    tree = STRtree([outline.context for outline, _bv in communes])
    counts = Counter()
    for actor in public_actors():
        point = ShapelyPoint(actor.location.x, actor.location.y)
        inside = {communes[i][1] for i in tree.query(point) if communes[i][0].contains(point)}
        if not inside:
            inside = {code for code, outline in outlines.items() if outline.contains(point)}
        assert len(inside) == 1, (actor.name, inside)
        counts.update(inside)
    return counts


def test_coverage_csv_of_every_bassin_de_vie(client):
    response = get(client, "/api/v1/coverage/", level="bv", format="csv")
    assert 'filename="couverture-bv.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    bassins = {t.code: t for t in Territory.objects.filter(kind="bv")}
    assert [row["code"] for row in rows] == sorted(bassins)  # each once, by code
    loaded = Counter()
    for bv_code, population in Territory.objects.filter(kind="commune").values_list(
        "bv_code", "population"
    ):
        loaded[bv_code] += population or 0
    # Counts computed here, independently of the codes stored on each record.
    actors = bassins_of_actors(
        {code: prep(shape(json.loads(t.geom.json))) for code, t in bassins.items()}
    )
    initiatives = bassins_of_initiatives()
    same_as_geojson = {
        f["properties"]["code"]: f["properties"] for f in coverage(client, level="bv")["features"]
    }
    for row in rows:
        code, territory = row["code"], bassins[row["code"]]
        assert (row["niveau"], row["nom"], row["population"]) == (
            "bv",
            territory.name,
            str(territory.population),
        )
        assert (int(row["acteurs"]), int(row["initiatives"])) == (
            actors[code],
            initiatives[code],
        ), code
        assert float(row["acteurs_pour_10000_hab"]) == pytest.approx(
            actors[code] * 10_000 / territory.population, abs=0.005
        )
        # Reach: the population of its loaded communes, the share of it within 5 km.
        assert int(row["population_communes_chargees"]) == loaded[code]
        reached = int(row["population_a_portee"])
        assert reached == same_as_geojson[code]["reached_population"]
        assert 0 <= reached <= loaded[code]
        assert float(row["part_population_a_portee"]) == pytest.approx(
            reached / loaded[code], abs=1e-4
        )
        assert row["distance_m"] == row["couvert"] == row["contour_propre"] == ""  # QPV only
    assert sum(int(row["acteurs"]) for row in rows) == public_actors().count()
    assert sum(int(row["initiatives"]) for row in rows) > 0


def test_gaps_csv_least_covered_first(client):
    response = get(client, "/api/v1/coverage/gaps/", level="bv", format="csv")
    assert 'filename="zones-blanches-bv.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    everything = csv_rows(get(client, "/api/v1/coverage/", level="bv", format="csv"))

    def rank(row) -> tuple:
        # No actor first, then the most population beyond reach.
        out_of_reach = int(row["population_communes_chargees"]) - int(row["population_a_portee"])
        return (row["acteurs"] != "0", -out_of_reach)

    assert len(rows) == 100 < len(everything)  # the default limit
    assert [rank(row) for row in rows] == sorted(rank(row) for row in rows)
    assert rows[0]["acteurs"] == "0"
    kept = {row["code"] for row in rows}
    assert len(kept) == 100 and all(
        rank(row) >= rank(rows[-1]) for row in everything if row["code"] not in kept
    )
    by_code = {row["code"]: row for row in everything}
    assert all(row == by_code[row["code"]] for row in rows)  # the same figures
