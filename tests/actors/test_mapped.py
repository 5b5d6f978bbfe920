"""Generic CSV/GeoJSON import through a column-mapping file, with geocoding."""

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from carto.actors.importers.mapped import MappedImporter, MappingError, load_mapping
from carto.actors.models import Actor, Precision

pytestmark = pytest.mark.django_db
EXAMPLE = Path(settings.BASE_DIR) / "data" / "mappings" / "exemple-centres-sociaux.toml"
HEADER = "id,nom,type,adresse,code_postal,ville,code_insee,longitude,latitude,thematiques,publics,courriel,telephone,site,horaires,referent\n"


def write_csv(tmp_path, rows: list[str]) -> Path:
    path = tmp_path / "annuaire.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


ROWS = [
    '1,Centre social Vachala,Centre social,1 rue Vachala,62300,Lens,62498,2.8262,50.4301,"Numérique / inclusion;Jeunesse",Familles,cs@exemple.fr,03 21 00 00 00,,Mo-Fr 09:00-17:00,Paul Privé',
    "2,Espace de vie sociale du Marais,EVS,12 rue de Paris,62300,Lens,62498,,,Culture,,,,,,",
    "3,Association des habitants,Association,,,Liévin,62510,,,,,,,,,",
    "4,Sans lieu,Association,,,,,,,,,,,,,",
]


class TestCsv:
    def test_rows_are_mapped_geocoded_and_placed(self, tmp_path, ban):
        summary = MappedImporter(write_csv(tmp_path, ROWS), EXAMPLE).run(partial=True)
        assert (summary.created, len(summary.rejected)) == (3, 1)
        assert (
            "ni coordonnées, ni adresse géocodable, ni code commune" in summary.rejected[0].reason
        )
        actors = {
            a.source_id: a for a in Actor.objects.filter(source="annuaire_centres_sociaux_exemple")
        }
        first = actors["1"]
        assert (first.kind_id, first.themes, first.publics) == (
            "centre-social",
            ["numerique", "jeunesse"],
            ["familles"],
        )
        assert (
            first.location.coords == pytest.approx((2.8262, 50.4301))
            and first.precision == Precision.ADDRESS
        )
        assert first.contact_name == "Paul Privé" and first.opening_hours == "Mo-Fr 09:00-17:00"
        assert first.bv_code == "62498" and first.status == "published"
        # Address without coordinates: geocoded by the BAN, restricted to its commune.
        second = actors["2"]
        assert second.kind_id == "espace-de-vie-sociale" and second.themes == ["culture"]
        assert (
            second.location.coords == pytest.approx((2.8301, 50.4321))
            and second.precision == Precision.ADDRESS
        )
        assert any(
            q.get("citycode") == ["62498"] and "12 rue de Paris" in q["q"][0] for q in ban.queries
        )
        # Neither coordinates nor address: the town hall of its commune, to locate.
        third = actors["3"]
        assert (
            third.precision == Precision.COMMUNE
            and third.to_locate
            and third.commune_code == "62510"
        )

    def test_offline_an_address_falls_back_to_the_town_hall(self, tmp_path, settings):
        settings.CARTO_GEOCODER_URL = ""
        MappedImporter(write_csv(tmp_path, ROWS[1:2]), EXAMPLE).run()
        actor = Actor.objects.get(source="annuaire_centres_sociaux_exemple", source_id="2")
        assert actor.precision == Precision.COMMUNE and actor.to_locate
        assert actor.location.coords == pytest.approx((2.832435, 50.429256))

    def test_atomic_by_default_and_idempotent(self, tmp_path, ban):
        path = write_csv(tmp_path, ROWS)
        with pytest.raises(CommandError, match="ligne 5"):
            call_command("import_mapped", str(path), mapping=str(EXAMPLE), verbosity=0)
        assert not Actor.objects.filter(source="annuaire_centres_sociaux_exemple").exists()
        good = write_csv(tmp_path, ROWS[:3])
        call_command("import_mapped", str(good), mapping=str(EXAMPLE), verbosity=0)
        out = StringIO()
        call_command("import_mapped", str(good), mapping=str(EXAMPLE), stdout=out)
        assert "0 créés, 0 mis à jour, 3 inchangés" in out.getvalue()

    def test_dry_run_reads_and_validates_but_writes_nothing(self, tmp_path, ban):
        source = Actor.objects.filter(source="annuaire_centres_sociaux_exemple")
        path = write_csv(tmp_path, ROWS[:3])
        before = Actor.objects.count()
        out = StringIO()
        call_command("import_mapped", str(path), mapping=str(EXAMPLE), dry_run=True, stdout=out)
        assert out.getvalue().startswith(
            "Simulation (--dry-run) : rien n'a été écrit. annuaire_centres_sociaux_exemple : "
            "3 créés, 0 mis à jour, 0 inchangés, 0 rejetés"
        )
        assert not source.exists() and Actor.objects.count() == before
        # Once imported, a dry run of a changed file reports the change and keeps the row as it was.
        call_command("import_mapped", str(path), mapping=str(EXAMPLE), verbosity=0)
        renamed = ROWS[0].replace("Centre social Vachala", "Centre social Vachala-Nord")
        write_csv(tmp_path, [renamed, *ROWS[1:3]])
        out = StringIO()
        call_command("import_mapped", str(path), mapping=str(EXAMPLE), dry_run=True, stdout=out)
        assert "0 créés, 1 mis à jour, 2 inchangés, 0 rejetés" in out.getvalue()
        assert source.get(source_id="1").name == "Centre social Vachala"
        assert source.count() == 3 and Actor.objects.count() == before + 3

    def test_report_lists_each_rejected_row(self, tmp_path, ban):
        mystery = "5,Le Local,Cabane mystère,,,Lens,62498,2.83,50.43,,,,,,,"
        path = write_csv(tmp_path, [*ROWS, mystery])
        report = tmp_path / "rapports" / "rejets.csv"
        out = StringIO()
        call_command(
            "import_mapped",
            str(path),
            mapping=str(EXAMPLE),
            partial=True,
            report=str(report),
            stdout=out,
        )
        assert "3 créés, 0 mis à jour, 0 inchangés, 2 rejetés" in out.getvalue()
        assert f"Rapport des rejets : {report}" in out.getvalue()
        with report.open(encoding="utf-8", newline="") as handle:
            header, *rejected = list(csv.reader(handle))
        assert header == ["ligne", "identifiant_source", "motif"]
        assert [row[:2] for row in rejected] == [["ligne 5", "4"], ["ligne 6", "5"]]
        assert "ni coordonnées, ni adresse géocodable, ni code commune" in rejected[0][2]
        assert "type « Cabane mystère » non reconnu" in rejected[1][2]
        written = Actor.objects.filter(source="annuaire_centres_sociaux_exemple")
        assert sorted(written.values_list("source_id", flat=True)) == ["1", "2", "3"]

    def test_unknown_kind_word_is_rejected_with_its_value(self, tmp_path, ban):
        row = "9,Le Local,Cabane mystère,,,Lens,62498,2.83,50.43,,,,,,,"
        summary = MappedImporter(write_csv(tmp_path, [row]), EXAMPLE).run(partial=True)
        assert "type « Cabane mystère » non reconnu" in summary.rejected[0].reason

    def test_missing_column_is_named(self, tmp_path):
        path = tmp_path / "court.csv"
        path.write_text("id,nom\n1,X\n", encoding="utf-8")
        with pytest.raises(CommandError, match="colonne manquante 'type'"):
            call_command("import_mapped", str(path), mapping=str(EXAMPLE), verbosity=0)


def test_geojson_points(tmp_path):
    mapping = tmp_path / "tiers-lieux.toml"
    mapping.write_text(
        'source = "tiers_lieux_essai"\n[columns]\nsource_id = "ref"\nname = "nom"\ncommune_code = "insee"\n'
        '[defaults]\nkind = "tiers-lieu"\nthemes = ["numerique", "culture"]\n',
        encoding="utf-8",
    )
    data = tmp_path / "tiers-lieux.geojson"
    data.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.6065, 42.9645]},
         "properties": {"ref": "TL-1", "nom": "La Fabrique de Foix", "insee": "09122"}},
    ]}), encoding="utf-8")  # fmt: skip
    MappedImporter(data, mapping).run()
    actor = Actor.objects.get(source="tiers_lieux_essai", source_id="TL-1")
    assert actor.kind_id == "tiers-lieu" and actor.themes == ["numerique", "culture"]
    assert actor.location.coords == pytest.approx((1.6065, 42.9645)) and actor.bv_code == "09122"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'source = "x"\n[columns]\nsource_id = "id"\nname = "nom"\ncouleur = "c"\n[defaults]\nkind = "association"\n',
            "champ(s) inconnu(s) dans [columns] : couleur",
        ),
        (
            'source = "x"\n[columns]\nname = "nom"\n[defaults]\nkind = "association"\n',
            "« source_id »",
        ),
        ('source = "x"\n[columns]\nsource_id = "id"\nname = "nom"\n', "« kind »"),
        ("source = \n", "TOML invalide"),
    ],
)
def test_mapping_errors_name_the_problem(tmp_path, content, message):
    path = tmp_path / "m.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(
        MappingError,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace("(", r"\(")
        .replace(")", r"\)"),
    ):
        load_mapping(path)
