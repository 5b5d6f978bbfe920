"""Coverage of the territories by the directory, and the gaps a coalition should fill.

Design choices:
- Which actors and initiatives count is decided by the directory's own pipeline,
  `listed().matching(filters)`: coverage and the directory always agree. Their ids go
  into temporary tables; the rest is SQL in `sql/coverage.sql`, with named parameters,
  run in one transaction (the tables drop at commit).
- Counts come from the territory codes stored on each actor at write time, grouped over
  the matching actors (nothing to refresh when an actor changes); reach and distances
  are computed in SQL through a GiST index of the matching actors' points (ST_DWithin on
  geography, KNN `<->`), never by a Python loop over actors. Population is placed at
  each commune's town hall.
- A programme (Cités éducatives, Petites villes de demain…) restricts the territories in
  scope, not the actors counted: the communes its sites' footprints cover (intersected
  with the territory scope), and the groupings and QPV holding them.
- The one column a query names by level comes from PARENT_FIELD, composed as an SQL
  identifier by psycopg: no SQL is built from a request's text.
- At national scale the counts and distances come from the precomputed coverage
  (precompute.py) whenever the filter is one of its facets: none, any kinds (an actor has
  one kind: counts add up, distances take the least), one theme or one public. Other
  filters (free text, several themes, a kind and a theme…) take the live path above; it
  is exact but probes the directory, fast for a territory's scope, slower for all of
  France. Both paths measure on the sphere and agree (tests/planning/test_precompute.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from psycopg import sql

from carto.actors.models import Actor, Initiative
from carto.territories.codes import Kind

from .sql import load_queries

LEVELS = ["commune", "epci", "bv", "departement", "region", "qpv"]
# The commune column that names a commune's territory of each grouping level.
PARENT_FIELD = {
    "epci": "epci_code",
    "bv": "bv_code",
    "departement": "departement_code",
    "region": "region_code",
}
# The commune column that holds the code of its territory of each level (groupings).
GROUPING_FIELD = {"commune": "code", **PARENT_FIELD}
FILTERS = ("kind", "theme", "public", "q")
TABLES = {name: name for name in ("coverage_actors", "coverage_initiatives")}
# Up to this many matching actors, the live path copies their points into a table with
# its own GiST index (1 s for 240 000 of a million, measured); beyond, the directory's
# index serves (sql/coverage.sql, points_table and points_view).
POINTS_TABLE_MAX = 250_000


@dataclass
class CoverageRow:
    kind: str
    code: str
    name: str
    population: int | None
    actors: int
    initiatives: int
    actors_per_10k: float | None
    reached_population: int | None = None
    loaded_population: int | None = None
    share_within: float | None = None
    distance_m: float | None = None
    actors_near: int | None = None
    own_outline: bool | None = None
    covered: bool | None = None

    def properties(self) -> dict:
        return {
            key: value
            for key, value in self.__dict__.items()
            if value is not None or key in ("population",)
        }


def _query(name: str, field: str | None = None) -> str:
    """A query of coverage.sql; `{field}` becomes the mapped column, quoted by psycopg."""
    text = load_queries("coverage.sql")[name]
    if field is None:
        return text
    return sql.SQL(text).format(field=sql.Identifier(field)).as_string(connection.connection)


def _fill(cursor, table: str, queryset) -> int:
    """The ids a queryset selects into one of the temporary tables (a fixed name); returns
    how many.

    The SELECT is the ORM's own compilation of the directory's filters, with its own
    positional parameters: run as it is, after a fixed INSERT."""
    select, params = queryset.order_by().values("id").query.sql_with_params()
    cursor.execute(f"INSERT INTO {TABLES[table]} (id) {select}", params)
    return cursor.rowcount


def _points(cursor, matching: int) -> str:
    """The matching actors' points for the reach and distance probes: "table" or "view"."""
    kind = "table" if matching <= POINTS_TABLE_MAX else "view"
    cursor.execute(_query(f"points_{kind}"))
    return kind


def _scope(cursor, scope: tuple[str, str] | None) -> None:
    if scope is None:
        cursor.execute(_query("scope_all"))
        return
    kind, code = scope
    if kind == Kind.COMMUNE:
        cursor.execute(_query("scope_commune"), {"scope_code": code})
    elif kind == Kind.QPV:
        cursor.execute(_query("scope_qpv"), {"scope_code": code})
    else:
        cursor.execute(_query("scope_parent", PARENT_FIELD[kind]), {"scope_code": code})


def _units(cursor, level: str, everywhere: bool = False) -> None:
    """The territories of the level with a commune in scope (`everywhere`: all of France,
    read straight from the territories, without the list of communes)."""
    suffix = "_all" if everywhere else ""
    if level == Kind.COMMUNE:
        cursor.execute(_query("units_commune" + suffix))
    elif level == Kind.QPV:
        cursor.execute(_query("units_qpv" + suffix))
    else:
        cursor.execute(_query("units_parent" + suffix, PARENT_FIELD[level]))


def _rows(cursor) -> list[dict]:
    columns = [column.name for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def facets_for(filters: dict) -> list[str] | None:
    """The precomputed facets that answer these filters exactly, or None."""
    matching = {key: filters[key] for key in FILTERS if filters.get(key)}
    if matching.get("q") or len(matching) > 1:
        return None
    if not matching:
        return ["all"]
    ((name, values),) = matching.items()
    if name == "kind":
        return [f"kind:{value}" for value in values]
    return [f"{name}:{values[0]}"] if len(values) == 1 else None


def precomputed_facets(filters: dict) -> list[str] | None:
    """The facets a request will be answered from, when the precomputed data exists."""
    facets = facets_for(filters)
    if facets is None:
        return None
    from .precompute import is_ready

    return facets if is_ready() else None


def coverage(
    level: str,
    filters: dict,
    scope: tuple[str, str] | None = None,
    max_km: float = 5.0,
    programmes: list[str] | None = None,
    precomputed: bool = True,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[CoverageRow]:
    """One row per territory of `level` in `scope` (code order), for the actors and
    initiatives matching `filters` (the directory's filters: kind, theme, public, q);
    with `programmes` (taxonomy.PROGRAMMES slugs), only the territories where a site of
    one of them acts; with `bbox`, only those with a commune's town hall in the box (the
    map's view). From the precomputed coverage when it answers these filters
    (`precomputed=False` forces the live path)."""
    if level not in LEVELS:
        raise ValueError(f"niveau inconnu « {level} »")
    matching = {key: filters[key] for key in FILTERS if filters.get(key)}
    facets = precomputed_facets(matching) if precomputed else None
    max_m = max_km * 1000
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_query("create_tables"))
        if facets is None:
            matching_actors = _fill(
                cursor, "coverage_actors", Actor.objects.listed().matching(matching)
            )
        _fill(cursor, "coverage_initiatives", Initiative.objects.listed().matching(matching))
        everywhere = scope is None and not programmes and bbox is None
        if bbox is not None:
            box = dict(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
            if scope is None:
                cursor.execute(_query("scope_bbox"), box)
            else:
                _scope(cursor, scope)
                cursor.execute(_query("keep_bbox"), box)
        elif not everywhere:
            _scope(cursor, scope)
        if programmes:
            cursor.execute(_query("scope_programme"), {"programmes": list(programmes)})
        _units(cursor, level, everywhere)
        points = None
        if facets is None:  # the live path's plans depend on the tables' sizes
            cursor.execute(_query("analyze_tables"))
            points = _points(cursor, matching_actors)
        suffix = "" if facets is None else "_precomputed"
        if level == Kind.QPV:
            cursor.execute(_query("qpv" + suffix), {"facets": facets})
            rows = [_qpv_row(row, max_m) for row in _rows(cursor)]
        else:
            cursor.execute(
                _query("groupings" + suffix, GROUPING_FIELD[level]),
                {"level": level, "max_m": max_m, "facets": facets},
            )
            rows = [_grouping_row(level, row) for row in _rows(cursor)]
        # Dropped now, not only at commit: a caller's transaction may ask again.
        if points:
            cursor.execute(_query(f"drop_points_{points}"))
        cursor.execute(_query("drop_tables"))
    return rows


def _qpv_row(row: dict, max_m: float) -> CoverageRow:
    distance = row["distance_m"]
    counts = {key: row[key] for key in ("actors", "initiatives", "actors_near", "own_outline")}
    return CoverageRow(
        kind=Kind.QPV,
        code=row["code"],
        name=row["name"],
        population=row["population"],
        actors_per_10k=None,
        distance_m=None if distance is None else round(distance, 1),
        covered=distance is not None and distance <= max_m,
        **counts,
    )


def _grouping_row(level: str, row: dict) -> CoverageRow:
    population = row["population"]
    loaded = int(row["loaded_population"] or 0)
    reached = int(row["reached_population"] or 0)
    return CoverageRow(
        kind=level,
        code=row["code"],
        name=row["name"],
        population=population,
        actors=row["actors"],
        initiatives=row["initiatives"],
        actors_per_10k=round(row["actors"] * 10_000 / population, 2) if population else None,
        reached_population=reached,
        loaded_population=loaded,
        share_within=round(reached / loaded, 4) if loaded else None,
    )


def gaps(rows: list[CoverageRow]) -> list[CoverageRow]:
    """Least covered first: no matching actor, then the most population out of reach
    (QPV: the farthest from a matching actor)."""
    if rows and rows[0].kind == Kind.QPV:
        return sorted(
            rows,
            key=lambda r: (
                r.covered,
                r.actors > 0,
                -(r.distance_m if r.distance_m is not None else 1e12),
                r.code,
            ),
        )
    return sorted(
        rows,
        key=lambda r: (
            r.actors > 0,
            -((r.loaded_population or 0) - (r.reached_population or 0)),
            r.share_within if r.share_within is not None else 1,
            r.code,
        ),
    )
