"""Planning's use cases beside coverage (carto/planning/coverage.py): the targets and
candidate hosts of the siting, and keeping the derived data of the directory in step.

The precomputed coverage (precompute.py) and the actor tiles' cells are brought in step
by one job of the task queue (tasks.refresh_coverage), deferred once per transaction that
changed the directory or the territories, after it commits (`schedule_refresh`): never
once per saved row, never on the request path. The live coverage needs no refresh: it
reads the actors' own territory codes.
"""

from __future__ import annotations

import contextlib

from django.db import connection, transaction

from carto.actors.models import Actor
from carto.territories.codes import Kind

from .coverage import PARENT_FIELD, coverage


def refresh_derived(full: bool = False):
    """Bring the derived data in step now, in the current transaction: the precomputed
    coverage and the actor tiles' cells where actors changed (all of them after a full
    pass). What the job does; also for a command that cannot wait for the
    worker, and for tests. Returns the coverage pass's summary."""
    from carto.layers.tiles.aggregates import refresh_actor_aggregates

    from . import precompute

    summary = precompute.full_refresh() if full else precompute.apply_changes()
    if summary.full or summary.communes:
        refresh_actor_aggregates(None if summary.full else summary.communes)
    return summary


def enqueue_refresh() -> None:
    """Defer the refresh job, unless one is already waiting (its queueing lock): the
    waiting one will see this transaction's changes too."""
    from procrastinate import exceptions

    from .tasks import refresh_coverage

    # In a savepoint: the refused insert must not abort a caller's transaction.
    with contextlib.suppress(exceptions.AlreadyEnqueued), transaction.atomic():
        refresh_coverage.configure(queueing_lock=refresh_coverage.name).defer()


def schedule_refresh(**_signal) -> None:
    """Defer the refresh once the current transaction commits (now, outside one); a burst
    of writes in one transaction queues a single job."""
    queued = any(callback is enqueue_refresh for _ids, callback, *_ in connection.run_on_commit)
    if not queued:
        transaction.on_commit(enqueue_refresh)


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
