"""Planning's use cases beside coverage (carto/planning/coverage.py): the targets and
candidate hosts of the siting, and keeping the derived view of the directory in step.

The materialized view planning_actor_territory (sql/actor_territory.sql) is refreshed
once per transaction that changed the directory or the territories, after it commits
(`schedule_refresh`), never once per saved row.
"""

from __future__ import annotations

from django.db import connection, transaction

from carto.actors.models import Actor
from carto.territories.codes import Kind

from .coverage import PARENT_FIELD, coverage


def refresh_actor_territory() -> None:
    """Refresh the materialized view the coverage counts read, now."""
    concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
    with connection.cursor() as cursor:
        cursor.execute(f"REFRESH MATERIALIZED VIEW{concurrently} planning_actor_territory")


def schedule_refresh(**_signal) -> None:
    """Refresh the view once the current transaction commits (now, outside one); a burst
    of writes in one transaction queues a single refresh."""
    queued = any(
        callback is refresh_actor_territory for _ids, callback, *_ in connection.run_on_commit
    )
    if not queued:
        transaction.on_commit(refresh_actor_territory)


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
    """Candidate hosts: listed actors of these kinds (all kinds when empty) in the scope."""
    from .siting import Candidate

    actors = Actor.objects.listed().of_kinds(kinds)
    if scope:
        actors = actors.in_territory(*scope)
    return [
        Candidate(id=str(a.id), label=a.name, lon=a.location.x, lat=a.location.y)
        for a in actors.only("id", "name", "location")
    ]
