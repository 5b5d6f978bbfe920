"""`generate_benchmark_data`: synthetic actors inside the demo communes, by population, with
the codes a real actor gets, listed like one, removed and replaced without touching any
other row. Real PostGIS, the session's territories and directory; each test writes in its
own transaction (rolled back)."""

import io
import json
from collections import Counter

import numpy as np
import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import CommandError, call_command
from django.db import connection

from carto.actors import benchmark_data
from carto.actors.benchmark_data import KINDS, SOURCE, allocate, kind_shares
from carto.actors.models import Actor, ActorKind, Initiative, Public, Theme
from carto.actors.opening_hours import parse
from carto.actors.services import attach_actors
from carto.planning.coverage import coverage
from carto.territories.codes import search_key
from carto.territories.models import Territory

pytestmark = pytest.mark.django_db
ACTORS = 2000
CODES = (
    "commune_code", "epci_code", "bv_code", "departement_code", "region_code",
    "qpv_codes", "qpv_near_codes", "territory_codes",
)  # fmt: skip


def generate(count=ACTORS, **options) -> str:
    out = io.StringIO()
    call_command("generate_benchmark_data", actors=count, stdout=out, **options)
    return out.getvalue()


def synthetic():
    return Actor.objects.filter(source=SOURCE)


def rows(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def others() -> list[tuple]:
    """Every column of the actors that are not synthetic (the search vector as text)."""
    return rows(
        "SELECT a.*, a.search::text FROM actors_actor a WHERE source <> %s ORDER BY id", [SOURCE]
    )


def schema_of_actors() -> tuple[list, list]:
    """The indexes of actors_actor and the foreign keys from and to it, as the catalogue says."""
    indexes = rows(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'actors_actor' ORDER BY 1"
    )
    keys = rows(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND 'actors_actor'::regclass IN (conrelid, confrelid) ORDER BY 1, 2"
    )
    return indexes, keys


class TestPlacement:
    def test_every_point_is_inside_its_commune_and_carries_its_codes(self):
        output = generate()
        assert synthetic().count() == ACTORS
        outside = rows(
            """SELECT a.id FROM actors_actor a
                 JOIN territories_territory c ON c.kind = 'commune' AND c.code = a.commune_code
                WHERE a.source = %s AND NOT ST_Covers(c.geom, a.location)""",
            [SOURCE],
        )
        assert outside == []
        mismatched = rows(
            """SELECT a.id FROM actors_actor a
                 JOIN territories_territory c ON c.kind = 'commune' AND c.code = a.commune_code
                WHERE a.source = %s
                  AND (a.epci_code, a.bv_code, a.departement_code, a.region_code, a.city)
                      IS DISTINCT FROM (c.epci_code, c.bv_code, c.departement_code,
                                        c.region_code, c.name)""",
            [SOURCE],
        )
        assert mismatched == []
        for actor in synthetic().only("commune_code", "epci_code", "territory_codes")[:200]:
            assert f"commune:{actor.commune_code}" in actor.territory_codes
            assert f"epci:{actor.epci_code}" in actor.territory_codes
        assert "lignes/s" in output and "pipeline complet" in output, output

    def test_codes_are_those_attach_actors_computes(self):
        """The codes taken from the commune and the QPV join on the few points near an
        outline give what the directory's own attachment gives (Ariège has QPV outlines)."""
        generate(departements="09")
        written = {row[0]: row[1:] for row in synthetic().values_list("id", *CODES)}
        assert any(codes[CODES.index("qpv_near_codes")] for codes in written.values())
        assert any(codes[CODES.index("qpv_codes")] for codes in written.values())
        attach_actors(list(written))
        attached = {row[0]: row[1:] for row in synthetic().values_list("id", *CODES)}
        assert attached == written

    def test_counts_follow_population_exactly(self):
        generate()
        placed = Counter(synthetic().values_list("commune_code", flat=True))
        communes = list(
            Territory.objects.filter(kind="commune", geom__isnull=False)
            .order_by("code")
            .values_list("code", "population")
        )
        expected = allocate(np.array([population or 0 for _code, population in communes]), ACTORS)
        assert sum(placed.values()) == ACTORS
        assert {code: int(n) for (code, _p), n in zip(communes, expected, strict=True) if n} == (
            dict(placed)
        )
        by_population = sorted(communes, key=lambda item: -(item[1] or 0))
        biggest, small = by_population[0][0], by_population[len(by_population) // 2][0]
        assert placed[biggest] > 10 * max(placed[small], 1)

    def test_departements_restrict_the_placement(self):
        generate(500, departements=["09", "80"])
        assert set(synthetic().values_list("departement_code", flat=True)) == {"09", "80"}


class TestAllocation:
    def test_largest_remainder(self):
        assert allocate(np.array([5, 3, 2]), 7).tolist() == [4, 2, 1]  # quotas 3.5 2.1 1.4
        assert allocate(np.array([1, 1, 1]), 2).tolist() == [1, 1, 0]  # ties: the first
        assert allocate(np.array([0, 10]), 3).tolist() == [0, 3]

    def test_exact_total_and_within_one_of_the_quota(self):
        rng = np.random.default_rng(7)
        populations = rng.integers(0, 2_000_000, size=5000)
        for total in (1, 999, 1_000_000):
            counts = allocate(populations, total)
            quotas = populations * total / populations.sum()
            assert counts.sum() == total
            assert np.all(np.abs(counts - quotas) < 1)


class TestShares:
    def test_the_table_names_only_known_terms(self):
        kinds = set(ActorKind.objects.values_list("slug", flat=True))
        themes = set(Theme.objects.values_list("slug", flat=True))
        publics = set(Public.objects.values_list("slug", flat=True))
        assert abs(sum(kind_shares().values()) - 1) < 1e-9
        for kind in KINDS:
            assert kind.slug in kinds
            assert set(kind.themes) <= themes and set(kind.publics) <= publics
            assert kind.theme_count[1] <= sum(w > 0 for w in kind.themes.values())
            assert kind.public_count[1] <= sum(w > 0 for w in kind.publics.values())
            assert set(kind.names) - {"*"} <= set(kind.themes), kind.slug
            if "*" not in kind.names:  # every first theme has its names
                assert set(kind.names) == set(kind.themes), kind.slug
            if kind.opening_hours:
                parse(kind.opening_hours)

    def test_drawn_shares_are_the_declared_ones(self):
        communes = benchmark_data.load_communes()
        drawn = benchmark_data.draw_actors(communes, 50_000, np.random.default_rng(3))
        counts = np.bincount(drawn.kinds, minlength=len(KINDS))
        for kind, count in zip(KINDS, counts, strict=True):
            share = kind_shares()[kind.slug]
            assert abs(count / 50_000 - share) < 4 * np.sqrt(share * (1 - share) / 50_000) + 1e-3

    def test_written_actors_have_their_kinds_terms_and_names(self):
        generate()
        kinds = Counter(synthetic().values_list("kind", flat=True))
        assert 0.93 < kinds["association"] / ACTORS < 0.98
        assert kinds["mediatheque"] > 10
        profiles = {kind.slug: kind for kind in KINDS}
        for actor in synthetic().only("name", "name_key", "kind", "themes", "publics", "city"):
            profile = profiles[actor.kind_id]
            assert set(actor.themes) <= set(profile.themes) and actor.themes
            low, high = profile.theme_count
            assert low <= len(actor.themes) <= high and len(set(actor.themes)) == len(actor.themes)
            assert set(actor.publics) <= set(profile.publics) and actor.publics
            assert actor.name.endswith(actor.city)
            assert actor.name_key == search_key(actor.name)


class TestListed:
    def test_listed_served_by_the_api_and_counted_by_the_coverage(self, client):
        generate()
        assert Actor.objects.listed().filter(source=SOURCE).count() == ACTORS
        assert not synthetic().filter(host_only=True).exists()
        code, count = Counter(synthetic().values_list("commune_code", flat=True)).most_common(1)[0]
        response = client.get(
            "/api/v1/actors/", {"territory": f"commune:{code}", "page_size": 1000}
        )
        assert response.status_code == 200
        ids = {feature["id"] for feature in json.loads(response.content)["features"]}
        expected = set(synthetic().filter(commune_code=code).values_list("id", flat=True))
        assert len(expected) == count and expected <= ids
        # The live coverage counts them at once, no refresh in between.
        (row,) = coverage("commune", {}, ("commune", code), precomputed=False)
        listed_there = (
            Actor.objects.listed()
            .matching({})
            .filter(territory_codes__contains=[f"commune:{code}"])
        )
        assert row.actors == listed_there.count() >= count

    def test_no_history_rows(self):
        generate(300)
        assert not Actor.history.filter(source=SOURCE).exists()


def search_as_the_trigger_computes() -> list[tuple]:
    """(stored vector, the trigger's vector) of each synthetic actor: the trigger is run
    again on every row (an UPDATE of a column it watches), and the change rolled back."""
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT recompute")
        cursor.execute(
            "CREATE TEMPORARY TABLE stored AS SELECT id, search::text AS search FROM actors_actor "
            "WHERE source = %s",
            [SOURCE],
        )
        cursor.execute("UPDATE actors_actor SET name = name WHERE source = %s", [SOURCE])
        cursor.execute(
            "SELECT s.search, a.search::text FROM stored s JOIN actors_actor a USING (id) "
            "ORDER BY id"
        )
        found = cursor.fetchall()
        cursor.execute("ROLLBACK TO SAVEPOINT recompute")
    return found


class TestSearch:
    @pytest.mark.parametrize("bulk", [True, False])
    def test_the_vectors_written_are_the_triggers(self, bulk):
        """The bulk write computes the search parts once per distinct value, with the
        trigger off: the vectors are the trigger's, to the position and the weight."""
        report = benchmark_data.generate(400, bulk=bulk)
        assert report.bulk is bulk
        pairs = search_as_the_trigger_computes()
        assert len(pairs) == 400 and all(stored for stored, _ in pairs)
        assert [stored for stored, _ in pairs] == [again for _, again in pairs]
        assert rows("SELECT tgenabled FROM pg_trigger WHERE tgname = 'actor_search_update'") == [
            ("O",)
        ]  # enabled again after the bulk write
        some = synthetic().order_by("id").first()
        found = Actor.objects.filter(search=SearchQuery(some.name.split()[0], config="carto_fr"))
        assert some in found  # by a word of its name


class TestReplaceAndClear:
    def test_rerun_replaces_and_clear_removes_only_synthetic_actors(self):
        before = others()
        generate(500)
        first = sorted(synthetic().values_list("name", "location"))
        output = generate(500)
        assert "500 précédents remplacés" in output.replace("\u202f", ""), output
        assert sorted(synthetic().values_list("name", "location")) == first  # same seed
        assert synthetic().count() == 500
        generate(300, seed=1)
        assert synthetic().count() == 300
        assert sorted(synthetic().values_list("name", "location"))[:300] != first[:300]
        assert others() == before
        out = io.StringIO()
        call_command("generate_benchmark_data", clear=True, stdout=out)
        assert "300 acteurs fictifs" in out.getvalue()
        assert not synthetic().exists()
        assert others() == before

    def test_what_points_at_synthetic_actors_follows_on_delete(self):
        generate(200)
        target = synthetic().first()
        real = Actor.objects.exclude(source=SOURCE).filter(duplicate_of__isnull=True).first()
        Actor.objects.filter(pk=real.pk).update(duplicate_of=target)
        initiative = Initiative.objects.first()
        Initiative.objects.filter(pk=initiative.pk).update(organizer=target)
        generate(200)
        real.refresh_from_db()
        initiative.refresh_from_db()
        assert real.duplicate_of_id is None and initiative.organizer_id is None

    def test_bulk_mode_restores_indexes_and_foreign_keys(self):
        before = schema_of_actors()
        report = benchmark_data.generate(400, bulk=True)
        assert report.bulk and report.actors == 400 and report.indexes
        assert schema_of_actors() == before
        assert Actor.objects.listed().filter(source=SOURCE).count() == 400
        report = benchmark_data.clear(bulk=True)
        assert report.removed == 400 and schema_of_actors() == before


class TestRefusals:
    def test_no_communes_loaded(self):
        Territory.objects.filter(kind="commune").delete()
        with pytest.raises(CommandError, match="import_territories"):
            generate(10)
        assert not synthetic().exists()

    def test_departement_not_loaded_or_invalid(self):
        with pytest.raises(CommandError, match="75"):
            generate(10, departements="75")
        with pytest.raises(CommandError, match="invalide"):
            generate(10, departements="6Z")
        with pytest.raises(CommandError, match="--actors"):
            generate(0)
