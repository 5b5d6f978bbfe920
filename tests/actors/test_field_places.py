"""The field's places on the real files and the demo départements: the State's tiers-lieux
(Fabriques de territoire, Manufactures de proximité), the public libraries, the town
halls as host places, and the posts funded by the politique de la ville.

Expected values are computed here from the files themselves (json, csv) and from the
territory outlines (shapely), never from what the importers wrote."""

import csv
import json
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
import shapely
from django.core.management import call_command
from django.db import connection
from shapely.strtree import STRtree

from carto.actors.importers import (
    ActorImportSummary,
    BibliothequesImporter,
    FabriquesDeTerritoireImporter,
    ImportAborted,
    MairiesImporter,
    ManufacturesDeProximiteImporter,
)
from carto.actors.importers.funded_posts import FundedPostsEnrichment
from carto.actors.importers.mairies import town_hall_name, with_article
from carto.actors.models import Actor, ActorSource, Precision
from carto.territories.codes import search_key
from carto.territories.models import Territory

from ..conftest import DEMO_DEPARTEMENTS

pytestmark = pytest.mark.django_db
FABT_FILE = "acteurs/anct_fabriques_de_territoire.geojson"
MANUPROX_FILE = "acteurs/anct_manufactures_de_proximite.geojson"
LIBRARIES_FILE = "acteurs/bibliotheques_publiques_culture.csv"
COMMUNES_FILE = "communes/communes_2025_points.csv"
AR_FILE = "acteurs/politique_ville_adultes_relais_2023.json"
FONJEP_FILE = "acteurs/politique_ville_postes_fonjep_2023.json"
HDF = {"02", "59", "60", "62", "80"}


def departement(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def read(importer):
    """What an importer makes of its file (records and summary), nothing written."""
    summary = ActorImportSummary(source=importer.source)
    return importer.read(summary), summary


def fingerprint(source: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(a::text, '|' ORDER BY id), '')) "
            "FROM actors_actor a WHERE source = %s",
            [source],
        )
        return cursor.fetchone()


def posts_fingerprint():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(coalesce(string_agg(id || ':' || funded_posts::text, '|' ORDER BY id), '')) "
            "FROM actors_actor WHERE funded_posts <> '{}'"
        )
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def library_rows(data_dir):
    with (data_dir / LIBRARIES_FILE).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def demo_library_rows(library_rows):
    return [r for r in library_rows if r["code_departement"] in DEMO_DEPARTEMENTS]


# -- Fabriques de territoire, Manufactures de proximité ------------------------------------


def tiers_lieux_of(data_dir, name: str) -> dict[str, tuple[str, str, list[float]]]:
    """{id_territoire: (name as in the file, INSEE code, point)} of the demo features."""
    features = json.loads((data_dir / name).read_text(encoding="utf-8"))["features"]
    found = {}
    for feature in features:
        props = feature["properties"]
        if departement(props["id_geo"]) not in DEMO_DEPARTEMENTS:
            continue
        ids = props["id_territoire"].split("; ")
        names = props["lib_territoire"].split("; ")
        assert len(ids) == len(names)
        for source_id, label in zip(ids, names, strict=True):
            found[source_id] = (label, props["id_geo"], feature["geometry"]["coordinates"])
    return found


class TestAnctTiersLieux:
    @pytest.mark.parametrize(
        "source, name, hdf, ariege",
        [
            ("fabriques_de_territoire", FABT_FILE, 27, 2),
            ("manufactures_de_proximite", MANUPROX_FILE, 8, 3),
        ],
    )
    def test_every_tiers_lieu_of_the_demo_once_at_its_commune(
        self, data_dir, source, name, hdf, ariege
    ):
        expected = tiers_lieux_of(data_dir, name)
        by_departement = Counter(departement(code) for _, code, _ in expected.values())
        assert sum(by_departement[d] for d in HDF) == hdf and by_departement["09"] == ariege
        actors = {a.source_id: a for a in Actor.objects.filter(source=source)}
        assert set(actors) == set(expected)
        label = "Fabrique de territoire" if source.startswith("fabriques") else "Manufacture de proximité"  # fmt: skip
        for source_id, (_, commune, (lon, lat)) in expected.items():
            actor = actors[source_id]
            assert actor.kind_id == "tiers-lieu" and actor.status == "published"
            assert actor.precision == Precision.COMMUNE and actor.to_locate
            assert actor.commune_code == commune
            assert label in actor.labels and label in actor.network
            assert (actor.location.x, actor.location.y) == pytest.approx((lon, lat), abs=1e-9)
            assert actor.sources.filter(source=source, source_id=source_id).exists()

    def test_names_split_pairwise_and_cleaned(self):
        roubaix = dict(
            Actor.objects.filter(
                source="fabriques_de_territoire", commune_code="59512"
            ).values_list("source_id", "name")
        )
        assert roubaix == {
            "fabt-32": "LA CONDITION PUBLIQUE EPCC",
            "fabt-155": "La Fabrique MONSCOBAR",
        }
        nourricier = Actor.objects.get(source="fabriques_de_territoire", source_id="fabt-372")
        assert nourricier.name == "Tiers-lieu Nourricier du Boulonnais"
        assert "coopérative de quartier" in nourricier.description
        # The line naming a representative is a person, not the place: left out.
        bouillon = Actor.objects.get(source="fabriques_de_territoire", source_id="fabt-337")
        assert bouillon.name == "Bouillon de printemps"
        assert "Petit" not in bouillon.description

    def test_whole_file_rejects_the_empty_point_and_the_unpaired_lists_by_name(self):
        records, summary = read(FabriquesDeTerritoireImporter())
        assert len(records) == 381
        [empty] = summary.rejected
        assert empty.source_id == "fabt-364" and "géométrie vide" in empty.reason
        assert "ANIS" in empty.reason and "97801" in empty.reason
        # « Ressources &amp; Compétences » holds a « ; » that separates nothing.
        assert not any("fabt-210" in r.source_id for r in summary.rejected)

        records, summary = read(ManufacturesDeProximiteImporter())
        assert len(records) == 107
        reasons = {r.source_id: r.reason for r in summary.rejected}
        assert set(reasons) == {"manuprox-1-36; manuprox-1-46", "manuprox-1-26; manuprox-2-93"}
        assert "2 identifiant(s)" in reasons["manuprox-1-26; manuprox-2-93"]
        assert "Manufacture du Haut-Clunisois" in reasons["manuprox-1-26; manuprox-2-93"]

    def test_without_partial_the_first_bad_row_aborts_in_french(self):
        with pytest.raises(ImportAborted, match=r"géométrie vide.*Rien n'a été écrit"):
            FabriquesDeTerritoireImporter().run()


# -- Public libraries ---------------------------------------------------------------------


def has_point(row) -> bool:
    return bool(row["Longitude"].strip() and row["Latitude"].strip())


class TestLibraries:
    def test_every_open_library_and_departmental_library_of_the_demo(self, demo_library_rows):
        open_ones = {
            r["Code_bib"]
            for r in demo_library_rows
            if r["type_adresse"] in ("Bâtiment ouvert", "Bibliobus") and has_point(r)
        }
        departementales = {
            r["Code_bib"]
            for r in demo_library_rows
            if r["type_adresse"] == "Bibliothèque départementale"
        }
        hdf = [r for r in demo_library_rows if r["code_departement"] in HDF]
        assert len(hdf) == 1246 and len(demo_library_rows) - len(hdf) == 76
        actors = {a.source_id: a for a in Actor.objects.filter(source="bibliotheques")}
        assert set(actors) == open_ones | departementales
        assert all(a.kind_id == "mediatheque" and a.status == "published" for a in actors.values())
        listed = set(
            Actor.objects.listed()
            .matching({"kind": ["mediatheque"]})
            .filter(source="bibliotheques")
            .values_list("source_id", flat=True)
        )
        duplicates = {a.source_id for a in actors.values() if a.duplicate_of_id}
        assert listed == set(actors) - duplicates

    def test_skipped_and_rejected_counts_match_the_file(self, demo_library_rows):
        _, summary = read(BibliothequesImporter(departements=DEMO_DEPARTEMENTS))
        types = Counter(r["type_adresse"] for r in demo_library_rows)
        assert summary.skipped == {
            "lieu uniquement administratif": types["Lieu uniquement administratif"],
            "réserve de documents non ouverte au public": types[
                "Réserve de documents non ouverte au public"
            ],
        }
        assert summary.skipped == {
            "lieu uniquement administratif": 21,
            "réserve de documents non ouverte au public": 1,
        }
        no_point = {
            r["Code_bib"]
            for r in demo_library_rows
            if r["type_adresse"] == "Bâtiment ouvert" and not has_point(r)
        }
        assert {r.source_id for r in summary.rejected} == no_point == {"LI2502", "LI2558"}
        assert all("pas de coordonnées" in r.reason for r in summary.rejected)
        assert summary.out_of_scope == 15702 - len(demo_library_rows)
        assert "  Ignorés : 21 (lieu uniquement administratif)" in summary.lines()

    def test_whole_file_skips_by_type(self, library_rows):
        _, summary = read(BibliothequesImporter())
        types = Counter(r["type_adresse"] for r in library_rows)
        assert summary.skipped["lieu uniquement administratif"] == types["Lieu uniquement administratif"] == 190  # fmt: skip
        assert summary.skipped["réserve de documents non ouverte au public"] == 17
        assert summary.skipped["type d’adresse inconnu (« 0 »)"] == types["0"] == 24

    def test_bibliobus_and_departmental_libraries_are_itinerant(self, demo_library_rows):
        bibliobus = Actor.objects.get(source="bibliotheques", source_id="LI14478")
        assert bibliobus.name == "Bibliobus" and bibliobus.itinerant
        assert bibliobus.precision == Precision.ADDRESS and not bibliobus.to_locate
        departementales = Actor.objects.filter(source="bibliotheques", source_id__startswith="BD")
        assert departementales.count() == 14
        for library in departementales:
            assert library.itinerant and library.to_locate
            assert library.precision == Precision.COMMUNE
            assert library.service_area_codes == [f"departement:{library.departement_code}"]
            assert library.service_area is not None
        arras = departementales.get(source_id="BD18083")
        assert arras.commune_code == "62041"
        fixed = Actor.objects.filter(source="bibliotheques", itinerant=False)
        assert not fixed.filter(name__iregex=r"bibliobus|m[ée]diabus").exists()

    def test_amenities_and_website_from_the_file(self, demo_library_rows):
        actors = {
            a.source_id: a
            for a in Actor.objects.filter(source="bibliotheques").only(
                "source_id", "amenities", "website"
            )
        }
        for row in demo_library_rows:
            actor = actors.get(row["Code_bib"])
            if actor is None:
                continue
            expected = set()
            if row["connexion_wi_fi"] == "Oui":
                expected.add("wifi")
            if row["ouverture_le_dimanche"] == "Oui":
                expected.add("ouvert-le-dimanche")
            if row["gratuite_des_services"] == "Oui":
                expected.add("gratuit")
            if row["nombre_actions_culturelles"] and float(row["nombre_actions_culturelles"]) > 0:
                expected.add("actions-culturelles")
            assert set(actor.amenities) == expected, row["Code_bib"]
            site = row["site_internet"].strip()
            if site.lower().startswith(("http://", "https://")) and " " not in site:
                assert actor.website.lower() == site.lower(), row["Code_bib"]
            if site in ("0", "non", "oui", "NC", "Site internet propre", ""):
                assert actor.website == "", row["Code_bib"]

    def test_commune_from_the_coordinates_agrees_with_shapely(self, demo_library_rows):
        communes = list(
            Territory.objects.filter(kind="commune").values_list("code", "name", "geom")
        )
        outlines = [shapely.from_wkb(bytes(geom.wkb)) for _, _, geom in communes]
        tree = STRtree(outlines)
        placed = Actor.objects.filter(source="bibliotheques", precision=Precision.ADDRESS)
        assert placed.count() == 1284
        for actor in placed:
            point = shapely.Point(actor.location.x, actor.location.y)
            holding = {communes[i][0] for i in tree.query(point, predicate="intersects")}
            assert actor.commune_code in holding, actor.source_id

    def test_disagreements_with_the_file_s_commune_are_notes(self, demo_library_rows):
        _, summary = read(BibliothequesImporter(departements=DEMO_DEPARTEMENTS))
        noted = {re.search(r" : (\w+) « ", note).group(1) for note in summary.notes}
        names = dict(Territory.objects.filter(kind="commune").values_list("code", "name"))
        actors = dict(
            Actor.objects.filter(source="bibliotheques", precision=Precision.ADDRESS).values_list(
                "source_id", "commune_code"
            )
        )
        rows = {r["Code_bib"]: r for r in demo_library_rows}
        # A note names a library whose file commune is not the one its point stands in…
        for source_id in noted:
            assert search_key(rows[source_id]["Ville"]) != search_key(names[actors[source_id]])
        # … and every library whose file commune is plainly that one has none.
        for source_id, commune in actors.items():
            if search_key(rows[source_id]["Ville"]) == search_key(names[commune]):
                assert source_id not in noted
        # Hesdin merged into Hesdin-la-Forêt; Montgaillard is spelt Montgailhard.
        assert {"LI11165", "LI16338"} <= noted
        assert all(not r.reason.startswith("commune") for r in summary.rejected)

    def test_second_import_changes_nothing(self):
        before = fingerprint("bibliotheques")
        summary = BibliothequesImporter(departements=DEMO_DEPARTEMENTS).run(partial=True)
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1298)
        assert fingerprint("bibliotheques") == before

    def test_a_row_without_coordinates_aborts_a_strict_import(self):
        with pytest.raises(ImportAborted, match=r"LI2502|Fort-Mardyck"):
            BibliothequesImporter(departements=["59"]).run(dry_run=True)


# -- Town halls ---------------------------------------------------------------------------


class TestTownHalls:
    def test_one_host_place_per_loaded_commune(self, data_dir):
        loaded = set(Territory.objects.filter(kind="commune").values_list("code", flat=True))
        assert len(loaded) == 4107
        town_halls = Actor.objects.filter(source="mairies")
        assert set(town_halls.values_list("source_id", flat=True)) == loaded
        assert town_halls.count() == len(loaded)
        assert not town_halls.exclude(kind="collectivite", host_only=True, status="published").exists()  # fmt: skip
        with (data_dir / COMMUNES_FILE).open(encoding="utf-8-sig") as handle:
            rows = {r["insee_com"]: r for r in csv.DictReader(handle) if r["insee_com"] in loaded}
        without_point = {code for code, r in rows.items() if not r["mairie_lon"]}
        assert len(without_point) == 5
        located = set(
            town_halls.filter(precision=Precision.COMMUNE, to_locate=True).values_list(
                "source_id", flat=True
            )
        )
        assert located == without_point
        arras = town_halls.get(source_id="62041")
        assert (arras.location.x, arras.location.y) == (
            float(rows["62041"]["mairie_lon"]),
            float(rows["62041"]["mairie_lat"]),
        )
        assert arras.precision == Precision.ADDRESS and arras.address == "6 place Guy-Mollet"
        assert arras.postcode == "62000" and arras.commune_code == "62041"

    @pytest.mark.parametrize(
        "code, name",
        [
            ("62041", "Mairie d'Arras"),
            ("62667", "Mairie du Portel"),
            ("59051", "Mairie de La Bassée"),
            ("02038", "Mairie des Autels"),
            ("80263", "Mairie de L'Échelle-Saint-Aurin"),
            ("59295", "Mairie d'Hazebrouck"),  # h muet
            ("59299", "Mairie de Hem"),  # h aspiré
            ("62427", "Mairie d'Hénin-Beaumont"),
            ("09229", "Mairie du Peyrat"),
            ("59350", "Mairie de Lille"),
        ],
    )
    def test_names_follow_french_elision(self, code, name):
        assert Actor.objects.get(source="mairies", source_id=code).name == name

    def test_elision_rules(self):
        assert town_hall_name("Les Mureaux") == "Mairie des Mureaux"
        assert town_hall_name("L'Isle-Adam") == "Mairie de L'Isle-Adam"
        assert town_hall_name("Œuilly") == "Mairie d'Œuilly"
        assert town_hall_name("Yvetot") == "Mairie d'Yvetot"
        assert town_hall_name("Hauteville", h_aspire=True) == "Mairie de Hauteville"
        assert with_article("Mureaux", ["", "Les Mureaux"]) == "Les Mureaux"
        assert with_article("Portel", ["Le Portel"]) == "Le Portel"
        assert with_article("Lille", ["Lille"]) == "Lille"

    def test_absent_from_the_directory_unless_their_kind_is_asked_for(self, client):
        def names(**params):
            response = client.get("/api/v1/actors/", {"page_size": 500, **params})
            assert response.status_code == 200
            return {f["properties"]["name"] for f in json.loads(response.content)["features"]}

        assert "Mairie d'Arras" not in names(territory="commune:62041")
        assert "Mairie d'Arras" in names(territory="commune:62041", kind="collectivite")
        assert not Actor.objects.listed().matching({}).filter(host_only=True).exists()

    def test_second_import_changes_nothing(self):
        before = fingerprint("mairies")
        summary = MairiesImporter(departements=DEMO_DEPARTEMENTS).run()
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4107)
        assert fingerprint("mairies") == before

    def test_a_bad_coordinate_is_rejected_in_french(self, data_dir, tmp_path):
        text = (data_dir / COMMUNES_FILE).read_text(encoding="utf-8")
        path = tmp_path / "communes.csv"
        path.write_text(text.replace("2.778515", "abc", 1), encoding="utf-8")
        _, summary = read(MairiesImporter(path=path, departements=["62"]))
        [rejected] = summary.rejected
        assert rejected.source_id == "62041" and "illisible" in rejected.reason


# -- Funded posts -------------------------------------------------------------------------


def posts_by_employer(data_dir, name: str) -> dict[str, set[str]]:
    rows = json.loads((data_dir / name).read_text(encoding="utf-8"))
    posts = defaultdict(set)
    for row in rows:
        if row.get("insee_dep") in DEMO_DEPARTEMENTS:
            posts[row["code_tiers"]].add(row["id_poste"])
    return posts


def run_posts(*args, **options) -> str:
    out = StringIO()
    call_command("import_funded_posts", *args, stdout=out, **options)
    return out.getvalue()


class TestFundedPosts:
    def test_adultes_relais_on_every_actor_with_the_employer_s_siret(self, data_dir):
        posts = posts_by_employer(data_dir, AR_FILE)
        assert all(re.fullmatch(r"\d{14}", siret) for siret in posts)
        actors = Actor.objects.filter(siret__in=list(posts))
        matched = {a.siret for a in actors}
        assert len(matched) == 42
        for actor in actors:
            assert actor.funded_posts["adultes-relais"] == len(posts[actor.siret])
        assert (
            not Actor.objects.filter(funded_posts__has_key="adultes-relais")
            .exclude(siret__in=list(posts))
            .exists()
        )
        roubaix = Actor.objects.get(siret="21590512600011", duplicate_of__isnull=True)
        assert roubaix.funded_posts["adultes-relais"] == 19
        sources = ActorSource.objects.filter(source="adultes_relais")
        assert set(sources.values_list("source_id", flat=True)) == matched
        summary = FundedPostsEnrichment("adultes-relais", departements=DEMO_DEPARTEMENTS).run(
            dry_run=True
        )
        assert (summary.employers, summary.matched_by_siret) == (len(posts), 42)
        assert summary.unmatched == len(posts) - 42
        assert summary.unmatched_posts == sum(
            len(ids) for siret, ids in posts.items() if siret not in matched
        )
        assert not Actor.objects.filter(source__in=["adultes_relais", "fonjep"]).exists()

    def test_fonjep_has_no_siret_and_is_matched_by_name_in_its_departement(self, data_dir):
        rows = json.loads((data_dir / FONJEP_FILE).read_text(encoding="utf-8"))
        assert not any(re.fullmatch(r"\d{14}", r["code_tiers"]) for r in rows)
        posts = posts_by_employer(data_dir, FONJEP_FILE)
        departements = defaultdict(set)
        for row in rows:
            if row.get("insee_dep") in DEMO_DEPARTEMENTS:
                departements[row["code_tiers"]].add(row["insee_dep"])
        matched = defaultdict(set)  # actor id -> the posts of every employer matching it
        originals = Actor.objects.filter(duplicate_of__isnull=True, host_only=False)
        for name, deps in departements.items():
            same = list(originals.filter(name_key=search_key(name), departement_code__in=deps))
            if len(same) == 1:
                matched[same[0].id] |= posts[name]
        expected = {actor_id: len(ids) for actor_id, ids in matched.items()}
        assert len(expected) == 5
        assert (
            dict(
                Actor.objects.filter(funded_posts__has_key="fonjep").values_list(
                    "id", "funded_posts__fonjep"
                )
            )
            == expected
        )

    def test_re_running_sets_never_adds(self):
        before = posts_fingerprint()
        output = run_posts(departements=DEMO_DEPARTEMENTS)
        for programme, slug in (("adultes_relais", "adultes-relais"), ("fonjep", "fonjep")):
            holders = Actor.objects.filter(funded_posts__has_key=slug).count()
            [line] = [line for line in output.splitlines() if line.startswith(programme)]
            assert f"0 acteurs mis à jour, 0 retirés, {holders} inchangés" in line
        assert posts_fingerprint() == before
        actor = Actor.objects.get(siret="21590512600011", duplicate_of__isnull=True)
        Actor.objects.filter(id=actor.id).update(funded_posts={"adultes-relais": 99})
        stranger = Actor.objects.filter(source="mairies").first()
        Actor.objects.filter(id=stranger.id).update(funded_posts={"fonjep": 4})
        run_posts(departements=DEMO_DEPARTEMENTS)
        assert Actor.objects.get(id=actor.id).funded_posts["adultes-relais"] == 19
        assert Actor.objects.get(id=stranger.id).funded_posts == {}
        assert posts_fingerprint() == before

    def test_bad_rows_are_named_in_french(self, tmp_path):
        path = tmp_path / "ar.json"
        path.write_text(
            json.dumps(
                [
                    {"id_poste": "1", "code_tiers": "", "insee_dep": "59"},
                    {"id_poste": "2", "code_tiers": "21590512600011", "insee_dep": "59"},
                ]
            ),
            encoding="utf-8",
        )
        summary = FundedPostsEnrichment("adultes-relais", path=path).run(dry_run=True)
        [rejected] = summary.rejected
        assert rejected.line == "objet n° 1" and "« code_tiers » vide" in rejected.reason
        assert summary.matched_by_siret == 1
        path.write_text("[{", encoding="utf-8")
        with pytest.raises(ImportAborted, match="JSON invalide"):
            FundedPostsEnrichment("adultes-relais", path=path).run()


def test_the_anct_tiers_lieux_re_import_changes_nothing():
    for importer in (FabriquesDeTerritoireImporter, ManufacturesDeProximiteImporter):
        before = fingerprint(importer.source)
        summary = importer(departements=DEMO_DEPARTEMENTS).run()
        assert summary.created == summary.updated == 0 and not summary.rejected
        assert fingerprint(importer.source) == before
