"""The write side of the benchmark: importing 100 000 actors, and recomputing national
coverage from geometry.

Design choices:
- the import is the project's path for large imports, timed by phase: COPY into a
  staging table and one INSERT … SELECT into actors_actor (every index and the search
  trigger maintained, on top of the N actors already there), the territories attached
  from geometry by carto's own service (`attach_actors`): the transaction an importer
  commits. The task queue's job that follows the commit (`refresh_derived`) is not in
  it: past FULL_THRESHOLD changed actors, it is the full pass timed below. It runs in one
  transaction that is rolled back at the end, so the benchmark database keeps exactly N
  actors for the next run. The rows are placed like the query points (town halls by
  population, moved about a kilometre);
- the coverage recomputation is carto's full precomputed pass (`precompute.full_refresh`,
  what `refresh_coverage --full` runs), timed alone; the other derived data that command
  rebuilds beside it (the tiles' cells) is timed apart.
"""

from __future__ import annotations

import random
import time

from bench import generate

from .samples import SEED, Drawer, communes, jittered


class _Rollback(Exception):
    pass


def import_rows(rows: int) -> dict:
    """Seconds to import `rows` actors, by phase (then rolled back)."""
    from django.db import transaction

    from carto.actors.services import attach_actors
    from carto.planning.precompute import FULL_THRESHOLD

    rng = random.Random(SEED + 7)
    towns = communes()
    drawer = Drawer(rng, towns, [population for _c, population, _x, _y in towns])
    points = [jittered(rng, *drawer.draw()[2:], 1.0) for _ in range(rows)]
    phases = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            ids = generate.insert_points(points, prefix="import")
            phases["copy_insert_s"] = round(time.perf_counter() - started, 2)
            mark = time.perf_counter()
            attach_actors(ids)
            phases["attach_s"] = round(time.perf_counter() - mark, 2)
            total = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    threshold = f"{FULL_THRESHOLD:_}".replace("_", "\u202f")
    return {
        "available": True,
        "rows": len(ids),
        "seconds": round(total, 2),
        "rows_per_s": round(len(ids) / total) if total else None,
        "phases": phases,
        "method": (
            "COPY → INSERT … SELECT → attach_actors, transaction annulée ; la tâche différée des "
            f"données dérivées suit le commit (au-delà de {threshold} acteurs changés, le "
            "recalcul complet de la couverture et des cellules des tuiles, mesuré ci-dessous)"
        ),
    }


def coverage_recompute() -> dict:
    """Seconds to recompute national coverage from the geometries (the precomputed
    pass), then what `refresh_coverage --full` also rebuilds beside it: the vector
    tiles' cells."""
    from django.core.management import get_commands

    if "refresh_coverage" not in get_commands():
        return {"available": False, "reason": "commande refresh_coverage introuvable"}
    from carto.layers.tiles.aggregates import refresh_actor_aggregates
    from carto.planning import precompute

    phases = {}
    started = time.perf_counter()
    summary = precompute.full_refresh()
    phases["coverage"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    refresh_actor_aggregates(None)
    phases["tile_cells"] = round(time.perf_counter() - started, 1)
    return {
        "available": True,
        "seconds": phases["coverage"],
        "facets": summary.facets,
        "phases": phases,
        "method": (
            "precompute.full_refresh() : arbres k-d en mémoire, distances mesurées par PostGIS ; "
            f"refresh_coverage --full reconstruit aussi les cellules des tuiles "
            f"({phases['tile_cells']:.0f} s)"
        ),
    }
