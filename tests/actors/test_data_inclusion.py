"""The data·inclusion « structures » schema (v1) both ways, checked with the official
package: the export endpoint on the session's real data, the round trip through our
importer, and the importer's per-row validation (atomic or partial)."""

import json
import re
from datetime import date

import pytest
from data_inclusion.schema.v1 import Structure
from django.contrib.gis.geos import Point
from django.db.models import Count

from carto.actors.data_inclusion import (
    NETWORK_KINDS,
    _network_named,
    structure_data,
    themes_of,
    to_structure,
)
from carto.actors.importers.base import ImportAborted
from carto.actors.importers.data_inclusion import DataInclusionImporter
from carto.actors.models import Actor, Precision

pytestmark = pytest.mark.django_db
URL = "/api/v1/export/data-inclusion/structures.json"
BUS = "Bus France services Pimms Médiation Lens"


def export_bytes(client, **params) -> bytes:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:400] if not response.streaming else ""
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return b"".join(response.streaming_content)


def export(client, **params) -> list[dict]:
    return json.loads(export_bytes(client, **params))


def exported_actors():
    """Published, not a flagged duplicate, not a host place only (a town hall)."""
    return Actor.objects.filter(status="published", duplicate_of__isnull=True, host_only=False)


def actor_id(item: dict) -> int:
    source, _, pk = item["id"].partition("--")
    assert source == item["source"] == "carto"
    return int(pk)


def write_file(tmp_path, items) -> str:
    path = tmp_path / "structures.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


class TestExport:
    def test_every_published_actor_once_valid_for_the_official_model(self, client):
        items = export(client)
        expected = list(exported_actors().order_by("id").values_list("id", flat=True))
        assert len(expected) > 300  # the session's demo directory, not a stub
        assert [actor_id(item) for item in items] == expected
        for item in items:
            Structure.model_validate(item, context={"ignore_warnings": True})
        # Nothing the model does not know, nothing it would have filled differently.
        assert all(set(item) == set(Structure.model_fields) for item in items)
        # Pending and duplicate actors stay out.
        pending = Actor.objects.exclude(status="published").values_list("id", flat=True)
        duplicates = Actor.objects.filter(duplicate_of__isnull=False).values_list("id", flat=True)
        assert duplicates.exists() or pending.exists()
        assert not {actor_id(i) for i in items} & ({*pending} | {*duplicates})

    def test_a_known_france_services_with_its_fields(self, client):
        bus = Actor.objects.get(source="france_services", name=BUS, commune_code="62498")
        items = {item["id"]: item for item in export(client)}
        item = items[f"carto--{bus.id}"]
        assert bus.phone.startswith("0") and bus.email
        assert item == {
            "source": "carto",
            "id": f"carto--{bus.id}",
            "nom": BUS,
            "date_maj": "2024-08-01",
            "description": bus.description,
            "lien_source": "https://www.france-services.gouv.fr/",
            "siret": None,
            "commune": bus.city,
            "code_postal": bus.postcode,
            "code_insee": "62498",
            "adresse": bus.address,
            "complement_adresse": bus.address_extra or None,
            "longitude": pytest.approx(bus.location.x, abs=1e-9),
            "latitude": pytest.approx(bus.location.y, abs=1e-9),
            "telephone": "+33" + re.sub(r"\D", "", bus.phone)[1:],
            "courriel": bus.email,
            "site_web": None,
            "horaires_accueil": "Mo 13:30-16:30; Tu-Fr 09:00-12:00,13:30-16:30",
            "accessibilite_lieu": None,
            "reseaux_porteurs": ["france-service"],
        }
        assert item["description"].startswith("France services : bus France services.")
        assert len(item["code_postal"]) == 5 and item["commune"]

    def test_a_conseiller_numerique_host_carries_its_network_and_siret(self, client):
        # A host structure that no other source enriched (a merged place has later dates).
        host = (
            exported_actors()
            .filter(source="conseillers_numeriques")
            .exclude(siret="")
            .annotate(n=Count("sources"))
            .filter(n=1)
            .first()
        )
        item = next(i for i in export(client) if i["id"] == f"carto--{host.id}")
        assert item["siret"] == host.siret and len(host.siret) == 14
        assert item["reseaux_porteurs"] == ["conseillers-numeriques"]
        assert item["nom"] == host.name and item["date_maj"] == "2022-06-01"

    def test_the_private_contact_never_leaves(self, client):
        bus = Actor.objects.get(source="france_services", name=BUS, commune_code="62498")
        Actor.objects.filter(pk=bus.pk).update(
            contact_name="Gertrude Zyxwvuts",
            contact_email="gertrude.zyxwvuts@example.org",
            contact_phone="06 99 98 97 96",
        )
        body = export_bytes(client)
        assert bus.email.encode() in body  # the public address does go out
        for secret in ("Zyxwvuts", "zyxwvuts@", "06 99 98 97 96", "+33699989796", "0699989796"):
            assert secret.encode() not in body

    def test_departement_filter(self, client):
        items = export(client, departement="09")
        expected = exported_actors().filter(departement_code="09")
        assert 0 < len(items) == expected.count() < exported_actors().count()
        assert {actor_id(i) for i in items} == set(expected.values_list("id", flat=True))
        assert all(i["code_insee"].startswith("09") for i in items if i["code_insee"])
        assert export(client, departement="75") == []  # well formed, nothing loaded there

    @pytest.mark.parametrize(
        ("params", "name"),
        [({"departement": "xx"}, "departement"), ({"departement": "620"}, "departement"),
         ({"dept": "62"}, "dept")],
    )  # fmt: skip
    def test_bad_parameters_name_themselves(self, client, params, name):
        response = client.get(URL, params)
        assert response.status_code == 400
        assert f"« {name} »" in response.json()["detail"]

    def test_cache_headers(self, client):
        response = client.get(URL, {"departement": "09"})
        assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]


class TestStructureMapping:
    """Values the session data does not hold, on unsaved actors."""

    def actor(self, **fields) -> Actor:
        values = {
            "pk": 7,
            "name": "Maison des jeunes",
            "kind_id": "mjc",
            "location": Point(1.6, 42.96, srid=4326),
            "commune_code": "09122",
            "last_verified": date(2024, 3, 1),
        } | fields
        return Actor(**values)

    def test_lengths_networks_and_refused_optional_values(self):
        item = to_structure(
            self.actor(
                name="M" * 200,
                description="x" * 12_000,
                website="pas une adresse",
                email="pas@",
                labels=["Mission Locale", "Espace labellisé 01/01/2020"],
                phone="05 61 02 03 04",
            )
        )
        Structure.model_validate(item)
        assert len(item["nom"]) == 150 and item["nom"].endswith("…")
        assert len(item["description"]) == 10_000
        assert item["site_web"] is None and item["courriel"] is None  # refused, dropped
        assert item["reseaux_porteurs"] == ["mission-locale", "mjc"]
        assert item["telephone"] == "+33561020304"

    def test_short_texts_overseas_phones_and_unknown_kinds(self):
        data = structure_data(
            self.actor(kind_id="centre-social", description="abc", phone="0590 12 34 56", commune_code="97105")
        )  # fmt: skip
        assert data["description"] is None  # under the schema's 5 characters
        assert data["telephone"] == "0590 12 34 56"
        assert data["reseaux_porteurs"] is None  # no network implied by « centre social »
        assert to_structure(self.actor(name="AB")) is None  # a name the schema refuses

    def test_thematiques_to_themes(self):
        themes, unmapped = themes_of(
            [
                "numerique--acceder-a-des-services-en-ligne",
                "famille--garde-denfants",
                "remobilisation--benevolat-action-citoyenne",
                "remobilisation--lien-social",
                "astrologie--horoscope",
            ]
        )
        assert themes == ["numerique", "parentalite", "citoyennete"]
        assert unmapped == ["remobilisation--lien-social", "astrologie--horoscope"]


class TestRoundTrip:
    def test_export_then_import_gives_the_same_directory(self, client, tmp_path):
        items = export(client)
        originals = {a.id: a for a in exported_actors()}
        summary = DataInclusionImporter(path=write_file(tmp_path, items)).run()
        assert (summary.created, summary.rejected) == (len(items), [])
        imported = {a.source_id: a for a in Actor.objects.filter(source="data_inclusion")}
        assert len(imported) == len(items)
        kinds_carried = {"france-services", "mediation-numerique"}
        assert kinds_carried <= {a.kind_id for a in originals.values()}
        network_kinds = list(NETWORK_KINDS.items())  # by priority
        for item in items:
            original, copy = originals[actor_id(item)], imported[item["id"]]
            assert copy.name == original.name
            # The kind of the first réseau porteur (by priority) that names one, else « autre ».
            networks = set(item["reseaux_porteurs"] or [])
            assert copy.kind_id == next(
                (kind for network, kind in network_kinds if network.value in networks), "autre"
            )
            if original.kind_id in kinds_carried and len(networks) == 1:
                assert copy.kind_id == original.kind_id
            assert copy.location.x == pytest.approx(original.location.x, abs=1e-6)
            assert copy.location.y == pytest.approx(original.location.y, abs=1e-6)
            assert (copy.siret, copy.postcode, copy.commune_code) == (
                original.siret,
                original.postcode,
                original.commune_code,
            )
            assert (copy.address, copy.address_extra, copy.city, copy.opening_hours) == (
                original.address,
                original.address_extra,
                original.city,
                original.opening_hours,
            )
            # One address per structure: the first of a field that held several.
            assert copy.email == original.email.split(" ")[0]
            assert copy.description == original.description
            assert copy.last_verified == date.fromisoformat(item["date_maj"])
            assert original.last_verified in (None, copy.last_verified)
            digits = re.sub(r"\D", "", original.phone)  # national (03…) or already E.164 (+33…)
            international = "33" + digits[1:] if digits.startswith("0") else digits
            assert re.sub(r"\D", "", copy.phone) == international
            assert copy.source_url == original.source_url
            # v1 structures carry no themes (they belong to services): none come back.
            assert copy.themes == []
            # The labels that name a réseau come back (in the réseaux' order); others
            # (« Espace labellisé … », « Manufacture de proximité ») cannot.
            carried = [label for label in original.labels if _network_named(label)]
            assert sorted(carried) == sorted(copy.labels)
            assert not [label for label in copy.labels if label not in original.labels]
        # A second import of the same file changes nothing.
        again = DataInclusionImporter(path=tmp_path / "structures.json").run()
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(items))


def valid_structure(**fields) -> dict:
    return {
        "source": "dora",
        "id": "dora--abc-1",
        "nom": "Centre social des Trois Cités",
        "date_maj": "2025-01-15",
        "siret": "13003013300016",
        "commune": "Foix",
        "code_postal": "09000",
        "code_insee": "09122",
        "adresse": "2 rue de la République",
        "longitude": 1.6053,
        "latitude": 42.9639,
        "horaires_accueil": "Mo-Fr 09:00-12:00",
        "reseaux_porteurs": ["fcsf"],
    } | fields


class TestImport:
    def bad_file(self, tmp_path):
        missing_name = valid_structure(id="dora--abc-3")
        del missing_name["nom"]
        return write_file(
            tmp_path,
            [valid_structure(), valid_structure(id="dora--abc-2", siret="1234"), missing_name],
        )

    def test_atomic_by_default_names_the_row_and_the_field(self, tmp_path):
        with pytest.raises(ImportAborted) as error:
            DataInclusionImporter(path=self.bad_file(tmp_path)).run()
        message = str(error.value)
        assert "objet n° 2" in message and "« siret »" in message and "1234" in message
        assert "1 autre(s) ligne(s) rejetée(s)" in message
        assert not Actor.objects.filter(source="data_inclusion").exists()

    def test_partial_writes_the_valid_row_and_lists_the_others(self, tmp_path):
        summary = DataInclusionImporter(path=self.bad_file(tmp_path)).run(partial=True)
        assert summary.created == 1
        assert [(r.line, r.source_id) for r in summary.rejected] == [
            ("objet n° 2", "dora--abc-2"),
            ("objet n° 3", "dora--abc-3"),
        ]
        assert "« siret » : format invalide, 14 chiffres attendus" in summary.rejected[0].reason
        assert summary.rejected[1].reason == "champ « nom » : obligatoire, absent"
        actor = Actor.objects.get(source="data_inclusion")
        assert (actor.source_id, actor.kind_id, actor.siret) == (
            "dora--abc-1",
            "centre-social",
            "13003013300016",
        )
        assert actor.labels == ["Fédération des Centres Sociaux et Socioculturels de France"]
        assert actor.last_verified == date(2025, 1, 15)
        assert actor.opening_hours == "Mo-Fr 09:00-12:00"
        assert actor.commune_code == "09122" and actor.departement_code == "09"

    def test_pre_v1_fields_and_missing_coordinates(self, tmp_path):
        items = [
            valid_structure(
                id="x--1",
                reseaux_porteurs=None,
                typologie="MJC",
                thematiques=["numerique--maitriser-les-fondamentaux-du-numerique", "sante--addictions"],
                rna="W091000123",
                longitude=None,
                latitude=None,
            ),
            valid_structure(id="x--2", siret=None, typologie="ZZZ", reseaux_porteurs=["pimms-mediation"]),
            valid_structure(id="x--3", siret=None, reseaux_porteurs=["mission-locale"], horaires_accueil="Mo 9h-12h"),
            [1, 2],
            valid_structure(id="x--5", reseaux_porteurs=["martiens"], date_maj="2099-01-01"),
        ]  # fmt: skip
        summary = DataInclusionImporter(path=write_file(tmp_path, items)).run(partial=True)
        actors = {a.source_id: a for a in Actor.objects.filter(source="data_inclusion")}
        mjc = actors["x--1"]
        assert (mjc.kind_id, mjc.themes, mjc.rna) == ("mjc", ["numerique", "sante"], "W091000123")
        assert (mjc.precision, mjc.to_locate) == (Precision.COMMUNE, True)  # the town hall of Foix
        assert actors["x--2"].kind_id == "pimms"  # unknown typology: the réseau decides
        assert actors["x--3"].kind_id == "autre" and actors["x--3"].labels == ["Mission Locale"]
        assert actors["x--3"].opening_hours == ""
        assert any("objet n° 3" in note and "horaires" in note for note in summary.notes)
        reasons = {r.line: r.reason for r in summary.rejected}
        assert reasons["objet n° 4"] == "objet JSON attendu (reçu : list)"
        assert "« reseaux_porteurs » (élément n° 1) : valeur inconnue" in reasons["objet n° 5"]
        assert (
            "« date_maj » : La date de dernière modification ne peut pas être dans le futur"
            in reasons["objet n° 5"]
        )

    def test_unreadable_files_abort(self, tmp_path):
        with pytest.raises(ImportAborted, match="fichier introuvable"):
            DataInclusionImporter(path=tmp_path / "absent.json").run()
        (tmp_path / "object.json").write_text('{"nom": "x"}', encoding="utf-8")
        with pytest.raises(ImportAborted, match="liste de structures"):
            DataInclusionImporter(path=tmp_path / "object.json").run()
        page = write_file(tmp_path, {"items": [valid_structure()], "total": 1})
        assert DataInclusionImporter(path=page).run().created == 1
