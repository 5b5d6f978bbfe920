"""POST /api/v1/planning/siting/ on the demo data."""

import json
import math

import pytest

from carto.actors.models import Actor
from carto.territories.models import Territory
from tests.helpers import haversine_m

pytestmark = pytest.mark.django_db
URL = "/api/v1/planning/siting/"


def post(client, status=200, **body):
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.content[:400]
    return response.json()


def test_hosts_cover_communes_out_of_reach(client):
    data = post(client, level="commune", territory="departement:62", theme=["numerique"],
                candidate_kinds=["centre-social", "maison-de-quartier"], k=3, max_km=5)  # fmt: skip
    assert data["method"] == "greedy" and data["unit"] == "habitants"
    assert 0 < data["covered_weight"] <= data["open_weight"]
    assert data["guarantee"] >= 1 - 1 / math.e
    assert data["covered_weight"] == sum(h["gain"] for h in data["hosts"])
    for host in data["hosts"]:
        actor = Actor.objects.get(pk=host["actor"]["id"])
        assert (
            actor.kind_id in ("centre-social", "maison-de-quartier")
            and "departement:62" in actor.territory_codes
        )
        for target in host["covered"]:
            commune = Territory.objects.get(kind="commune", code=target["id"].split(":")[1])
            # Out of reach of every numérique actor before siting, within reach of this host now.
            assert (
                haversine_m(actor.location.x, actor.location.y, commune.anchor.x, commune.anchor.y)
                <= 5000 * 1.005
            )
            assert target["weight"] == commune.population
    assert "lieux d’accueil couvrent" in data["summary"]


def test_bassins_de_vie_weigh_their_population_out_of_reach(client):
    coverage = client.get(
        "/api/v1/coverage/", {"level": "bv", "territory": "departement:09"}
    ).json()
    out_of_reach = {
        f["properties"]["code"]: f["properties"]["loaded_population"]
        - f["properties"]["reached_population"]
        for f in coverage["features"]
    }
    data = post(client, level="bv", territory="departement:09", k=2, max_km=5)
    assert data["open_weight"] == sum(v for v in out_of_reach.values() if v > 0)


def test_exact_on_a_small_case_is_at_least_the_greedy(client):
    body = dict(
        level="commune",
        territory="bv:62498",
        candidate_kinds=["mediation-numerique"],
        kind=["france-services"],
        k=2,
        max_km=3,
    )
    greedy = post(client, **body)
    exact = post(client, exact=True, **body)
    assert exact["method"] == "exact" and exact["covered_weight"] >= greedy["covered_weight"]
    assert exact["covered_weight"] <= greedy["upper_bound_optimum"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "level": "commune",
                "territory": "bv:62498",
                "candidate_kinds": ["mediation-numerique"],
                "k": 50,
                "theme": ["citoyennete"],  # gaps to cover: few actors of this theme
            },
            "k",
        ),
        (
            {
                "level": "commune",
                "territory": "bv:62498",
                "candidate_kinds": ["centre-social"],
                "k": 1,
                "theme": ["citoyennete"],
            },
            "candidate_kinds",
        ),
        ({"level": "canton", "k": 2}, "level"),
        ({"level": "commune", "k": 0}, "k"),
        ({"level": "commune", "k": 2, "max_km": 0}, "max_km"),
        ({"level": "commune", "k": 2, "territory": "bv:99999"}, "territory"),
        ({"level": "commune", "k": 2, "candidate_kinds": ["ovni"]}, "candidate_kinds"),
    ],
)
def test_bad_input_answers_400_naming_the_field(client, body, field):
    data = post(client, status=400, **body)
    assert f"« {field} »" in data["detail"]
