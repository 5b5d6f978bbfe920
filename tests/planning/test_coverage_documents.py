"""National coverage answers kept whole (carto/planning/documents.py): computed once,
served as they were until the precomputed coverage, the initiatives or the territories
change, and never for a request they do not answer."""

import gzip
import json

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from carto.actors.models import Actor, Initiative
from carto.planning.api import views
from carto.planning.services import refresh_derived

pytestmark = pytest.mark.django_db

URL = "/api/v1/coverage/?level=departement"


@pytest.fixture(autouse=True)
def fresh():
    """Changes other tests committed are applied first (a pass empties the kept answers)."""
    refresh_derived()


@pytest.fixture
def computed(monkeypatch):
    """How many times an answer was computed (the coverage rows asked for)."""
    calls = []
    original = views.coverage

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "coverage", counting)
    return calls


def kept() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM planning_coverage_document")
        return cursor.fetchone()[0]


def departements(response) -> dict:
    return {f["properties"]["code"]: f["properties"] for f in response.json()["features"]}


def test_an_answer_for_all_of_france_is_computed_once_and_kept(client, computed):
    first = client.get(URL)
    assert first.status_code == 200 and len(computed) == 1 and kept() == 1
    again = client.get(URL)
    assert again.status_code == 200 and len(computed) == 1  # read, not computed
    assert again.content == first.content
    assert again["Cache-Control"] == first["Cache-Control"]
    # Another question is another answer.
    client.get(URL + "&max_km=2")
    client.get("/api/v1/coverage/gaps/?level=departement&limit=3")
    assert len(computed) == 3 and kept() == 3


def test_a_client_that_accepts_gzip_gets_the_kept_bytes(client):
    plain = client.get(URL)
    packed = client.get(URL, HTTP_ACCEPT_ENCODING="gzip, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert "Content-Encoding" not in plain


def test_a_written_initiative_is_in_the_next_answer(client, computed):
    before = departements(client.get(URL))
    initiative = Initiative.objects.filter(status="published").exclude(territory_codes=[]).first()
    departement = next(
        c.split(":")[1] for c in initiative.territory_codes if c.startswith("departement:")
    )
    Initiative.objects.filter(pk=initiative.pk).update(status="pending")  # no save(), no signal
    assert kept() == 0
    after = departements(client.get(URL))
    assert len(computed) == 2
    assert after[departement]["initiatives"] == before[departement]["initiatives"] - 1


def test_a_coverage_pass_empties_the_kept_answers(client, computed):
    before = departements(client.get(URL))
    actor = Actor.objects.filter(status="published", departement_code="80").first()
    Actor.objects.create(
        name="Nouveau lieu",
        kind_id=actor.kind_id,
        status="published",
        source="test",
        location=Point(actor.location.x + 0.001, actor.location.y),
        territory_codes=actor.territory_codes,
        departement_code="80",
    )
    assert departements(client.get(URL)) == before and len(computed) == 1  # kept until the pass
    refresh_derived()
    assert kept() == 0
    after = departements(client.get(URL))
    assert after["80"]["actors"] == before["80"]["actors"] + 1
    assert len(computed) == 2


def test_what_is_not_all_of_france_is_not_kept(client, computed):
    for query in (
        "&territory=departement:62",
        "&bbox=2.2,49.8,2.4,50.0",
        "&theme=numerique&theme=culture",  # the live path: no precomputed facet
        "&format=csv",
    ):
        assert client.get(URL + query).status_code == 200, query
    assert kept() == 0 and len(computed) == 4
