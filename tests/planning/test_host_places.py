"""Host places (town halls, `host_only`) in the siting: candidates when their kind is among
`candidate_kinds`, never counted as the existing offer unless their kind is asked for."""

import json

import pytest
from django.contrib.gis.geos import Point

from carto.actors.models import Actor, Precision, Status
from carto.actors.services import attach_actors
from carto.planning.services import refresh_derived, siting_candidates
from carto.srid import WGS84
from carto.territories.models import Territory

pytestmark = pytest.mark.django_db
BV = ("bv", "62498")


@pytest.fixture
def town_hall(db):
    """A town hall of our own in the bassin de vie of Lens, whatever the demo holds."""
    anchor = Territory.objects.get(kind="commune", code="62498").anchor
    actor = Actor.objects.create(
        name="Mairie de test", kind_id="collectivite", host_only=True, status=Status.PUBLISHED,
        location=Point(anchor.x, anchor.y, srid=WGS84), precision=Precision.ADDRESS, city="Lens",
        source="test-hosts", source_id="62498",
    )  # fmt: skip
    attach_actors([actor.pk])
    refresh_derived()  # in the test's transaction: the coverage counts read the view
    return actor


def test_host_places_are_candidates_of_their_kind(town_hall):
    ids = {c.id for c in siting_candidates(["collectivite", "mediatheque"], BV)}
    assert str(town_hall.pk) in ids
    expected = {
        str(a.pk)
        for a in Actor.objects.filter(
            status="published", duplicate_of__isnull=True, kind__in=["collectivite", "mediatheque"]
        )
        if "bv:62498" in a.territory_codes
    }
    assert ids == expected
    assert str(town_hall.pk) not in {c.id for c in siting_candidates(["mediatheque"], BV)}


def test_siting_may_propose_a_town_hall_and_names_its_kind(client, town_hall):
    response = client.post(
        "/api/v1/planning/siting/",
        json.dumps(
            {"level": "commune", "territory": "bv:62498", "theme": ["citoyennete"],
             "candidate_kinds": ["collectivite"], "k": 2, "max_km": 5}
        ),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content[:300]
    hosts = response.json()["hosts"]
    assert hosts
    for host in hosts:
        actor = Actor.objects.get(pk=host["actor"]["id"])
        assert actor.host_only and actor.kind_id == "collectivite"
        assert host["actor"]["kind_label"] == "Collectivité"


def test_town_halls_count_as_offer_only_when_their_kind_is_asked(client, town_hall):
    def lens(**params):
        data = client.get(
            "/api/v1/coverage/", {"level": "commune", "territory": "commune:62498", **params}
        ).json()
        return data["features"][0]["properties"]["actors"]

    kinds = Actor.objects.filter(
        status="published", duplicate_of__isnull=True, commune_code="62498"
    )
    assert lens() == kinds.filter(host_only=False).count()
    assert lens(kind="collectivite") == kinds.filter(kind="collectivite").count() >= 1
