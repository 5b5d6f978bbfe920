"""Directory importers on the real files: content, idempotence, atomicity, partial
imports with a report, attachment to territories, duplicates."""

import csv
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from shapely.geometry import shape

from carto import tables
from carto.actors.importers import (
    ActorImporter,
    ActorRecord,
    ConseillersNumeriquesImporter,
    FranceServicesImporter,
    ImportAborted,
    TerritoiresEngagementImporter,
)
from carto.actors.models import Actor, Initiative, Precision
from carto.territories.codes import Kind
from carto.territories.models import Territory
from tests.helpers import outline, stands_in

from ..conftest import DEMO_DEPARTEMENTS

pytestmark = pytest.mark.django_db
FS_FILE = "acteurs/france_services_20240801.csv"
CNFS_FILE = "acteurs/conseillers_numeriques_structures_2022.json"
TE_FILE = "acteurs/territoires_engagement_citoyen_2026.geojson"


@pytest.fixture(scope="module")
def france_services_rows(data_dir):
    with (data_dir / FS_FILE).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def actors_fingerprint():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(a::text, '|' ORDER BY id), '')) FROM actors_actor a"
        )
        return cursor.fetchone()


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_actors", *args, stdout=out, **options)
    return out.getvalue()


class TestFranceServices:
    def test_demo_sites_loaded_with_their_fields(self, france_services_rows):
        expected = {r["id_fs"] for r in france_services_rows if r["insee_dep"] in DEMO_DEPARTEMENTS}
        loaded = set(
            Actor.objects.filter(source="france_services").values_list("source_id", flat=True)
        )
        assert loaded == expected
        bus = Actor.objects.get(
            source="france_services", name="Bus France services Pimms Médiation Lens"
        )
        assert bus.itinerant and bus.kind_id == "france-services"
        assert bus.opening_hours == "Mo 13:30-16:30; Tu-Fr 09:00-12:00,13:30-16:30"
        assert (bus.commune_code, bus.bv_code, bus.epci_code, bus.departement_code) == (
            "62498",
            "62498",
            "246200364",
            "62",
        )
        assert bus.status == "published" and bus.precision == Precision.ADDRESS

    def test_every_bus_and_itinerant_service_of_france_is_marked(self, france_services_rows):
        summary = FranceServicesImporter().run(dry_run=True)
        assert (
            summary.created + summary.updated + summary.unchanged
            == len(france_services_rows)
            == 2845
        )
        # The dry run rolled back: count the flag on a full import inside this test's transaction.
        FranceServicesImporter().run()
        itinerant = Actor.objects.filter(source="france_services", itinerant=True)
        assert itinerant.count() == 163
        expected = {
            r["id_fs"]
            for r in france_services_rows
            if r["format_fs"] in ("Bus_équivalent", "Itinérante")
        }
        assert set(itinerant.values_list("source_id", flat=True)) == expected

    def test_antennas_hang_on_their_principal_site(self, france_services_rows):
        FranceServicesImporter().run()
        antennas = Actor.objects.filter(
            source="france_services", parent__isnull=False
        ).select_related("parent")
        assert antennas.count() > 50
        for antenna in antennas:
            assert antenna.network and antenna.network == antenna.parent.network
            assert "Antenne" in antenna.description

    def test_second_import_changes_nothing(self):
        before = actors_fingerprint()
        output = run("france_services", departements=DEMO_DEPARTEMENTS)
        assert "0 créés, 0 mis à jour, 219 inchangés, 0 rejetés" in output
        assert actors_fingerprint() == before


def pending_gin_pages() -> int:
    return tables.clean_pending_lists("actors_actor", "actors_initiative")


def test_an_import_leaves_the_gin_indexes_without_pending_entries():
    Actor.objects.filter(source="france_services").update(name="Renommé", themes=["sante"])
    assert pending_gin_pages() > 0  # an update fills the pending lists (emptied here)
    Actor.objects.filter(source="france_services").update(name="Encore", themes=["culture"])
    FranceServicesImporter(departements=["62"]).run()  # an import leaves them empty
    assert pending_gin_pages() == 0


class TestAtomicAndPartial:
    def corrupted(self, data_dir, tmp_path, replace):
        path = tmp_path / "fs.csv"
        text = (data_dir / FS_FILE).read_text(encoding="utf-8")
        path.write_text(replace(text), encoding="utf-8")
        return path

    def test_a_bad_row_aborts_and_writes_nothing(self, data_dir, tmp_path):
        path = self.corrupted(data_dir, tmp_path, lambda t: t.replace("50.426713", "abc", 1))
        Actor.objects.filter(source="france_services").update(name="avant")
        before = actors_fingerprint()
        with pytest.raises(CommandError) as error:
            run("france_services", file=str(path))
        assert (
            "fs.csv" in str(error.value)
            and "coordonnées" in str(error.value)
            and "Rien n'a été écrit" in str(error.value)
        )
        assert actors_fingerprint() == before

    def test_partial_writes_valid_rows_and_reports_each_rejected_one(self, data_dir, tmp_path):
        def damage(text):
            text = text.replace("50.426713", "abc", 1)  # the Lens bus
            return text.replace('"France services de Saint-Girons"', '""', 1)

        path = self.corrupted(data_dir, tmp_path, damage)
        report = tmp_path / "rejets.csv"
        Actor.objects.filter(source="france_services").delete()
        output = run(
            "france_services",
            file=str(path),
            partial=True,
            report=str(report),
            departements=DEMO_DEPARTEMENTS,
        )
        assert "217 créés" in output and "2 rejetés" in output
        rows = list(csv.DictReader(report.open(encoding="utf-8")))
        assert len(rows) == 2
        assert {r["motif"].split(" ")[0] for r in rows} == {"coordonnées", "nom"}
        assert not Actor.objects.filter(name="Bus France services Pimms Médiation Lens").exists()

    def test_truncated_json_names_the_file(self, data_dir, tmp_path):
        path = tmp_path / "cnfs.json"
        path.write_bytes((data_dir / CNFS_FILE).read_bytes()[:5000])
        with pytest.raises(ImportAborted, match=r"cnfs\.json : JSON invalide ou fichier tronqué"):
            ConseillersNumeriquesImporter(path=path).run(partial=True)

    def test_missing_column_names_it(self, data_dir, tmp_path):
        path = self.corrupted(data_dir, tmp_path, lambda t: t.replace('"lib_fs"', '"libelle"', 1))
        with pytest.raises(ImportAborted, match="colonne manquante 'lib_fs'"):
            FranceServicesImporter(path=path).run(partial=True)


class TestConseillersNumeriques:
    def test_demo_structures_with_siret(self, data_dir):
        data = json.loads((data_dir / CNFS_FILE).read_text(encoding="utf-8"))
        expected = {
            str(x["id"])
            for x in data
            if str(x.get("insee_com") or x.get("result_citycode") or "")[:2] in DEMO_DEPARTEMENTS
        }
        loaded = set(
            Actor.objects.filter(source="conseillers_numeriques").values_list(
                "source_id", flat=True
            )
        )
        assert loaded == expected
        assert Actor.objects.filter(
            source="conseillers_numeriques", kind="mediation-numerique"
        ).count() == len(expected)
        assert all(
            len(s) == 14
            for s in Actor.objects.filter(source="conseillers_numeriques")
            .exclude(siret="")
            .values_list("siret", flat=True)
        )

    def test_rejects_rows_without_a_name_or_a_place(self):
        summary = ConseillersNumeriquesImporter().run(partial=True, dry_run=True)
        reasons = {r.source_id: r.reason for r in summary.rejected}
        assert "nom « 0 » vide ou sans lettre" in reasons["7"]
        assert (
            "ni coordonnées ni commune chargée (03310)" in reasons["31"]
        )  # Vichy, outside the demo


class TestAttachment:
    def test_qpv_in_and_within_300_m(self):
        foix = Actor.objects.get(source="france_services", name="France services de Foix")
        assert foix.qpv_codes == [] and foix.qpv_near_codes == ["QP009002"]
        pamiers = Actor.objects.get(source="france_services", name="France services de Pamiers")
        assert pamiers.qpv_codes == ["QP009003"] and "qpv:QP009003" in pamiers.territory_codes

    def test_commune_precision_says_nothing_of_qpv(self):
        actor = Actor.objects.get(source="france_services", name="France services de Pamiers")
        Actor.objects.filter(pk=actor.pk).update(precision=Precision.COMMUNE)
        from carto.actors.services import attach_actors

        attach_actors([actor.pk])
        actor.refresh_from_db()
        assert actor.qpv_codes == [] and actor.qpv_near_codes == []
        assert actor.bv_code == "09225"

    def test_recomputed_when_territories_are_reimported(self):
        Actor.objects.update(territory_codes=[], bv_code="", epci_code="")
        Initiative.objects.update(territory_codes=[])
        Territory.objects.filter(kind=Kind.COMMUNE, code="62498").update(name="Lens (ancien nom)")
        call_command(
            "import_territories", verbosity=0
        )  # updates that commune, then re-attaches everything
        bus = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
        assert bus.bv_code == "62498" and "bv:62498" in bus.territory_codes
        assert not Actor.objects.filter(territory_codes=[]).exists()
        placed = Initiative.objects.exclude(footprint_codes=[], organizer__isnull=True)
        assert not placed.filter(territory_codes=[]).exists()


class TestTerritoiresEngagement:
    def test_footprints(self):
        arras = Initiative.objects.filter(
            source="territoires_engagement", footprint_codes=["epci:200033579"]
        )
        assert arras.exists()
        initiative = arras.first()
        assert initiative.footprint is not None and initiative.footprint.geom_type == "MultiPolygon"
        assert {"bv:62041", "departement:62", "commune:62041"} <= set(initiative.territory_codes)
        boulogne = Initiative.objects.get(
            source="territoires_engagement", footprint_codes=["commune:62160"]
        )
        lens_outline = Territory.objects.get(kind=Kind.COMMUNE, code="62160").geom
        assert boulogne.footprint.equals(lens_outline)

    def test_idempotent(self):
        before = Initiative.objects.count()
        summary = TerritoiresEngagementImporter(departements=DEMO_DEPARTEMENTS).run()
        assert Initiative.objects.count() == before
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 25)
        Initiative.objects.filter(
            source="territoires_engagement", footprint_codes=["commune:62160"]
        ).update(period="1999")
        assert TerritoiresEngagementImporter(departements=DEMO_DEPARTEMENTS).run().updated == 1


class ListImporter(ActorImporter):
    """Records given in memory, to test the shared write path."""

    source = "essai"

    def __init__(self, records):
        super().__init__(path=None)
        self.records = records

    def rows(self):
        for index, record in enumerate(self.records):
            yield f"ligne {index + 1}", {"_id": record.source_id, "record": record}

    def convert(self, raw):
        return raw["record"]


class TestDuplicates:
    def record(self, source_id, name, lon, lat, siret=""):
        return ActorRecord(
            source_id=source_id,
            name=name,
            kind="association",
            lon=lon,
            lat=lat,
            siret=siret,
            commune_code="62498",
        )

    def test_same_name_within_200_m_or_same_siret_is_flagged_never_silent(self):
        records = [
            self.record("1", "Maison des Associations de Lens", 2.8300, 50.4300),
            self.record("2", "MAISON DES ASSOCIATIONS DE LENS", 2.8310, 50.4305),  # about 90 m away
            self.record("3", "Maison des associations de Lens", 2.8600, 50.4300),  # about 2 km away
            self.record("4", "Centre Jean Jaurès", 2.8200, 50.4200, siret="12345678901234"),
            self.record("5", "Association Jaurès", 2.9000, 50.5000, siret="12345678901234"),
        ]
        summary = ListImporter(records).run()
        by_id = {a.source_id: a for a in Actor.objects.filter(source="essai")}
        assert by_id["2"].duplicate_of_id == by_id["1"].id
        assert by_id["3"].duplicate_of_id is None
        assert by_id["5"].duplicate_of_id == by_id["4"].id
        assert len(summary.duplicates) == 2

    def test_bad_siret_and_unknown_theme_are_rejected(self):
        bad = self.record("9", "Asso", 2.83, 50.43, siret="123")
        unknown = self.record("10", "Asso bis", 2.83, 50.43)
        unknown.themes = ["astrologie"]
        summary = ListImporter([bad, unknown]).run(partial=True)
        reasons = [r.reason for r in summary.rejected]
        assert any("SIRET « 123 » invalide" in r for r in reasons)
        assert any("thème ou public inconnu : astrologie" in r for r in reasons)

    def test_no_coordinates_falls_back_to_the_town_hall(self):
        record = self.record("11", "Collectif sans adresse", None, None)
        ListImporter([record]).run()
        actor = Actor.objects.get(source="essai", source_id="11")
        assert actor.precision == Precision.COMMUNE and actor.to_locate
        assert actor.location.coords == pytest.approx((2.832435, 50.429256))


class TestFiches:
    def test_sheets_become_initiatives_with_their_organiser(self):
        initiatives = Initiative.objects.filter(source="fiches_centres_sociaux")
        assert initiatives.count() == 15
        girls = initiatives.get(title="ALLEZ LES FILLES")
        assert girls.organizer.name == "CENTRE SOCIOCULTUREL AUDREY BARTIER"
        # Created at the town hall of a commune of the Pas-de-Calais named in the sheet, to be located.
        assert girls.organizer.city == "Wimille" and girls.organizer.precision == Precision.COMMUNE
        assert girls.organizer.to_locate and girls.organizer.departement_code == "62"
        assert girls.themes == ["education", "citoyennete"] and girls.publics == ["jeunes"]
        assert girls.footprint_codes == ["commune:62894"]
        assert girls.status == "published"

    def test_one_organiser_for_its_three_sheets(self):
        brel = Actor.objects.filter(name="CENTRE SOCIAL JACQUES BREL")
        assert brel.count() == 1
        assert brel.get().initiatives.count() == 3
        # No commune named in its sheets: kept pending, with its département.
        assert brel.get().status == "pending" and brel.get().departement_code == "62"

    def test_organiser_matched_to_an_existing_actor_by_name_and_departement(
        self, fixtures_dir, tmp_path
    ):
        lens_bus = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
        text = (fixtures_dir / "fiches_actions_centres_sociaux.txt").read_text(encoding="utf-8")
        sheet = text[: text.index('Actions "ACTION INNOVATION')].replace(
            "CENTRE SOCIOCULTUREL AUDREY BARTIER - Pas-de-Calais",
            "Bus France Services PIMMS Médiation LENS - Pas-de-Calais",
        )
        path = tmp_path / "une_fiche.txt"
        path.write_text(
            sheet.replace('Actions "ALLEZ LES FILLES"', 'Actions "Permanence mobile"'),
            encoding="utf-8",
        )
        call_command("import_fiches", str(path), verbosity=0)
        initiative = Initiative.objects.get(title="Permanence mobile")
        assert initiative.organizer_id == lens_bus.id

    def test_import_is_idempotent(self, fixtures_dir):
        before = (Initiative.objects.count(), Actor.objects.count())
        call_command(
            "import_fiches", str(fixtures_dir / "fiches_actions_centres_sociaux.txt"), verbosity=0
        )
        assert (Initiative.objects.count(), Actor.objects.count()) == before

    def test_dry_run_json_has_exactly_the_keys(self, fixtures_dir):
        out = StringIO()
        before = Initiative.objects.count()
        call_command(
            "import_fiches",
            str(fixtures_dir / "fiches_actions_centres_sociaux.txt"),
            dry_run=True,
            json=True,
            stdout=out,
        )
        records = json.loads(out.getvalue())
        assert len(records) == 15 and Initiative.objects.count() == before
        assert list(records[0]) == [
            "title", "status", "end_reason", "dimension", "keywords", "summary", "organizer",
            "organizer_department", "initiators", "initiative_precision", "context", "territory_scope",
            "publics", "partners", "description", "resources", "people", "results_territory",
            "results_centre", "results_inhabitants", "limits", "perspectives",
        ]  # fmt: skip

    def test_not_a_sheet_file_is_refused_with_its_name(self, tmp_path):
        path = tmp_path / "vide.txt"
        path.write_text("rien à voir\n- Statut de l'action\n- En cours\n", encoding="utf-8")
        with pytest.raises(CommandError, match=r"vide\.txt"):
            call_command("import_fiches", str(path), form="fiches", verbosity=0)

    def test_fabrique_form_kept_once_and_pending_until_placed(self, fixtures_dir):
        fabrique = Initiative.objects.get(source="fabrique_initiatives_citoyennes")
        text = (fixtures_dir / "fiche_fabrique_initiatives_citoyennes.txt").read_text(
            encoding="utf-8"
        )
        assert len(fabrique.description) < len(text) / 2  # the thrice-pasted description kept once
        assert fabrique.status == "pending"


class TestGeometriesFromCodes:
    def test_service_area_codes_resolve_to_a_geometry(self):
        from carto.actors.services import attach_actors

        actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
        Actor.objects.filter(pk=actor.pk).update(
            service_area_codes=["commune:62498", "commune:62510"]
        )
        attach_actors([actor.pk])
        actor.refresh_from_db()
        lens = Territory.objects.get(kind=Kind.COMMUNE, code="62498").geom
        lievin = Territory.objects.get(kind=Kind.COMMUNE, code="62510").geom
        assert actor.service_area.area == pytest.approx(lens.union(lievin).area, rel=1e-6)

    def test_a_sheet_footprint_given_as_a_commune_gets_its_outline(self):
        girls = Initiative.objects.get(title="ALLEZ LES FILLES")
        assert girls.footprint.equals(Territory.objects.get(kind=Kind.COMMUNE, code="62894").geom)


def test_corrupted_territoires_engagement_file_writes_nothing(data_dir, tmp_path):
    path = tmp_path / "tec.geojson"
    path.write_bytes(
        (data_dir / "acteurs/territoires_engagement_citoyen_2026.geojson").read_bytes()[:20_000]
    )
    before = Initiative.objects.count()
    with pytest.raises(ImportAborted, match=r"tec\.geojson : JSON invalide ou fichier tronqué"):
        TerritoiresEngagementImporter(path=path).run(partial=True)
    assert Initiative.objects.count() == before


class TestImportDirectory:
    def test_departements_loads_those_and_nothing_else(self, data_dir, france_services_rows):
        sources = ["france_services", "conseillers_numeriques"]
        Actor.objects.filter(source__in=sources).delete()
        Initiative.objects.filter(source="territoires_engagement").delete()
        kept = set(Actor.objects.values_list("id", "updated_at"))
        out = StringIO()
        call_command("import_directory", departements="09", stdout=out)
        # What the files hold for Ariège, read here through their own département column…
        france_services = {row["id_fs"] for row in france_services_rows if row["insee_dep"] == "09"}
        conseillers = {
            str(row["id"])
            for row in json.loads((data_dir / CNFS_FILE).read_text(encoding="utf-8"))
            if row.get("insee_dep") == "09"
        }
        # …and, for the territoires d'engagement, through their geometry on the outline.
        ariege = outline("departement", "09")
        engagement = {
            feature["properties"]["id_tec"]
            for feature in json.loads((data_dir / TE_FILE).read_text(encoding="utf-8"))["features"]
            if stands_in(shape(feature["geometry"]), ariege)
        }
        assert len(france_services) == 14 and len(conseillers) == 6 and len(engagement) == 3
        loaded = Actor.objects.filter(source__in=sources)
        assert (
            set(loaded.filter(source="france_services").values_list("source_id", flat=True))
            == france_services
        )
        assert (
            set(loaded.filter(source="conseillers_numeriques").values_list("source_id", flat=True))
            == conseillers
        )
        assert set(loaded.values_list("departement_code", flat=True)) == {"09"}
        initiatives = Initiative.objects.filter(source="territoires_engagement")
        assert set(initiatives.values_list("source_id", flat=True)) == engagement
        assert all("departement:09" in i.territory_codes for i in initiatives)
        assert (
            set(Actor.objects.exclude(source__in=sources).values_list("id", "updated_at")) == kept
        )
        # The summary of each source says what it kept and what it left out.
        output = out.getvalue()
        for source, created, total in (
            ("france_services", len(france_services), len(france_services_rows)),
            ("territoires_engagement", len(engagement), 419),
        ):
            counts = re.search(
                rf"{source} : (\d+) créés, 0 mis à jour, 0 inchangés, (\d+) rejetés, "
                r"(\d+) hors des départements demandés",
                output,
            )
            assert counts, output
            assert int(counts[1]) == created
            assert sum(int(n) for n in counts.groups()) == total
