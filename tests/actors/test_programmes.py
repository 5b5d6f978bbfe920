"""The ANCT programmes (Cités éducatives, Petites villes de demain…) as initiatives: what
the importer keeps of the real files for the demo (Hauts-de-France and Ariège), computed
here from the files themselves; footprints equal to the union of their communes'
polygons; idempotence, atomicity and reports; the `programme` filter of the API."""

import json
from collections import Counter

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from carto.actors.importers import ImportAborted, ProgrammesImporter
from carto.actors.importers.programmes import PROGRAMMES, parse_liste_geo
from carto.actors.models import Initiative
from tests.helpers import outline

from ..conftest import DEMO_DEPARTEMENTS

pytestmark = pytest.mark.django_db
COMMUNES_FILE = "communes/communes_2025_hauts_de_france_ariege.geojson"


def codes_of(liste_geo: str) -> set[str]:
    """The INSEE codes of a `liste_geo`, read here without the importer's pattern: each
    « ; »-separated entry ends with its five-character code in brackets."""
    return {entry.strip()[-6:-1] for entry in liste_geo.split(";") if entry.strip()}


@pytest.fixture(scope="module")
def demo_communes(data_dir) -> set[str]:
    """The communes of the demo départements with an outline, from the communes file."""
    features = json.loads((data_dir / COMMUNES_FILE).read_text(encoding="utf-8"))["features"]
    return {f["properties"]["insee_com"] for f in features if f["geometry"]}


@pytest.fixture(scope="module")
def expected(data_dir, demo_communes) -> dict[str, dict[str, set[str]]]:
    """Per programme: {site id: its communes in the demo} for the sites with at least one."""
    sites = {}
    for programme in PROGRAMMES:
        path = data_dir / "programmes" / programme.file
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        sites[programme.slug] = {
            f["properties"]["id_territoire"]: codes_of(f["properties"]["liste_geo"]) & demo_communes
            for f in features
        }
        sites[programme.slug] = {k: v for k, v in sites[programme.slug].items() if v}
    return sites


def test_demo_sites_per_programme_against_the_files(expected, data_dir):
    loaded = Initiative.objects.filter(source="programmes")
    counts = Counter(loaded.values_list("programme", flat=True))
    assert counts == {slug: len(sites) for slug, sites in expected.items()}
    assert counts == {
        "cites-educatives": 29,
        "cites-de-l-emploi": 14,
        "petites-villes-de-demain": 103,
        "action-coeur-de-ville": 25,
        "villages-d-avenir": 140,
    }
    for initiative in loaded:
        communes = expected[initiative.programme][initiative.source_id]
        assert initiative.footprint_codes == sorted(f"commune:{c}" for c in communes)
        assert {f"commune:{c}" for c in communes} <= set(initiative.territory_codes)
        assert initiative.status == "published" and initiative.listed


def test_titles_and_the_sites_of_several_communes(data_dir):
    path = data_dir / "programmes" / "anct_cites_de_l_emploi.geojson"
    properties = {
        f["properties"]["id_territoire"]: f["properties"]
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]
    }
    maubeuge = Initiative.objects.get(programme="cites-de-l-emploi", title="Maubeuge")
    assert maubeuge.title == properties[maubeuge.source_id]["lib_territoire"]
    assert len(maubeuge.footprint_codes) == 4 > maubeuge.footprint.num_geom
    assert maubeuge.territory_scope == "groupement de communes"
    assert maubeuge.footprint.contains(maubeuge.location)


def test_footprint_is_the_union_of_its_communes_polygons():
    for initiative in Initiative.objects.filter(source="programmes").order_by("id"):
        communes = [outline("commune", code.split(":")[1]) for code in initiative.footprint_codes]
        union = unary_union(communes)
        footprint = shape(json.loads(initiative.footprint.json))
        assert footprint.is_valid and initiative.footprint.geom_type == "MultiPolygon"
        assert footprint.area == pytest.approx(union.area, rel=1e-6), initiative.title
        assert footprint.symmetric_difference(union).area < 1e-6 * union.area, initiative.title
        # Not the centroids: every commune's polygon is in it.
        assert footprint.area >= max(c.area for c in communes)


def test_second_import_changes_nothing():
    before = dict(Initiative.objects.filter(source="programmes").values_list("id", "updated_at"))
    summary = ProgrammesImporter(departements=DEMO_DEPARTEMENTS).run()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 311)
    assert summary.out_of_scope == 189 + 91 + 1645 + 232 + 2498 - 311
    assert not summary.rejected
    after = dict(Initiative.objects.filter(source="programmes").values_list("id", "updated_at"))
    assert after == before


def test_one_departement_leaves_the_other_communes_out(expected):
    """With Ariège only, its sites are kept and touched nothing else; a site reaching
    beyond the département keeps only its communes there."""
    summary = ProgrammesImporter(departements=["09"], path=None).run(dry_run=True)
    ariege = sum(
        1
        for sites in expected.values()
        for communes in sites.values()
        if any(code.startswith("09") for code in communes)
    )
    assert summary.unchanged == ariege == 30 and summary.created == summary.updated == 0


def test_malformed_entry_aborts_or_is_reported(tmp_path):
    features = [
        {"type": "Feature", "geometry": None, "properties": {
            "id_territoire": "cite-901", "lib_territoire": "Lens", "liste_geo": "Lens (62498)"}},
        {"type": "Feature", "geometry": None, "properties": {
            "id_territoire": "cite-902", "lib_territoire": "Cassé", "liste_geo": "Arras 62041"}},
        {"type": "Feature", "geometry": None, "properties": {
            "id_territoire": "cite-903", "lib_territoire": "Ailleurs", "liste_geo": "Brest (29019)"}},
    ]  # fmt: skip
    path = tmp_path / "anct_cites_educatives.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    before = Initiative.objects.count()
    with pytest.raises(ImportAborted, match=r"entité n° 2 : entrée « Arras 62041 » de liste_geo"):
        ProgrammesImporter(path=path).run()
    assert Initiative.objects.count() == before
    summary = ProgrammesImporter(path=path).run(partial=True)
    assert [(r.source_id, r.reason) for r in summary.rejected] == [
        ("cite-902", "entrée « Arras 62041 » de liste_geo illisible (attendu « Commune (INSEE) »)")
    ]
    # Brest is not loaded: skipped, and said so.
    assert (summary.created, summary.out_of_scope) == (1, 1)
    assert any("cite-903" in note for note in summary.notes)
    lens = Initiative.objects.get(source="programmes", source_id="cite-901")
    assert lens.footprint_codes == ["commune:62498"] and lens.programme == "cites-educatives"


def test_unknown_file_name_is_refused(tmp_path):
    path = tmp_path / "programme.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(ImportAborted, match="fichier de programme inconnu"):
        ProgrammesImporter(path=path).run()


def test_parse_liste_geo():
    assert parse_liste_geo("Château-Chinon (Ville) (58062)") == [
        ("Château-Chinon (Ville)", "58062")
    ]
    assert parse_liste_geo("Ajaccio (2A004); Bastia (2B033)") == [
        ("Ajaccio", "2A004"),
        ("Bastia", "2B033"),
    ]


class TestApi:
    def test_programme_filter_is_repeatable(self, client, expected):
        for slugs in (["cites-educatives"], ["petites-villes-de-demain", "action-coeur-de-ville"]):
            response = client.get(
                "/api/v1/initiatives/", {"programme": slugs, "page_size": 500, "zoom": 8}
            )
            assert response.status_code == 200
            data = json.loads(response.content)
            ids = {f["id"] for f in data["features"]}
            assert data["count"] == len(ids) == sum(len(expected[slug]) for slug in slugs)
            assert ids == set(
                Initiative.objects.filter(programme__in=slugs).values_list("id", flat=True)
            )
            # Outlines (simplified by zoom), not the organiser's point nor the centroids.
            assert {f["geometry"]["type"] for f in data["features"]} <= {"Polygon", "MultiPolygon"}

    def test_with_a_territory(self, client, expected):
        data = json.loads(
            client.get(
                "/api/v1/initiatives/",
                {"programme": "cites-educatives", "territory": "departement:62"},
            ).content
        )
        assert sorted(f["properties"]["title"] for f in data["features"]) == sorted(
            Initiative.objects.get(source="programmes", source_id=site).title
            for site, communes in expected["cites-educatives"].items()
            if any(code.startswith("62") for code in communes)
        )

    def test_unknown_programme_is_named(self, client):
        response = client.get("/api/v1/initiatives/", {"programme": "zone-franche"})
        assert response.status_code == 400
        detail = json.loads(response.content)["detail"]
        assert detail.startswith("Requête invalide — paramètre « programme » : ")
        assert "zone-franche" in detail and "cites-educatives" in detail

    def test_documented(self, client):
        schema = json.loads(client.get("/api/v1/schema.json").content)
        for path in ("/api/v1/initiatives/", "/api/v1/coverage/", "/api/v1/coverage/gaps/"):
            (parameter,) = [
                p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "programme"
            ]
            assert parameter["schema"]["type"] == "array"
            assert parameter["schema"]["items"]["enum"] == [p.slug for p in PROGRAMMES]
