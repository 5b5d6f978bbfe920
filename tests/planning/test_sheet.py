"""The territory sheet."""

import pytest

from carto.actors.models import Actor

pytestmark = pytest.mark.django_db


def test_bassin_de_vie_sheet(client):
    html = client.get("/territoire/bv/62498/").content.decode()
    actors = Actor.objects.published().filter(
        duplicate_of__isnull=True, territory_codes__contains=["bv:62498"]
    )
    assert f"<strong>{actors.count()}</strong> acteurs" in html
    assert "<td>France services</td><td>5</td>" in html.replace("\n", "")
    # Compared with the département holding most of its population (Pas-de-Calais), and its région.
    assert (
        "<td>Pas-de-Calais</td>" in html
        and "<td>Hauts-de-France</td>" in html
        and "<td>Nord</td>" not in html
    )
    assert "Zones blanches : commune les moins couverts" in html
    assert (
        'href="/territoire/commune/62427/"' in html
    )  # Hénin-Beaumont, the largest commune out of reach
    assert 'data-outline="/api/v1/territories/bv/62498/?zoom=11"' in html
    assert 'href="/planifier/?territory=bv%3A62498&amp;level=commune&amp;label=Lens"' in html


def test_qpv_and_unknown(client):
    assert client.get("/territoire/qpv/QN06224M/").status_code == 200
    assert client.get("/territoire/bv/99999/").status_code == 404
    assert client.get("/territoire/canton/1/").status_code == 404


def test_planner_page(client):
    html = client.get("/planifier/?territory=departement:62&level=bv").content.decode()
    assert "Planifier une coalition" in html
    assert (
        '"siting": "/api/v1/planning/siting/"' in html and '"territory": "departement:62"' in html
    )
