"""The precomputed coverage: the same answers as the live computation, kept in step by
the task queue's incremental passes, and what the API says about where an answer came
from."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from carto.actors.models import Actor
from carto.planning import precompute
from carto.planning.coverage import LEVELS, coverage, facets_for, precomputed_facets
from carto.planning.services import enqueue_refresh, refresh_derived, schedule_refresh
from carto.planning.tasks import refresh_coverage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_pending():
    """Changes other tests committed (those with threads of their own connections) are
    applied first: each test sees only its own."""
    refresh_derived()


FILTERS = [
    {},
    {"kind": ["france-services"]},
    {"kind": ["mediatheque", "tiers-lieu"]},
    {"theme": ["numerique"]},
    {"public": ["tous-publics"]},
    {"kind": ["collectivite"]},  # host places count when their kind is asked
]


def same(level, filters, scope=None, max_km=5.0):
    """The precomputed answer, checked against the live one (they must be equal)."""
    fast = coverage(level, filters, scope, max_km)
    live = coverage(level, filters, scope, max_km, precomputed=False)
    assert [r.__dict__ for r in fast] == [r.__dict__ for r in live], (level, filters, scope)
    return fast


def nearest(kind, code, facet):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT actor_id, distance_m FROM planning_nearest "
            "WHERE unit_kind = %s AND unit_code = %s AND facet = %s",
            [kind, code, facet],
        )
        return cursor.fetchone()


def tables():
    """The precomputed data (the nearest actor's id aside: places at the same distance tie)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_kind, unit_code, facet, round(distance_m::numeric, 6) "
            "FROM planning_nearest ORDER BY 1, 2, 3"
        )
        nearest = cursor.fetchall()
        cursor.execute("SELECT * FROM planning_facet_count ORDER BY 1, 2")
        return nearest, cursor.fetchall()


def pending_changes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT actor_id FROM planning_coverage_change ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_which_filters_the_precomputed_data_answers():
    assert facets_for({}) == ["all"]
    assert facets_for({"kind": ["a", "b"]}) == ["kind:a", "kind:b"]
    assert facets_for({"theme": ["numerique"]}) == ["theme:numerique"]
    assert facets_for({"public": ["jeunes"]}) == ["public:jeunes"]
    # Beyond one facet per request, the live path answers.
    assert facets_for({"theme": ["numerique", "culture"]}) is None
    assert facets_for({"kind": ["a"], "theme": ["b"]}) is None
    assert facets_for({"q": "lens"}) is None
    assert precomputed_facets({}) == ["all"]  # the session's data was computed


@pytest.mark.parametrize("level", LEVELS)
def test_the_precomputed_answer_is_the_live_one_at_every_level(level):
    for filters in FILTERS:
        rows = same(level, filters, ("departement", "62") if level == "qpv" else None)
        assert rows
    rows = same(level, {}, max_km=1.5)
    assert any(r.actors for r in rows)


def test_a_new_actor_becomes_the_nearest_where_it_is_nearer():
    # Montségur (09), a mountain village far from any France services.
    before = nearest("commune", "09211", "kind:france-services")
    assert before is not None and before[1] > 5000
    bus = Actor.objects.create(
        name="France services itinérant de Montségur", kind_id="france-services",
        status="published", location=Point(1.8306, 42.8765, srid=4326), source="test",
        source_id="montsegur", themes=["acces-aux-droits"], publics=["tous-publics"],
        territory_codes=["commune:09211", "departement:09", "region:76"], commune_code="09211",
    )  # fmt: skip
    assert pending_changes() == [bus.id]
    summary = refresh_derived()
    assert not summary.full and summary.changed_actors == 1
    assert pending_changes() == []
    actor_id, distance = nearest("commune", "09211", "kind:france-services")
    assert actor_id == bus.id and distance < before[1]
    assert nearest("commune", "09211", "theme:acces-aux-droits")[0] == bus.id
    for filters in ({"kind": ["france-services"]}, {"theme": ["acces-aux-droits"]}, {}):
        rows = same("commune", filters, ("departement", "09"))
        montsegur = next(r for r in rows if r.code == "09211")
        assert montsegur.actors >= 1 and montsegur.reached_population == montsegur.loaded_population
    same("departement", {"kind": ["france-services"]}, ("departement", "09"))

    # Moved away, it is no longer the nearest there: those units are probed again.
    bus.location = Point(1.6053, 42.9653, srid=4326)  # Foix
    bus.save()
    refresh_derived()
    assert nearest("commune", "09211", "kind:france-services")[1] > distance
    same("commune", {"kind": ["france-services"]}, ("departement", "09"))

    # Withdrawn, it counts nowhere; the tables equal a full pass's.
    bus.status = "archived"
    bus.save()
    refresh_derived()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM planning_nearest WHERE actor_id = %s", [bus.id])
        assert cursor.fetchone()[0] == 0
    incremental = tables()
    precompute.full_refresh()
    assert tables() == incremental


def test_changed_themes_and_deletions_are_applied():
    actor = Actor.objects.listed().filter(departement_code="62", host_only=False).first()
    actor.themes = [*actor.themes, "culture"] if "culture" not in actor.themes else []
    actor.save()
    refresh_derived()
    same("bv", {"theme": ["culture"]}, ("departement", "62"))
    same("qpv", {"theme": ["culture"]}, ("departement", "62"))
    actor.delete()
    refresh_derived()
    same("epci", {}, ("departement", "62"))
    same("qpv", {}, ("departement", "62"))


def test_only_what_coverage_reads_is_noted_once_per_statement():
    Actor.objects.filter(departement_code="09").update(description="relu")
    assert pending_changes() == []
    changed = Actor.objects.listed().filter(departement_code="09").update(publics=["jeunes"])
    assert changed > 1 and len(pending_changes()) == changed
    refresh_derived()
    assert pending_changes() == []
    same("commune", {"public": ["jeunes"]}, ("departement", "09"))


def nested_plans(statement, *args):
    """The plans PostgreSQL ran for the statements nested in `statement` (its triggers'),
    as auto_explain writes them (sent to this client as LOG messages)."""
    notices = []

    def keep(diagnostic):
        notices.append(diagnostic.message_primary or "")

    raw = connection.connection
    raw.add_notice_handler(keep)
    try:
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute(
                "SET auto_explain.log_min_duration = 0; "
                "SET auto_explain.log_nested_statements = on; SET client_min_messages = log"
            )
            try:
                statement(*args)
            finally:
                cursor.execute(
                    "RESET auto_explain.log_min_duration; "
                    "RESET auto_explain.log_nested_statements; RESET client_min_messages"
                )
    finally:
        raw.remove_notice_handler(keep)
    return [notice for notice in notices if "plan:" in notice]


def test_the_change_log_pairs_old_and_new_rows_by_hash_not_one_by_one():
    """An UPDATE of many actors notes them in one INSERT whose join of the statement's old
    and new rows stays linear: a nested loop compared each new row with every old one
    (19 s of a 5 000-row attach batch)."""
    rows = Actor.objects.listed().filter(departement_code="09")
    with connection.cursor() as cursor:
        cursor.execute("DISCARD PLANS")  # the trigger's plan is made again, as in a new session
    rows.filter(pk=rows.first().pk).update(publics=["seniors"])  # planned for one row
    plans = nested_plans(lambda: rows.update(publics=["seniors"]))
    [change_log] = [plan for plan in plans if "INSERT INTO planning_coverage_change" in plan]
    assert "Hash Join" in change_log and "Nested Loop" not in change_log, change_log
    assert len(pending_changes()) == rows.count() > 1


def test_other_territories_make_a_full_pass_due(monkeypatch):
    assert not precompute.is_stale()
    monkeypatch.setattr(precompute, "territories_fingerprint", lambda: "autre")
    assert precompute.is_stale()
    assert refresh_derived().full
    assert not precompute.is_stale()


def test_a_commit_defers_one_job_and_the_job_applies_the_changes(
    django_capture_on_commit_callbacks,
):
    def jobs():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT task_name, queue_name, status FROM procrastinate_jobs "
                "WHERE queueing_lock = %s",
                [refresh_coverage.name],
            )
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for actor in Actor.objects.listed().filter(departement_code="80")[:3]:
            actor.publics = ["familles"]
            actor.save()
            schedule_refresh()
    assert [c.__name__ for c in callbacks] == ["enqueue_refresh"]
    assert jobs() == [("planning.refresh_coverage", "coverage", "todo")]
    enqueue_refresh()  # one waits already: no second one
    assert len(jobs()) == 1

    assert "mise à jour : 3 acteur(s)" in refresh_coverage(full=False)
    same("bv", {"public": ["familles"]}, ("departement", "80"))


def test_the_api_says_where_the_answer_came_from(client):
    body = client.get("/api/v1/coverage/", {"level": "bv", "kind": "france-services"}).json()
    assert body["precomputed"] is True and body["computed_at"]
    body = client.get("/api/v1/coverage/", {"level": "bv", "q": "lens"}).json()
    assert body["precomputed"] is False and body["computed_at"] is None


def test_the_map_view_bounds_the_territories(client):
    # Around Lens: its commune and its neighbours, not the 4 000 of the demo.
    box = "2.78,50.40,2.88,50.46"
    body = client.get("/api/v1/coverage/", {"level": "commune", "bbox": box}).json()
    codes = {f["properties"]["code"] for f in body["features"]}
    assert "62498" in codes and 3 < len(codes) < 40 and body["bbox"] == [2.78, 50.4, 2.88, 50.46]
    everywhere = coverage("commune", {}, None)
    inside = {r.code: r for r in everywhere if r.code in codes}
    for feature in body["features"]:
        p = feature["properties"]
        assert p["actors"] == inside[p["code"]].actors
    scoped = client.get(
        "/api/v1/coverage/", {"level": "bv", "bbox": box, "territory": "departement:62"}
    ).json()
    assert {f["properties"]["code"] for f in scoped["features"]} >= {"62498"}
    assert client.get("/api/v1/coverage/", {"level": "bv", "bbox": "3,50,2,51"}).status_code == 400


def test_before_the_first_pass_all_of_france_is_a_503_not_a_national_live_computation(client):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE planning_coverage_state SET full_at = NULL")
    response = client.get("/api/v1/coverage/", {"level": "bv"})
    assert response.status_code == 503
    assert "pas encore calculée" in response.json()["detail"]
    # A territory's coverage is computed on demand meanwhile, and says so.
    body = client.get("/api/v1/coverage/", {"level": "bv", "territory": "departement:09"}).json()
    assert body["precomputed"] is False and body["features"]


def live_sql(level, filters, scope) -> tuple[list[dict], str]:
    """The live answer, and the SQL it ran."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        rows = coverage(level, filters, scope, precomputed=False)
    return [r.__dict__ for r in rows], "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    ("level", "scope"), [("commune", ("departement", "62")), ("bv", None), ("qpv", None)]
)
def test_the_live_path_probes_the_matching_points_alone_or_the_directory_when_most_match(
    monkeypatch, level, scope
):
    filters = {"kind": ["mediation-numerique"], "theme": ["numerique"]}  # two facets: live
    own_points, sql = live_sql(level, filters, scope)
    assert "CREATE TEMPORARY TABLE coverage_points" in sql
    assert any(row["actors"] for row in own_points)
    monkeypatch.setattr("carto.planning.coverage.POINTS_TABLE_MAX", 0)
    through_directory, sql = live_sql(level, filters, scope)
    assert "CREATE TEMPORARY VIEW coverage_points" in sql
    assert through_directory == own_points
    # Both drop what they made: the same transaction can ask again.
    assert live_sql(level, filters, scope)[0] == own_points


def test_the_live_counts_follow_a_write_without_waiting_for_the_job():
    filters = {"q": "Lens"}  # free text: the live path
    (before,) = coverage("commune", filters, ("commune", "62498"), precomputed=False)
    actor = Actor.objects.listed().matching(filters).filter(commune_code="62498").first()
    actor.status = "archived"
    actor.save()
    assert pending_changes()  # the job has not run
    (after,) = coverage("commune", filters, ("commune", "62498"), precomputed=False)
    assert after.actors == before.actors - 1
