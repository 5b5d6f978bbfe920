"""import_territories on the real files of ../shared/data: content, idempotence, atomicity."""

import csv
import gzip
import json
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from carto import tables
from carto.territories.codes import Kind
from carto.territories.importer import TerritoryImportError, import_territories
from carto.territories.models import DatasetLoad, Territory, TerritoryPart

from ..conftest import DEMO_DEPARTEMENTS
from .helpers import data_copy, database_fingerprint, edit_geojson, find_feature

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def communes_table(data_dir):
    with (data_dir / "communes/communes_2025_points.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_territories", *args, stdout=out, **options)
    return out.getvalue()


class TestDemoImport:
    """What the session fixture loaded with the default options, checked against the files."""

    def test_communes_of_the_demo_departements(self, data_dir):
        features = json.loads(
            (data_dir / "communes/communes_2025_hauts_de_france_ariege.geojson").read_text()
        )
        expected = {f["properties"]["insee_com"] for f in features["features"]}
        loaded = set(Territory.objects.filter(kind=Kind.COMMUNE).values_list("code", flat=True))
        assert loaded == expected
        assert len(loaded) == 4107

    def test_departements_and_regions(self):
        assert set(
            Territory.objects.filter(kind=Kind.DEPARTEMENT).values_list("code", flat=True)
        ) == set(DEMO_DEPARTEMENTS)
        assert dict(Territory.objects.filter(kind=Kind.REGION).values_list("code", "name")) == {
            "32": "Hauts-de-France",
            "76": "Occitanie",
        }

    def test_every_bassin_de_vie_touching_the_demo_with_population_of_all_its_communes(
        self, communes_table
    ):
        population = defaultdict(int)
        members = defaultdict(set)
        for row in communes_table:
            if row["bv2022"]:
                population[row["bv2022"]] += int(row["population"] or 0)
                members[row["bv2022"]].add(row["insee_com"])
        touching = {
            row["bv2022"] for row in communes_table if row["insee_dep"] in DEMO_DEPARTEMENTS
        }
        bvs = {t.code: t for t in Territory.objects.filter(kind=Kind.BV)}
        assert set(bvs) == touching
        for code, bv in bvs.items():
            assert bv.population == population[code], code
            assert bv.commune_count == len(members[code]), code
        # Mirepoix straddles Ariège and Aude: 29 communes, all counted.
        assert bvs["09194"].commune_count == 29
        assert bvs["09194"].departement_codes == ["09", "11"]
        assert bvs["62498"].commune_count == 48

    def test_commune_parents(self):
        lens = Territory.objects.get(kind=Kind.COMMUNE, code="62498")
        assert (lens.region_code, lens.departement_code, lens.epci_code, lens.bv_code) == (
            "32",
            "62",
            "246200364",
            "62498",
        )
        assert lens.population == 31415
        assert lens.anchor.coords == pytest.approx((2.832435, 50.429256))  # the town hall

    def test_qpv_2024_list_with_communes_and_2015_outlines(self, data_dir):
        with (data_dir / "qpv/qpv2024_liste_par_commune.csv").open(encoding="utf-8") as handle:
            rows = [row for row in csv.DictReader(handle)]
        expected = {row["code_qp"] for row in rows if row["insee_dep"] in DEMO_DEPARTEMENTS}
        listed = Territory.objects.filter(kind=Kind.QPV, vintage="2024")
        assert set(listed.values_list("code", flat=True)) == expected
        assert not listed.filter(geom__isnull=False).exists()
        cite = listed.get(code="QN06224M")
        assert cite.commune_codes == sorted(
            r["insee_com"] for r in rows if r["code_qp"] == "QN06224M"
        )
        assert cite.anchor is not None  # placed at its commune's town hall
        outlines = Territory.objects.filter(kind=Kind.QPV, vintage="2015")
        assert set(outlines.values_list("code", flat=True)) == {"QP009001", "QP009002", "QP009003"}
        assert all(t.geom is not None and t.geom.valid for t in outlines)

    def test_outlines_are_valid_multipolygons_and_subdivided(self):
        assert not Territory.objects.filter(geom__isvalid=False).exists()
        assert {t.geom.geom_type for t in Territory.objects.exclude(geom=None)} == {"MultiPolygon"}
        with_outline = Territory.objects.exclude(geom=None)
        assert TerritoryPart.objects.values("territory").distinct().count() == with_outline.count()
        large = Territory.objects.get(kind=Kind.REGION, code="32")
        parts = TerritoryPart.objects.filter(territory=large)
        assert parts.count() > 1
        assert all(len(part.geom.coords[0]) <= 256 for part in parts)
        # The pieces cover the outline exactly.
        union = shape(json.loads(large.geom.json))
        pieces = [shape(json.loads(p.geom.json)) for p in parts]
        assert sum(p.area for p in pieces) == pytest.approx(union.area, rel=1e-6)


class TestIdempotence:
    def test_second_import_changes_nothing(self):
        before = database_fingerprint()
        output = run()
        assert " 0 créés,      0 mis à jour" in output
        for kind in ("Commune", "EPCI", "Bassin de vie"):
            line = next(line for line in output.splitlines() if line.strip().startswith(kind))
            assert "0 créés,      0 mis à jour" in line, line
        after = database_fingerprint()
        assert after[0] == before[0] and after[1] == before[1]  # rows and parts identical

    def test_if_changed_skips_known_files(self):
        output = run(if_changed=True)
        assert "déjà à jour" in output
        assert DatasetLoad.objects.filter(scope=",".join(sorted(DEMO_DEPARTEMENTS))).count() == 8

    def test_changed_row_is_updated_not_duplicated(self):
        Territory.objects.filter(kind=Kind.COMMUNE, code="62498").update(
            name="Lens (modifié)", population=1
        )
        summary = import_territories()
        assert summary.updated[Kind.COMMUNE] == 1
        assert summary.created[Kind.COMMUNE] == 0
        lens = Territory.objects.get(kind=Kind.COMMUNE, code="62498")
        assert (lens.name, lens.population) == ("Lens", 31415)
        assert (
            Territory.objects.filter(code="62498").count() == 2
        )  # the commune and its bassin de vie

    def test_an_import_leaves_the_gin_indexes_without_pending_entries(self):
        lens = Territory.objects.filter(kind=Kind.COMMUNE, code="62498")
        lens.update(name="Lens (modifié)", name_search="lens modifie")
        assert pending_gin_pages() > 0  # an update fills the pending lists (emptied here)
        lens.update(name="Lens (encore)", name_search="lens encore")
        import_territories()  # an import leaves them empty
        assert pending_gin_pages() == 0


def pending_gin_pages() -> int:
    return tables.clean_pending_lists("territories_territory", "territories_territorypart")


class TestOptions:
    def test_departements_subset(self):
        Territory.objects.all().delete()
        DatasetLoad.objects.all().delete()
        output = run(departements=["09"])
        communes = Territory.objects.filter(kind=Kind.COMMUNE)
        assert communes.count() == 325
        assert set(communes.values_list("departement_code", flat=True)) == {"09"}
        assert set(
            Territory.objects.filter(kind=Kind.DEPARTEMENT).values_list("code", flat=True)
        ) == {"09"}
        assert set(Territory.objects.filter(kind=Kind.REGION).values_list("code", flat=True)) == {
            "76"
        }
        assert (
            Territory.objects.filter(kind=Kind.QPV).count() == 6
        )  # 3 listed in 2024, 3 outlines of 2015
        assert "Départements : 09" in output

    def test_datasets_subset(self):
        Territory.objects.filter(kind=Kind.QPV).delete()
        summary = import_territories(datasets=["qpv_list"])
        assert set(summary.created) == {Kind.QPV}
        assert not Territory.objects.filter(kind=Kind.QPV, vintage="2015").exists()
        assert (
            Territory.objects.filter(kind=Kind.QPV, vintage="2024").count()
            == summary.created[Kind.QPV]
        )

    def test_dry_run_writes_nothing(self):
        Territory.objects.filter(kind=Kind.BV).delete()
        before = database_fingerprint()
        output = run(dry_run=True)
        assert "Simulation" in output and "169 créés" in output
        assert database_fingerprint() == before

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"departements": ["6X"]}, "--departements"),
            ({"datasets": ["cantons"]}, "--datasets : jeu(x) de données inconnu(s) cantons"),
        ],
    )
    def test_bad_options_name_what_is_wrong(self, options, message):
        with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
            run(**options)

    def test_missing_data_folder_says_where_it_looked(self, tmp_path):
        with pytest.raises(TerritoryImportError, match="fichier introuvable"):
            import_territories(data_dir=tmp_path)

    def test_a_newer_file_is_reported_against_the_manifest_checksum(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=["qpv/qpv2015_occitanie.geojson"])
        edit_geojson(
            folder / "qpv/qpv2015_occitanie.geojson", lambda features: None
        )  # re-serialised
        summary = import_territories(data_dir=folder, departements=["09"])
        assert any(
            "qpv2015_occitanie.geojson diffère du manifeste" in m
            for m in summary.checksum_mismatches
        )


HDF_ARIEGE = "communes/communes_2025_hauts_de_france_ariege.geojson"


class TestAtomicFailure:
    """A broken file aborts with a message naming file, feature and problem; nothing changes."""

    def assert_refused(self, folder, *fragments):
        before = database_fingerprint()
        with pytest.raises(CommandError) as error:
            run(data_dir=str(folder))
        message = str(error.value)
        assert "la base n'a pas été modifiée" in message
        for fragment in fragments:
            assert fragment in message, message
        assert database_fingerprint() == before
        return message

    def test_truncated_geojson(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=["admin/epci_2025_metropole.geojson"])
        path = folder / "admin/epci_2025_metropole.geojson"
        content = path.read_bytes()
        path.write_bytes(content[: len(content) // 2])
        self.assert_refused(
            folder, "epci_2025_metropole.geojson", "JSON invalide ou fichier tronqué", "ligne"
        )

    def test_truncated_gzip(self, data_dir, tmp_path):
        folder = data_copy(
            data_dir, tmp_path, writable=["communes/communes_2025_france.geojson.gz"]
        )
        path = folder / "communes/communes_2025_france.geojson.gz"
        path.write_bytes(path.read_bytes()[:100_000])
        before = database_fingerprint()
        with pytest.raises(TerritoryImportError, match=r"communes_2025_france\.geojson\.gz"):
            import_territories(
                data_dir=folder, departements=["75"]
            )  # not in the extract: the whole file
        assert database_fingerprint() == before

    def test_missing_csv_column(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=["qpv/qpv2024_liste_par_commune.csv"])
        path = folder / "qpv/qpv2024_liste_par_commune.csv"
        path.write_text(
            path.read_text(encoding="utf-8").replace("lib_qp", "libelle", 1), encoding="utf-8"
        )
        self.assert_refused(folder, "qpv2024_liste_par_commune.csv", "colonne manquante 'lib_qp'")

    def test_missing_geojson_property(self, data_dir, tmp_path):
        folder = data_copy(
            data_dir, tmp_path, writable=["bassins_de_vie/bv2022_metropole_geo2025.geojson"]
        )

        def drop_name(features):
            _index, feature = find_feature(features, "bv2022", "62498")
            del feature["properties"]["libbv2022"]

        edit_geojson(folder / "bassins_de_vie/bv2022_metropole_geo2025.geojson", drop_name)
        self.assert_refused(
            folder, "bv2022_metropole_geo2025.geojson", "propriété manquante 'libbv2022'"
        )

    def test_code_that_is_not_a_code(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=[HDF_ARIEGE])
        position = {}

        def corrupt(features):
            index, feature = find_feature(features, "insee_com", "09122")
            feature["properties"]["insee_com"] = "FOIX"
            position["n"] = index + 1

        edit_geojson(folder / HDF_ARIEGE, corrupt)
        self.assert_refused(
            folder,
            HDF_ARIEGE.split("/")[1],
            f"entité n° {position['n']}",
            "code commune 'FOIX' invalide",
        )

    def test_unrepairable_geometry(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=[HDF_ARIEGE])

        def flatten(features):
            # A polygon whose points are all on one line: ST_MakeValid leaves no surface.
            _index, feature = find_feature(features, "insee_com", "09122")
            feature["geometry"] = {
                "type": "Polygon",
                "coordinates": [[[1.6, 42.96], [1.61, 42.97], [1.62, 42.98], [1.6, 42.96]]],
            }

        edit_geojson(folder / HDF_ARIEGE, flatten)
        self.assert_refused(folder, HDF_ARIEGE.split("/")[1], "code 09122", "géométrie irréparable")

    def test_unreadable_geometry(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=[HDF_ARIEGE])

        def two_points(features):
            _index, feature = find_feature(features, "insee_com", "09122")
            feature["geometry"] = {
                "type": "Polygon",
                "coordinates": [[[1.6, 42.96], [1.61, 42.97]]],
            }

        edit_geojson(folder / HDF_ARIEGE, two_points)
        self.assert_refused(folder, "code 09122", "géométrie illisible et irréparable")

    def test_projected_coordinates_are_refused(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=["qpv/qpv2015_occitanie.geojson"])

        def lambert(features):
            _index, feature = find_feature(features, "code_qp", "QP009002")
            feature["geometry"] = {
                "type": "Polygon",
                "coordinates": [
                    [[589000, 6207000], [590000, 6207000], [590000, 6208000], [589000, 6207000]]
                ],
            }

        edit_geojson(folder / "qpv/qpv2015_occitanie.geojson", lambert)
        self.assert_refused(
            folder, "qpv2015_occitanie.geojson", "code QP009002", "hors des bornes lon/lat"
        )


class TestRepair:
    def test_self_intersecting_outline_is_repaired_and_counted(self, data_dir, tmp_path):
        folder = data_copy(data_dir, tmp_path, writable=[HDF_ARIEGE])

        def bow_tie(features):
            _index, feature = find_feature(features, "insee_com", "09122")
            feature["geometry"] = {
                "type": "Polygon",
                "coordinates": [
                    [[1.58, 42.95], [1.63, 42.98], [1.63, 42.95], [1.58, 42.98], [1.58, 42.95]]
                ],
            }

        edit_geojson(folder / HDF_ARIEGE, bow_tie)
        summary = import_territories(data_dir=folder, departements=["09"])
        assert any("code 09122" in ref for ref in summary.repaired)
        foix = Territory.objects.get(kind=Kind.COMMUNE, code="09122")
        assert foix.geom.valid
        assert foix.geom.geom_type == "MultiPolygon" and len(foix.geom) == 2  # the two triangles
        assert summary.updated[Kind.COMMUNE] == 1


def test_gzip_full_file_serves_a_departement_outside_the_extract(data_dir):
    """--departements outside the demo extract reads the whole-France file."""
    summary = import_territories(departements=["75"], datasets=["departements", "communes"])
    assert summary.created[Kind.COMMUNE] == 1  # Paris
    assert Territory.objects.get(kind=Kind.COMMUNE, code="75056").population == 2187526
    with gzip.open(data_dir / "communes/communes_2025_france.geojson.gz", "rt") as handle:
        assert '"75056"' in handle.read()
