"""Coverage precomputed for all of France: per commune and QPV, the nearest listed actor
of each facet (all, each kind, each theme, each public) and its distance; per territory
and facet, the listed actors counted there.

Design choices:
- Computed from geometry, never on the request path: a full pass (`full_refresh`) after a
  territories import or on demand (`refresh_coverage --full`), and incremental passes
  (`apply_changes`) run by the task queue (procrastinate, carto/planning/tasks.py) once
  the transactions that changed actors commit. Statement-level triggers on actors_actor
  record which actors changed (sql/precompute_schema.sql): an import of 100 000 rows
  adds one INSERT … SELECT, and a save adds one row, never a computation.
- A full pass puts each facet's points in a k-d tree in memory and answers every unit
  from it (nearest.py); PostGIS measures the actors chosen. 1.6 million KNN probes in
  PostGIS took minutes on a million actors. The counts are computed meanwhile on a
  second connection; the results go into new tables swapped in at the end, so readers
  never see a half-computed state.
- An incremental pass probes again only the units whose recorded nearest actor changed,
  lets each changed actor improve the units it is now nearer to (a bounded ST_DWithin
  against the recorded distance), and counts again the territories changed actors left
  or joined. Past `FULL_THRESHOLD` changes at once, a full pass is cheaper.
- Distances are on the sphere, like `near` and the live coverage path, so that the two
  paths agree exactly (`geog <-> x` is ST_Distance(geog, x, false)).
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, connections, transaction
from psycopg import sql

from . import nearest
from .sql import load_queries

FULL_THRESHOLD = 20_000  # changed actors beyond which a full pass is cheaper
PASS_LOCK = 0x63617274_6F  # pg_advisory_lock key: one pass at a time ("carto")
NEXT_TABLES = {
    "planning_nearest": (
        "PRIMARY KEY (facet, unit_kind, unit_code)",
        "CREATE INDEX {name}_actor ON {table} (actor_id)",
    ),
    "planning_facet_count": ("PRIMARY KEY (facet, territory_code)", None),
}


@dataclass
class PassSummary:
    full: bool
    changed_actors: int = 0
    facets: int = 0
    seconds: float = 0.0
    # The communes where changed actors stood or stand (None: all of them, a full pass).
    communes: list[str] | None = None

    def line(self) -> str:
        if self.full:
            return (
                f"Couverture recalculée entièrement : {self.facets} facettes "
                f"({self.seconds:.1f} s)."
            )
        return (
            f"Couverture mise à jour : {self.changed_actors} acteur(s) modifié(s) "
            f"({self.seconds:.2f} s)."
        )


def _query(name: str, conn=None, **parts: sql.Composable) -> str:
    """A query of precompute.sql; `{name}` placeholders become the parts given (table
    names as identifiers, a facet as a quoted literal), composed by psycopg."""
    text = load_queries("precompute.sql")[name]
    if not parts:
        return text
    conn = conn or connection
    conn.ensure_connection()
    return sql.SQL(text).format(**parts).as_string(conn.connection)


def territories_fingerprint() -> str:
    """What the units depend on: the territory files loaded (their checksums)."""
    from carto.territories.models import DatasetLoad

    digest = hashlib.sha256()
    for row in DatasetLoad.objects.order_by("dataset", "scope").values_list(
        "dataset", "scope", "sha256"
    ):
        digest.update("|".join(row).encode())
    return digest.hexdigest()


def state() -> dict:
    """When the coverage was last computed in full and last updated (None: never).

    One row, read on every coverage request: nothing here counts the change log (after
    a bulk import it holds a row per changed actor)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_at, full_seconds, updated_at, territories_sha, inputs_version "
            "FROM planning_coverage_state"
        )
        full_at, full_seconds, updated_at, sha, inputs_version = cursor.fetchone()
    return {
        "full_at": full_at,
        "full_seconds": full_seconds,
        "updated_at": updated_at,
        "territories_sha": sha,
        # Bumped by every write of the initiatives or the territories (documents.py).
        "inputs_version": inputs_version,
    }


def is_ready() -> bool:
    """Whether the precomputed data exists (a first full pass ran)."""
    return state()["full_at"] is not None


def is_stale() -> bool:
    """Whether a full pass is due: never computed, or other territories loaded since."""
    current = state()
    return current["full_at"] is None or current["territories_sha"] != territories_fingerprint()


# -- full pass ------------------------------------------------------------------------------


def _workers(requested: int | None) -> int:
    if connection.in_atomic_block:
        # Inside a caller's transaction (a test, an import): one connection, which sees
        # what that transaction wrote and leaves the commit to it.
        return 1
    return max(1, requested or settings.CARTO_COVERAGE_WORKERS)


def _create_next(cursor, table: str) -> str:
    name = f"{table}_next"
    cursor.execute(
        sql.SQL("DROP TABLE IF EXISTS {next}; CREATE TABLE {next} (LIKE {table})").format(
            next=sql.Identifier(name), table=sql.Identifier(table)
        )
    )
    return name


def _swap(cursor, table: str) -> None:
    """The table computed aside replaces the live one, its keys built on the full data."""
    name = f"{table}_next"
    primary, extra = NEXT_TABLES[table]
    statements = [
        sql.SQL("ALTER TABLE {next} ADD " + primary).format(next=sql.Identifier(name)),
    ]
    if extra:
        statements.append(
            sql.SQL(extra).format(name=sql.SQL(f"{table}_next"), table=sql.Identifier(name))
        )
    statements += [
        sql.SQL("DROP TABLE {table}").format(table=sql.Identifier(table)),
        sql.SQL("ALTER TABLE {next} RENAME TO {table}").format(
            next=sql.Identifier(name), table=sql.Identifier(table)
        ),
    ]
    for statement in statements:
        cursor.execute(statement)
    # Index names follow the live table's, whatever the pass that built them.
    cursor.execute(
        sql.SQL("ALTER INDEX IF EXISTS {old} RENAME TO {new}").format(
            old=sql.Identifier(f"{table}_next_actor"), new=sql.Identifier(f"{table}_actor")
        )
    )
    cursor.execute(sql.SQL("ANALYZE {table}").format(table=sql.Identifier(table)))


def _on_connection(use_current: bool, work):
    """`work(conn)` on the current connection, or on a new one of its own (autocommit:
    what it writes is visible to the pass that swaps the tables)."""
    if use_current:
        return work(connection)
    conn = connections.create_connection("default")
    try:
        return work(conn)
    finally:
        conn.close()


def _probe_facet(facet: str, index: int, target: str, use_current: bool) -> None:
    """A facet an incremental pass finds new: its nearest actor for every unit, into
    `target`, by KNN probes in PostGIS on its points read from the directory."""

    def work(conn):
        points = sql.Identifier(f"planning_points_{index}")
        parts = {"points": points, "facet": sql.Literal(facet)}
        with conn.cursor() as cursor:
            cursor.execute(_query("facet_table_from_actors", conn, **parts))
            cursor.execute(_query("facet_nearest", conn, target=sql.Identifier(target), **parts))
            cursor.execute(_query("drop_facet_table", conn, points=points))

    _on_connection(use_current, work)


def _nearest_in_memory(target: str, use_current: bool) -> int:
    """Every facet's nearest actor for every unit, chosen by k-d trees (nearest.py) and
    measured by PostGIS, into `target`. Returns the number of facets."""

    def work(conn):
        conn.ensure_connection()
        raw = conn.connection
        with conn.cursor() as cursor:
            cursor.execute(_query("units_in_order"))
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(_query("units_read"), binary=True)
            units = cursor.fetchall()
        towns = [(ordinal, lon, lat) for ordinal, lon, lat, outline in units if outline is None]
        town_ordinals = np.array([ordinal for ordinal, _lon, _lat in towns], dtype=np.int64)
        town_halls = nearest.unit_vectors([t[1] for t in towns], [t[2] for t in towns])
        qpv = [(ordinal, outline) for ordinal, _lon, _lat, outline in units if outline]
        outlines = nearest.Outlines.from_wkb(qpv)
        outline_ordinals = np.array(outlines.keys, dtype=np.int64)
        facets = 0
        # A facet at a time from the server (a million points for the densest), through
        # a cursor, which lives in a transaction (a savepoint in a caller's).
        with raw.transaction(), raw.cursor(name="planning_facet_points", binary=True) as rows:
            rows.itersize = 1
            rows.execute(_query("facet_point_arrays"))
            with raw.cursor() as cursor:
                for facet, ids, lon, lat in rows:
                    facets += 1
                    points = nearest.FacetPoints(ids, lon, lat)
                    outline_index, qpv_points = points.candidates_for_outlines(outlines)
                    chosen = np.concatenate(
                        (points.nearest_to_points(town_halls), qpv_points)
                    ).astype(np.int64)
                    units = np.concatenate((town_ordinals, outline_ordinals[outline_index]))
                    with cursor.copy(_query("copy_candidates")) as stream:
                        stream.write(
                            nearest.candidates_copy(
                                units, points.ids[chosen], points.lon[chosen], points.lat[chosen]
                            )
                        )
                    cursor.execute(
                        _query(
                            "nearest_of_candidates",
                            conn,
                            target=sql.Identifier(target),
                            facet=sql.Literal(facet),
                        )
                    )
        with conn.cursor() as cursor:
            cursor.execute(_query("drop_units_in_order"))
        return facets

    return _on_connection(use_current, work)


def _count(target: str, use_current: bool) -> None:
    def work(conn):
        with conn.cursor() as cursor:
            cursor.execute(_query("counts", conn, target=sql.Identifier(target)))

    _on_connection(use_current, work)


@contextmanager
def one_pass_at_a_time():
    """Passes never overlap (a full pass spans several transactions): a session-level
    advisory lock, waited for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [PASS_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PASS_LOCK])


def full_refresh(workers: int | None = None) -> PassSummary:
    """Everything from geometry: the units, the nearest actor of every facet for each of
    them, the counts; swapped in at the end."""
    with one_pass_at_a_time():
        return _full_refresh(workers)


def _full_refresh(workers: int | None) -> PassSummary:
    started = time.monotonic()
    workers = _workers(workers)
    use_current = workers == 1
    fingerprint = territories_fingerprint()
    with transaction.atomic(), connection.cursor() as cursor:
        # Pending changes are covered by this pass (it reads the directory afterwards).
        cursor.execute("DELETE FROM planning_coverage_change")
        cursor.execute(_query("units"))
        cursor.execute(_query("facet_points"))
        nearest_next = _create_next(cursor, "planning_nearest")
        counts_next = _create_next(cursor, "planning_facet_count")

    if use_current:
        _count(counts_next, True)
        facets = _nearest_in_memory(nearest_next, True)
    else:
        # The counts (PostgreSQL) while the trees are searched (here).
        with ThreadPoolExecutor(max_workers=1) as pool:
            counting = pool.submit(_count, counts_next, False)
            facets = _nearest_in_memory(nearest_next, False)
            counting.result()
    seconds = time.monotonic() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE planning_nearest, planning_facet_count IN ACCESS EXCLUSIVE MODE")
        _swap(cursor, "planning_nearest")
        _swap(cursor, "planning_facet_count")
        cursor.execute(_query("drop_facet_points"))
        seconds = time.monotonic() - started
        cursor.execute(
            _query("mark_full"), {"seconds": round(seconds, 2), "territories_sha": fingerprint}
        )
    return PassSummary(full=True, facets=facets, seconds=time.monotonic() - started)


# -- incremental pass -------------------------------------------------------------------------


def apply_changes() -> PassSummary:
    """The actors changed since the last pass, applied (a full pass when too many, or
    when the coverage was never computed)."""
    if is_stale():
        return full_refresh()
    with one_pass_at_a_time():
        summary = _apply_changes()
    return full_refresh() if summary is None else summary


def _apply_changes() -> PassSummary | None:
    """None: too many changes, a full pass is due."""
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_query("changed_actors"))
        cursor.execute("SELECT count(*) FROM planning_changed")
        changed = cursor.fetchone()[0]
        full = changed > FULL_THRESHOLD
        if changed and not full:
            cursor.execute(_query("reprobe"))
            cursor.execute(_query("improve"))
            cursor.execute(_query("new_facets"))
            new_facets = [row[0] for row in cursor.fetchall()]
            for index, facet in enumerate(new_facets):
                _probe_facet(facet, index, "planning_nearest", True)
            cursor.execute(_query("recount"))
            cursor.execute(_query("mark_updated"))
            cursor.execute(_query("changed_communes"))
            communes = [row[0] for row in cursor.fetchall()]
        # Dropped now, not only at commit: a caller's transaction may run another pass (an
        # error rolls them back with the rest).
        cursor.execute(
            "DROP TABLE IF EXISTS planning_changed, planning_changed_facets, planning_recount"
        )
    if full:
        return None
    return PassSummary(
        full=False,
        changed_actors=changed,
        seconds=time.monotonic() - started,
        communes=communes if changed else [],
    )
