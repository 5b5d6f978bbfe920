"""Coverage of the territories by the directory, and the gaps a coalition should fill.

Counts come from the territory codes stored on each actor at write time (the
same `territory_codes` the directory's `territory=` filter reads, so coverage and
directory always agree); reach and distances are computed in SQL through the
actors' GiST indexes (ST_DWithin on geography, KNN `<->`), never by a Python loop
over actors. Population is placed at each commune's town hall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from carto.actors.api.views import filtered
from carto.actors.models import Actor, Initiative
from carto.territories.codes import Kind

from .sql import load_queries

LEVELS = ["commune", "epci", "bv", "departement", "region", "qpv"]
PARENT_FIELD = {
    "epci": "epci_code",
    "bv": "bv_code",
    "departement": "departement_code",
    "region": "region_code",
}


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


def _sql(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def scope_communes_sql(scope: tuple[str, str] | None) -> tuple[str, list]:
    """SQL of the codes of the communes in the scope territory (None: every loaded commune)."""
    if scope is None:
        return "SELECT code FROM territories_territory WHERE kind = 'commune'", []
    kind, code = scope
    if kind == Kind.COMMUNE:
        return "SELECT %s::varchar", [code]
    if kind == Kind.QPV:
        return (
            "SELECT unnest(commune_codes) FROM territories_territory WHERE kind = 'qpv' AND code = %s",
            [code],
        )
    field = PARENT_FIELD[kind]
    return f"SELECT code FROM territories_territory WHERE kind = 'commune' AND {field} = %s", [code]


def units_sql(level: str, scope: tuple[str, str] | None) -> tuple[str, list]:
    """The territories of `level` that have a commune in the scope."""
    communes, params = scope_communes_sql(scope)
    columns = "t.id, t.kind, t.code, t.name, t.population, t.geom, t.commune_codes"
    if level == Kind.COMMUNE:
        return (
            f"SELECT {columns} FROM territories_territory t WHERE t.kind = 'commune' AND t.code IN ({communes})",
            params,
        )
    if level == Kind.QPV:
        return (
            f"SELECT {columns} FROM territories_territory t WHERE t.kind = 'qpv' "
            f"AND t.commune_codes && ARRAY({communes})::varchar[]",
            params,
        )
    field = PARENT_FIELD[level]
    return (
        f"SELECT {columns} FROM territories_territory t WHERE t.kind = %s AND t.code IN "
        f"(SELECT c.{field} FROM territories_territory c WHERE c.kind = 'commune' AND c.code IN ({communes}))",
        [level, *params],
    )


def _run(query: str, pieces: dict[str, tuple[str, list]], named: dict) -> list[dict]:
    """Fill the `{placeholders}` of a query with SQL pieces (text, positional params) and
    run it; positional params become named ones in the order they appear."""
    order: list[str] = []

    def substitute(match):
        order.append(match.group(1))
        return pieces[match.group(1)][0]

    text = re.sub(r"\{(\w+)\}", substitute, query)
    params = dict(named)
    positional = [value for name in order for value in pieces[name][1]]
    counter = iter(range(len(positional)))

    def name_param(_match):
        index = next(counter)
        params[f"p{index}"] = positional[index]
        return f"%(p{index})s"

    text = re.sub(r"(?<!%)%s", name_param, text)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def refresh_actor_territory(**_kwargs) -> None:
    """Refresh the materialized view the coverage counts read (after imports and writes)."""
    concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
    with connection.cursor() as cursor:
        cursor.execute(f"REFRESH MATERIALIZED VIEW{concurrently} planning_actor_territory")


def coverage(
    level: str, filters: dict, scope: tuple[str, str] | None = None, max_km: float = 5.0
) -> list[CoverageRow]:
    """One row per territory of `level` in `scope`, for the actors matching `filters`
    (the directory's filters: kind, theme, public, q)."""
    actors = (
        filtered(Actor.objects.published().filter(duplicate_of__isnull=True), filters)
        .order_by()
        .values("id")
    )
    initiatives = Initiative.objects.published()
    if filters.get("theme"):
        initiatives = initiatives.with_any_theme(filters["theme"])
    if filters.get("public"):
        initiatives = initiatives.with_any_public(filters["public"])
    if filters.get("kind"):
        initiatives = initiatives.of_kinds(filters["kind"])
    if filters.get("q"):
        initiatives = initiatives.text_search(filters["q"])
    initiatives = initiatives.order_by().values("id")
    units = units_sql(level, scope)
    queries = load_queries("coverage.sql")
    names = {code: (name, population) for code, name, population in _territory_names(level, units)}
    max_m = max_km * 1000
    # Counts: a GROUP BY on the materialized view for kinds, themes and publics; the
    # free-text filter needs the actors themselves.
    counts = queries["counts_live"] if filters.get("q") else queries["counts_from_view"]
    pieces = {
        "units": units,
        "matching": _sql(actors),
        "matching_initiatives": _sql(initiatives),
        "actor_counts": (counts, []),
    }
    named = {
        "max_m": max_m,
        "kinds": filters.get("kind") or None,
        "themes": filters.get("theme") or None,
        "publics": filters.get("public") or None,
    }
    rows = []
    if level == Kind.QPV:
        for row in _run(queries["qpv"], pieces, named):
            name, population = names[row["code"]]
            distance = row["distance_m"]
            rows.append(
                CoverageRow(
                    kind=level,
                    code=row["code"],
                    name=name,
                    population=population,
                    actors=row["actors"],
                    initiatives=row["initiatives"],
                    actors_per_10k=None,
                    distance_m=round(distance, 1) if distance is not None else None,
                    actors_near=row["actors_near"],
                    own_outline=row["own_outline"],
                    covered=distance is not None and distance <= max_m,
                )
            )
        return rows
    for row in _run(queries["groupings"], pieces, named):
        name, population = names[row["code"]]
        loaded = int(row["loaded_population"] or 0)
        reached = int(row["reached_population"] or 0)
        rows.append(
            CoverageRow(
                kind=level,
                code=row["code"],
                name=name,
                population=population,
                actors=row["actors"],
                initiatives=row["initiatives"],
                actors_per_10k=round(row["actors"] * 10_000 / population, 2)
                if population
                else None,
                reached_population=reached,
                loaded_population=loaded,
                share_within=round(reached / loaded, 4) if loaded else None,
            )
        )
    return rows


def _territory_names(level: str, units: tuple[str, list]):
    sql, params = units
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT u.code, u.name, u.population FROM ({sql}) u", params)
        return cursor.fetchall()


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


def siting_targets(level: str, filters: dict, scope, max_km: float):
    """Targets of the siting: what the existing matching offer leaves out of reach.

    Communes weigh their population when no matching actor is within `max_km` of
    their town hall; a bassin de vie (or EPCI) weighs its population out of reach and
    is represented by the town halls of its communes; a QPV without a matching actor
    within `max_km` weighs 1 (QPV populations are not in the open data loaded here),
    placed at its representative point (outline, else its commune's town hall)."""
    from .siting import Target

    rows = coverage(level, filters, scope, max_km)
    anchors = dict(
        (t.code, t.anchor)
        for t in _scope_units(level, [r.code for r in rows]).only("code", "anchor")
    )
    targets = []
    if level == Kind.QPV:
        for row in rows:
            anchor = anchors.get(row.code)
            if not row.covered and anchor is not None:
                targets.append(
                    Target(
                        id=f"qpv:{row.code}", label=row.name, lon=anchor.x, lat=anchor.y, weight=1
                    )
                )
        return targets
    communes = {}
    if level != Kind.COMMUNE:
        field = PARENT_FIELD[level]
        for commune in _communes_of(level, [r.code for r in rows]).only("code", "anchor", field):
            if commune.anchor is not None:
                communes.setdefault(getattr(commune, field), []).append(
                    (commune.anchor.x, commune.anchor.y)
                )
    for row in rows:
        out_of_reach = (row.loaded_population or 0) - (row.reached_population or 0)
        anchor = anchors.get(row.code)
        if out_of_reach <= 0 or anchor is None:
            continue
        targets.append(
            Target(
                id=f"{level}:{row.code}",
                label=row.name,
                lon=anchor.x,
                lat=anchor.y,
                weight=out_of_reach,
                points=tuple(communes.get(row.code, ())),
            )
        )
    return targets


def _scope_units(level: str, codes: list[str]):
    from carto.territories.models import Territory

    return Territory.objects.filter(kind=level, code__in=codes)


def _communes_of(level: str, codes: list[str]):
    from carto.territories.models import Territory

    return Territory.objects.filter(kind=Kind.COMMUNE, **{f"{PARENT_FIELD[level]}__in": codes})


def siting_candidates(kinds: list[str], scope):
    """Candidate hosts: published actors of these kinds (all kinds when empty) in the scope."""
    from .siting import Candidate

    actors = Actor.objects.published().filter(duplicate_of__isnull=True)
    if kinds:
        actors = actors.filter(kind__in=kinds)
    if scope:
        actors = actors.in_territory(*scope)
    return [
        Candidate(id=str(a.id), label=a.name, lon=a.location.x, lat=a.location.y)
        for a in actors.only("id", "name", "location")
    ]
