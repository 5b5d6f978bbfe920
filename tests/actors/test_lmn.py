"""The national « lieux de médiation numérique » (LMN) standard both ways: the 2022 file's
places of the demo départements merged into the directory (one actor a place, every
source recorded), the per-place validation, and the export, validated by the standard's
official npm package run with node (scripts/validate-lmn.mjs), never by a copy of its rules."""

import csv
import io
import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from data_inclusion.schema.v1 import Structure
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db.models import Count

from carto.actors import lmn
from carto.actors.data_inclusion import to_structure
from carto.actors.importers import (
    ConseillersNumeriquesImporter,
    FranceServicesImporter,
    ImportAborted,
    LmnImporter,
)
from carto.actors.importers.lmn import SAME_PLACE_M, _address_key
from carto.actors.models import Actor, ActorSource
from carto.actors.records import RowError
from carto.actors.taxonomy import KINDS
from carto.geo import haversine_m
from carto.territories.codes import search_key
from tests.conftest import DEMO_DEPARTEMENTS

pytestmark = pytest.mark.django_db
SOURCE = LmnImporter.source
VALIDATOR = Path(settings.BASE_DIR) / "scripts" / "validate-lmn.mjs"
URL = "/api/v1/export/lmn/lieux.json"


@pytest.fixture(scope="module")
def places(data_dir):
    """The 2022 file's places of the demo départements (by postcode: it has no INSEE code)."""
    data = json.loads((data_dir / LmnImporter.default_file).read_text(encoding="utf-8"))
    return [p for p in data if lmn.departement_of_postcode(p["code_postal"]) in DEMO_DEPARTEMENTS]


def validate(tmp_path, items) -> subprocess.CompletedProcess:
    path = tmp_path / "lieux.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        ["node", str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120
    )


def export(client, **params) -> list[dict]:
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(b"".join(response.streaming_content))


def demo_importer(**kwargs) -> LmnImporter:
    return LmnImporter(departements=DEMO_DEPARTEMENTS, **kwargs)


class TestMergeOnTheDemo:
    def test_the_places_of_the_demo_are_read_and_the_rejects_name_their_field(self, places):
        summary = demo_importer().run(partial=True, dry_run=True)
        assert len(places) == 268  # SOURCES.md: HdF 260, Ariège 8
        assert 0 < len(summary.rejected) <= 3
        assert all(r.reason.startswith("champ « ") for r in summary.rejected)
        recorded = ActorSource.objects.filter(source=SOURCE).count()
        assert recorded == len(places) - len(summary.rejected)

    def test_each_place_is_one_listed_actor_where_it_stands(self, places):
        by_id = {p["id"]: p for p in places}
        sources = ActorSource.objects.filter(source=SOURCE).select_related("actor")
        assert sources.count() == len({s.source_id for s in sources})
        by_address = 0
        for source in sources:
            place, actor = by_id[source.source_id], source.actor
            assert actor.listed and not actor.host_only, place["nom"]
            metres = haversine_m((place["longitude"], place["latitude"]), actor.location.coords)
            if metres > SAME_PLACE_M:
                # Merged by SIRET at the address both files give (the 2022 points can be
                # kilometres off it): the actor keeps its position.
                assert actor.siret == place["pivot"]
                assert _address_key(actor.address, actor.postcode) == _address_key(
                    place["adresse"], place["code_postal"]
                )
                by_address += 1
        assert by_address <= 10

    def test_no_two_listed_actors_for_one_siret_or_one_name_here(self):
        shared = (
            Actor.objects.listed()
            .exclude(siret="")
            .values("siret")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not shared.exists()
        merged = Actor.objects.listed().filter(sources__source=SOURCE).distinct()
        for actor in merged:
            twins = (
                Actor.objects.listed()
                .in_directory()
                .filter(name_key=actor.name_key, geog__dwithin=(actor.location, SAME_PLACE_M))
                .exclude(id=actor.id)
            )
            assert not twins.exists(), actor.name

    def test_a_host_structure_keeps_its_identity_and_gains_the_place(self):
        sources = ActorSource.objects.filter(source=SOURCE)
        host = (
            Actor.objects.filter(source="conseillers_numeriques", sources__in=sources)
            .exclude(opening_hours="")
            .first()
        )
        assert host is not None
        assert {s.source for s in host.sources.all()} >= {"conseillers_numeriques", SOURCE}
        assert host.kind_id == "mediation-numerique"
        assert host.labels[0] == "Conseiller numérique France services"  # its own first
        assert host.labels.count("Conseiller numérique France services") == 1  # « CNFS »
        assert "Maîtrise des outils numériques du quotidien" in host.services
        assert host.access_conditions == ["Gratuit"]
        assert "numerique" in host.themes

    def test_a_france_services_keeps_its_hours_and_adds_the_place(self):
        france_services = Actor.objects.filter(
            source="france_services", sources__source=SOURCE
        ).distinct()
        assert france_services.exists()
        for actor in france_services:
            assert actor.kind_id == "france-services" and actor.services
            assert actor.labels[0] == "France services"

    def test_the_sites_of_a_structure_hang_on_the_siret_holder(self):
        somme = Actor.objects.get(source="conseillers_numeriques", name="DEPARTEMENT DE LA SOMME")
        sites = Actor.objects.filter(parent=somme, source=SOURCE)
        assert sites.count() >= 5 and all(s.name.startswith("MDSI") for s in sites)
        assert not sites.exclude(siret="").exists()

    def test_a_new_place_is_a_lieu_de_mediation_numerique(self):
        actor = Actor.objects.filter(source=SOURCE).exclude(opening_hours="").first()
        assert actor.kind_id == "mediation-numerique" and actor.last_verified.year == 2022
        assert actor.precision == "address" and actor.status == "published"

    def test_hours_the_osm_syntax_refuses_are_a_note(self, places):
        summary = demo_importer().run(partial=True, dry_run=True)
        notes = [n for n in summary.notes if "horaires" in n]
        assert notes and all("non reprises" in n for n in notes)
        bad = next(p for p in places if p.get("horaires") == "We,Fr 08:30-12:00,13:30-18:00; Mo 08:30-12:00-13:30")  # fmt: skip
        actor = ActorSource.objects.get(source=SOURCE, source_id=bad["id"]).actor
        assert actor.opening_hours == "" or actor.source != SOURCE

    def test_a_second_run_of_any_source_changes_nothing(self):
        for importer in (demo_importer(), ConseillersNumeriquesImporter(departements=DEMO_DEPARTEMENTS),
                         FranceServicesImporter(departements=DEMO_DEPARTEMENTS)):  # fmt: skip
            summary = importer.run(partial=True)
            assert summary.created == summary.updated == 0, importer.source
            assert not summary.duplicates


def place(**fields) -> dict:
    return {
        "id": "lieu-1",
        "pivot": "43493312300029",
        "nom": "Anonymal",
        "commune": "Reims",
        "code_postal": "51100",
        "adresse": "12 BIS RUE DE LECLERCQ",
        "date_maj": "2022-10-10",
        "services": "Maîtrise des outils numériques du quotidien",
        "latitude": 49.25,
        "longitude": 4.03,
    } | fields


class TestPlaceRecord:
    @pytest.mark.parametrize(
        ("fields", "named"),
        [({"code_postal": "5110"}, "code_postal"), ({"date_maj": "10/10/2022"}, "date_maj"),
         ({"services": "Faire du vélo"}, "services"), ({"latitude": "nord"}, "latitude"),
         ({"pivot": "123"}, "pivot"), ({"nom": ""}, "nom"), ({"code_insee": "5100"}, "code_insee"),
         ({"frais_a_charge": "Selon l'humeur"}, "frais_a_charge"), ({"longitude": None}, "longitude"),
         ({"dispositif_programmes_nationaux": "Club des cinq"}, "dispositif_programmes_nationaux")],
    )  # fmt: skip
    def test_a_malformed_field_rejects_the_place_naming_it(self, fields, named):
        with pytest.raises(RowError, match=f"champ.* « {named} »"):
            lmn.to_record(place(**fields))

    def test_the_2022_form_is_read_into_v1(self):
        record = lmn.to_record(
            place(
                services="Prendre en main un ordinateur, Approfondir ma culture numérique",
                conditions_access="Gratuit",
                labels_nationaux="CNFS, France Services, Aidants Connect",
                horaires="Mo-Fr 08:30-12:00,13:30-17:30; Th 08:30-12:00",
                courriel="accueil@example.org",
                telephone="+33494671587",
            )
        )
        assert record.services == [
            "Maîtrise des outils numériques du quotidien",
            "Compréhension du monde numérique",
        ]
        assert record.access_conditions == ["Gratuit"]
        assert record.labels == ["Conseiller numérique France services", "France services", "Aidants Connect"]  # fmt: skip
        assert record.opening_hours == "Mo-Fr 08:30-12:00,13:30-17:30; Th 08:30-12:00"
        assert record.email == "accueil@example.org" and record.siret == "43493312300029"
        assert record.kind == "mediation-numerique" and record.themes == ["numerique"]

    def test_bad_hours_and_contacts_are_notes_not_rejects(self):
        record = lmn.to_record(
            place(horaires="Fr 08:30-12:00-16:00", courriels="médiathèque@x.fr", pivot="214702383")
        )
        assert record.opening_hours == "" and record.email == "" and record.siret == ""
        assert sorted(n.split(" ")[0] for n in record.notes) == ["courriels", "horaires", "pivot"]

    def test_an_empty_range_is_a_note_not_24_hours(self):
        record = lmn.to_record(place(horaires="Mo,Tu 13:30-15:30; Th 00:00-00:00"))
        assert record.opening_hours == "" and "plage vide « 00:00-00:00 »" in record.notes[0]

    def test_an_atomic_import_names_the_place_and_the_field(self, tmp_path):
        path = tmp_path / "lieux.json"
        path.write_text(json.dumps([place(), place(id="lieu-2", code_postal="ABCDE")]))
        with pytest.raises(ImportAborted, match="lieu n° 2 : champ « code_postal »"):
            LmnImporter(path=path, source="lmn_test").run()
        assert not ActorSource.objects.filter(source="lmn_test").exists()

    def test_the_source_name_is_checked(self):
        with pytest.raises(ValueError, match="nom de source"):
            LmnImporter(source="Pas un nom")

    def test_the_command_takes_a_source_name(self, tmp_path):
        path = tmp_path / "lieux.json"
        path.write_text(json.dumps([place(latitude=50.4321, longitude=2.8301)]))
        out = io.StringIO()
        call_command("import_actors", SOURCE, file=str(path), source_name="lmn_cmd", stdout=out)
        assert out.getvalue().startswith("lmn_cmd : 1 créés")
        assert ActorSource.objects.filter(source="lmn_cmd", source_id="lieu-1").exists()
        with pytest.raises(CommandError, match="nom de source"):
            call_command("import_actors", SOURCE, file=str(path), source_name="Lmn 2024")
        with pytest.raises(CommandError, match="nom fixe"):
            call_command("import_actors", "france_services", source_name="autre")

    def test_a_csv_file_of_the_standard(self, tmp_path):
        path = tmp_path / "lieux.csv"
        rows = [place(services="Aide aux démarches administratives|Accès internet et matériel informatique",
                      latitude="50.4321", longitude="2.8301", code_postal="62300", commune="Lens")]  # fmt: skip
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=lmn.FIELDS)
            writer.writeheader()
            writer.writerows({k: v for k, v in row.items() if k in lmn.FIELDS} for row in rows)
        summary = LmnImporter(path=path, source="lmn_csv").run()
        assert summary.created + sum(summary.merged.values()) >= 1
        actor = ActorSource.objects.get(source="lmn_csv", source_id="lieu-1").actor
        assert "Accès internet et matériel informatique" in actor.services
        assert actor.commune_code == "62498"


class TestExport:
    def test_the_official_package_accepts_every_exported_place(self, client, tmp_path):
        items = export(client)
        assert len(items) > 200
        result = validate(tmp_path, items)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        assert result.stdout.strip().endswith(f"{len(items)} valides, 0 refusés")

    def test_the_official_package_refuses_a_broken_place(self, client, tmp_path):
        good = export(client, departement="62")[0]
        broken = [good, {**good, "code_postal": "62 300"}, {**good, "services": "Jardinage"}]
        result = validate(tmp_path, broken)
        assert result.returncode == 1
        assert "n° 2 " in result.stdout and "code_postal" in result.stdout
        assert "n° 3 " in result.stdout and "services" in result.stdout
        assert result.stdout.strip().endswith("1 valides, 2 refusés")

    def test_our_vocabularies_are_the_packages(self):
        result = subprocess.run(
            ["node", str(VALIDATOR), "--vocabulary"], capture_output=True, text=True, timeout=60
        )
        package = json.loads(result.stdout)
        assert list(lmn.SERVICES) == package["services"]
        assert list(lmn.FRAIS) == package["frais_a_charge"]
        assert list(lmn.DISPOSITIFS) == package["dispositif_programmes_nationaux"]
        assert list(lmn.FORMATIONS_LABELS) == package["formations_labels"]
        assert set(lmn.PUBLICS) == set(package["publics_specifiquement_adresses"])
        assert {lmn.ITINERANT, lmn.FIXED} == set(package["itinerance"])
        assert {k.typology for k in KINDS if k.typology} <= set(package["typologie"])
        assert set(lmn.LEGACY_SERVICES.values()) <= set(lmn.SERVICES)

    def test_the_scope_is_the_listed_actors_offering_services(self, client):
        items = export(client)
        ids = [int(item["id"].removeprefix("carto--")) for item in items]
        expected = Actor.objects.filter(
            status="published", duplicate_of__isnull=True, host_only=False
        ).exclude(services=[])
        assert ids == sorted(ids)
        assert set(ids) <= set(expected.values_list("id", flat=True))
        assert len(ids) >= expected.count() - 5  # the few without postcode or address
        kinds = set(Actor.objects.filter(id__in=ids).values_list("kind_id", flat=True))
        assert {"mediation-numerique", "france-services"} <= kinds
        item = items[0]
        assert set(lmn.REQUIRED) <= set(item) and item["services"]
        assert item["source"] == "carto" and item["itinerance"] in ("Fixe", "Itinérant")

    def test_a_site_goes_out_with_its_structure_siret(self, client):
        site = Actor.objects.listed().filter(source=SOURCE, parent__isnull=False).first()
        item = next(i for i in export(client) if i["id"] == f"carto--{site.id}")
        assert item["pivot"] == site.parent.siret and not site.siret

    def test_the_csv_holds_the_same_places(self, client):
        response = client.get("/api/v1/export/lmn/lieux.csv", {"departement": "59"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        items = export(client, departement="59")
        assert [r["id"] for r in rows] == [i["id"] for i in items] and len(rows) > 50
        assert list(rows[0]) == lmn.FIELDS
        phones = [r["telephone"] for r in rows if r["telephone"]]
        assert phones and all(p.startswith("0") for p in phones)

    def test_the_csv_never_carries_a_formula(self, client):
        payload = '=HYPERLINK("http://exemple.invalid/")'
        actor = Actor.objects.create(
            name=payload, kind_id="association", status="published", source="test",
            source_id="csv-lmn", location=Point(2.8319, 50.4329, srid=4326), postcode="62300",
            city="Lens", address="1 rue de la Paix", commune_code="62498",
            services=["Aide aux démarches administratives"],
        )  # fmt: skip
        response = client.get("/api/v1/export/lmn/lieux.csv")
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        row = next(r for r in rows if r["id"] == f"carto--{actor.id}")
        assert row["nom"] == "'" + payload
        assert lmn.to_record(row).name == payload  # the guard is ours: read back as written

    def test_bad_parameters_name_themselves(self, client):
        for url in (URL, "/api/v1/export/lmn/lieux.csv"):
            response = client.get(url, {"departement": "xx"})
            assert response.status_code == 400 and "« departement »" in response.json()["detail"]

    def test_the_export_round_trips(self, client, tmp_path):
        items = export(client)
        path = tmp_path / "lieux.json"
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        summary = LmnImporter(path=path, source="lmn_round_trip").run()
        assert summary.created == summary.updated == 0 and not summary.rejected
        found = dict(
            ActorSource.objects.filter(source="lmn_round_trip").values_list("source_id", "actor_id")
        )
        assert found == {item["id"]: int(item["id"].removeprefix("carto--")) for item in items}
        # And the CSV form reads back the same way.
        response = client.get("/api/v1/export/lmn/lieux.csv")
        path = tmp_path / "lieux.csv"
        path.write_bytes(b"".join(response.streaming_content))
        summary = LmnImporter(path=path, source="lmn_round_trip_csv").run()
        assert summary.created == summary.updated == 0 and not summary.rejected

    def test_a_place_without_a_postcode_stays_out(self):
        actor = Actor(pk=9, name="Lieu", kind_id="mediatheque", location=Point(2.8, 50.4),
                      services=["Aide aux démarches administratives"], address="1 rue")  # fmt: skip
        assert lmn.to_place(actor) is None
        actor.postcode, actor.city = "62300", "Lens"
        item = lmn.to_place(actor)
        assert item["typologie"] == "BIB" and item["pivot"] == lmn.PIVOT_UNKNOWN
        assert search_key(item["nom"]) == "lieu"


class TestDataInclusionKinds:
    """The places' kinds in the data·inclusion export (v1 has no typology: their réseau)."""

    def structure(self, **fields) -> dict:
        values = {"pk": 8, "name": "Un lieu du terrain", "location": Point(2.83, 50.43),
                  "commune_code": "62498", "last_verified": date(2024, 1, 1)} | fields  # fmt: skip
        item = to_structure(Actor(**values))
        Structure.model_validate(item)
        return item

    def test_a_fabrique_de_territoire_names_its_network(self):
        item = self.structure(kind_id="tiers-lieu", labels=["Fabrique de territoire"])
        assert item["reseaux_porteurs"] == ["fabrique-de-territoire"]

    def test_a_mediatheque_goes_out_without_a_network(self):
        assert self.structure(kind_id="mediatheque")["reseaux_porteurs"] is None

    def test_a_merged_place_names_every_network_of_its_labels(self, client):
        labels = ["Conseiller numérique France services", "France services", "Aidants Connect"]
        item = self.structure(kind_id="mediation-numerique", labels=labels)
        assert item["reseaux_porteurs"] == [
            "aidants-connect", "conseillers-numeriques", "france-service"
        ]  # fmt: skip
