"""The write side of the benchmark: importing 100 000 actors, and recomputing national
coverage from geometry.

Design choices:
- the import is the project's path for large imports, timed by phase: COPY into a
  staging table and one INSERT … SELECT into actors_actor (every index and the search
  trigger maintained, on top of the N actors already there), the territories attached
  from geometry by carto's own service (`attach_actors`), and the coverage's
  materialized view refreshed. It runs in one transaction that is rolled back at the
  end, so the benchmark database keeps exactly N actors for the next run. The rows are
  placed like the query points (town halls by population, moved about a kilometre);
- the coverage recomputation is carto's: BENCH_COVERAGE_COMMAND (a management command
  and its arguments) when given, else `refresh_coverage --full` (everything recomputed
  from geometry) when the project has it, else the services that existed before it:
  every actor re-attached to its territories from geometry (`attach_actors`), then the
  coverage's materialized view refreshed.
"""

from __future__ import annotations

import os
import random
import shlex
import time

from bench import generate

from .samples import SEED, Drawer, communes, jittered


class _Rollback(Exception):
    pass


def import_rows(rows: int) -> dict:
    """Seconds to import `rows` actors, by phase (then rolled back)."""
    from django.db import transaction

    from carto.actors.services import attach_actors
    from carto.planning.services import refresh_actor_territory

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
            mark = time.perf_counter()
            refresh_actor_territory()
            phases["refresh_s"] = round(time.perf_counter() - mark, 2)
            total = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {
        "available": True,
        "rows": len(ids),
        "seconds": round(total, 2),
        "rows_per_s": round(len(ids) / total) if total else None,
        "phases": phases,
        "method": "COPY → INSERT … SELECT → attach_actors → REFRESH (transaction annulée)",
    }


def coverage_recompute() -> dict:
    """Seconds to recompute national coverage from the geometries."""
    from django.core.management import call_command, get_commands

    command = shlex.split(
        os.environ.get("BENCH_COVERAGE_COMMAND")
        or ("refresh_coverage --full" if "refresh_coverage" in get_commands() else "")
    )
    started = time.perf_counter()
    if command:
        if command[0] not in get_commands():
            return {"available": False, "reason": f"commande {command[0]} introuvable"}
        call_command(*command, verbosity=0)
        method = f"manage.py {shlex.join(command)}"
    else:
        from carto.actors.services import attach_actors
        from carto.planning.services import refresh_actor_territory

        attached = attach_actors()
        refresh_actor_territory()
        method = f"attach_actors() de {attached} acteurs + REFRESH planning_actor_territory"
    return {
        "available": True,
        "seconds": round(time.perf_counter() - started, 1),
        "method": method,
    }
