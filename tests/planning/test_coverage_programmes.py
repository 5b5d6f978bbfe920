"""Coverage and gaps restricted to a programme's territories (« the cités éducatives without
a centre social or a médiathèque within 5 km »), against an independent computation: the
communes read from the programme's file, the actors placed in them by their outlines, the
population within reach by haversine distances."""

import json

import pytest
from shapely.geometry import Point
from shapely.prepared import prep

from carto.territories.models import Territory
from tests.helpers import haversine_m, outline, public_actors

pytestmark = pytest.mark.django_db
KINDS = ["centre-social", "mediatheque"]


def coverage(client, path="/api/v1/coverage/", **params) -> dict:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


@pytest.fixture(scope="module")
def cites_educatives(data_dir) -> set[str]:
    """The loaded communes where a cité éducative acts, read from the file."""
    path = data_dir / "programmes" / "anct_cites_educatives.geojson"
    codes = {
        entry.strip()[-6:-1]
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]
        for entry in feature["properties"]["liste_geo"].split(";")
    }
    return codes


def matching_actors():
    """The actors that count: published, not duplicates, of the kinds asked for (host
    places of those kinds included, as for a visitor asking for them)."""
    return [(a.location.x, a.location.y) for a in public_actors().filter(kind__in=KINDS)]


def test_units_are_the_communes_of_the_programme_with_their_counts(client, cites_educatives):
    communes = set(
        Territory.objects.filter(kind="commune", code__in=cites_educatives).values_list(
            "code", flat=True
        )
    )
    assert len(communes) == 37
    data = coverage(client, level="commune", programme="cites-educatives", kind=KINDS)
    assert data["programme"] == ["cites-educatives"] and data["filters"] == {"kind": KINDS}
    rows = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    assert set(rows) == communes
    actors = matching_actors()
    for code, row in rows.items():
        inside = prep(outline("commune", code))
        assert row["actors"] == sum(inside.contains(Point(x, y)) for x, y in actors), code
        # Within reach: the population of the commune when a matching actor stands
        # within 5 km of its town hall.
        anchor = Territory.objects.get(kind="commune", code=code).anchor
        nearest = min(haversine_m(anchor.x, anchor.y, x, y) for x, y in actors)
        assert abs(nearest - 5000) > 20, "borderline commune: spheroid and sphere could disagree"
        expected = row["loaded_population"] if nearest <= 5000 else 0
        assert row["reached_population"] == expected, code
    assert sum(row["actors"] for row in rows.values()) > len(rows)


def test_the_programme_restricts_the_scope_not_the_actors(client, cites_educatives):
    """Within a territory, the programme's communes only; each counted as without it."""
    scoped = coverage(
        client,
        level="commune",
        programme="cites-educatives",
        territory="departement:62",
        kind=KINDS,
    )
    codes = {f["properties"]["code"] for f in scoped["features"]}
    in_62 = {code for code in cites_educatives if code.startswith("62")}
    assert codes == set(
        Territory.objects.filter(kind="commune", code__in=in_62).values_list("code", flat=True)
    )
    assert len(codes) == 8
    everything = coverage(client, level="commune", territory="departement:62", kind=KINDS)
    same = {f["properties"]["code"]: f["properties"] for f in everything["features"]}
    for feature in scoped["features"]:
        assert feature["properties"] == same[feature["properties"]["code"]]


def test_groupings_and_qpv_holding_the_programmes_communes(client, cites_educatives):
    communes = Territory.objects.filter(kind="commune", code__in=cites_educatives)
    bvs = coverage(client, level="bv", programme="cites-educatives", territory="departement:59")
    assert {f["properties"]["code"] for f in bvs["features"]} == set(
        communes.filter(departement_code="59").values_list("bv_code", flat=True)
    )
    qpv = coverage(client, level="qpv", programme="cites-educatives", territory="departement:62")
    expected = {
        q.code
        for q in Territory.objects.filter(kind="qpv")
        if set(q.commune_codes) & {c for c in cites_educatives if c.startswith("62")}
    }
    assert {f["properties"]["code"] for f in qpv["features"]} == expected and expected


def test_gaps_of_the_programme(client, cites_educatives):
    """Its gaps are its communes, least covered first: with a radius of 1 km, the cités
    éducatives whose town hall has no centre social or médiathèque that close."""
    data = coverage(
        client,
        "/api/v1/coverage/gaps/",
        level="commune",
        programme="cites-educatives",
        kind=KINDS,
        max_km=1,
        limit=100,
    )
    rows = [f["properties"] for f in data["features"]]
    assert data["count"] == len(rows) == 37
    actors = matching_actors()
    out_of_reach = set()
    for row in rows:
        anchor = Territory.objects.get(kind="commune", code=row["code"]).anchor
        nearest = min(haversine_m(anchor.x, anchor.y, x, y) for x, y in actors)
        assert abs(nearest - 1000) > 5, "borderline commune: spheroid and sphere could disagree"
        if nearest > 1000:
            out_of_reach.add(row["code"])
    assert out_of_reach
    assert {r["code"] for r in rows if r["reached_population"] == 0} == out_of_reach
    # No matching actor first, then the most population out of reach.
    keys = [(r["actors"] > 0, r["reached_population"] - r["loaded_population"]) for r in rows]
    assert keys == sorted(keys)


def test_several_programmes_and_none(client):
    both = coverage(
        client,
        level="commune",
        programme=["cites-educatives", "cites-de-l-emploi"],
        territory="departement:59",
    )
    one = coverage(
        client, level="commune", programme="cites-educatives", territory="departement:59"
    )
    other = coverage(
        client, level="commune", programme="cites-de-l-emploi", territory="departement:59"
    )

    def codes(data):
        return {f["properties"]["code"] for f in data["features"]}

    assert codes(both) == codes(one) | codes(other) and codes(one) - codes(other)
    response = client.get("/api/v1/coverage/", {"level": "bv", "programme": "pvd"})
    assert response.status_code == 400
    assert "paramètre « programme »" in json.loads(response.content)["detail"]
