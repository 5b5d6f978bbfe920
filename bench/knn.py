"""Benchmark: `near` through the KNN operator against the naive `Distance()` ordering.

Both queries ask for the 20 actors nearest to a point, with their distance in metres:

- KNN: the project's `Actor.objects.near(lon, lat)`, ordered by `geog <-> point`, which
  PostgreSQL serves by walking the `actor_geog_gist` index (Index Scan … Order By);
- naive: `annotate(distance_m=Distance("geog", point)).order_by("distance_m")`, the
  Django idiom, which computes ST_Distance for every row and sorts the whole table.

Each query is compiled once by the ORM; what is timed is its execution through Django's
cursor, rows fetched included, so that both sides pay the same (negligible) Python cost.
They run in turn, on the same data, in the same run: only their ratio means something,
never an absolute time on another machine.

The naive query is timed twice: with the server's JIT setting (PostgreSQL's default is
on, and its cost estimate for ST_Distance on every row is far above jit_above_cost, so it
compiles the query on every execution) and with `SET jit = off`, to tell the cost of
sorting the table from the cost of compiling. The KNN query is too cheap to be compiled. Before timing, one pass checks that
both return the same ids in the same order (up to near-ties: `<->` measures on the
sphere, ST_Distance on the spheroid) and that the plans are the expected ones; the
script exits with status 1 when a check fails.

Usage, from the project root:
    .venv/bin/python bench/knn.py [--rows 200000] [--queries 50] [--repeat 5] [--keep]
"""

import argparse
import math
import platform
import statistics
import sys
import time

import generate

NEIGHBOURS = 20
# Two rows may swap places when their distances are this close: the sphere and the
# spheroid disagree by well under 1 % on a distance.
TIE_TOLERANCE = 0.01
KNN, NAIVE, NAIVE_NO_JIT = "KNN (<->)", "Distance()", "Distance() sans JIT"


def compiled_queries(lon: float, lat: float) -> dict[str, tuple[str, tuple]]:
    """The SQL and parameters of both queries around (lon, lat), as the ORM builds them."""
    from django.contrib.gis.db.models.functions import Distance
    from django.contrib.gis.geos import Point

    from carto.actors.models import Actor
    from carto.srid import WGS84

    point = Point(lon, lat, srid=WGS84)
    knn = Actor.objects.near(lon, lat)
    naive = (
        Actor.objects.filter(geog__isnull=False)
        .annotate(distance_m=Distance("geog", point))
        .order_by("distance_m")
    )
    return {
        name: queryset.values_list("id", "distance_m")[:NEIGHBOURS].query.sql_with_params()
        for name, queryset in ((KNN, knn), (NAIVE, naive))
    }


def timed(cursor, query: tuple[str, tuple], jit: bool = True) -> tuple[float, list]:
    """Milliseconds to execute the query and fetch its rows, and the rows."""
    if not jit:
        cursor.execute("SET jit = off")
    started = time.perf_counter()
    cursor.execute(*query)
    rows = cursor.fetchall()
    elapsed_ms = (time.perf_counter() - started) * 1000
    if not jit:
        cursor.execute("RESET jit")
    return elapsed_ms, rows


def same_neighbours(knn: list, naive: list) -> bool:
    """Same ids in the same order, except where two rows have near-equal distances."""
    return len(knn) == len(naive) and all(
        id_a == id_b or math.isclose(dist_a, dist_b, rel_tol=TIE_TOLERANCE, abs_tol=0.5)
        for (id_a, dist_a), (id_b, dist_b) in zip(knn, naive, strict=True)
    )


def explain(cursor, query: tuple[str, tuple]) -> str:
    sql, params = query
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
    return "\n".join(row[0] for row in cursor.fetchall())


def plan_checks(plans: dict[str, str]) -> dict[str, bool]:
    """The plan shapes this benchmark is about: the index walk against the full sort."""
    knn, naive = plans[KNN], plans[NAIVE]
    return {
        "KNN : Index Scan using actor_geog_gist … Order By": (
            "Index Scan using actor_geog_gist" in knn
            and "Order By: (geog <->" in knn
            and "Sort" not in knn
        ),
        "Distance() : Sort de toute la table": "Sort" in naive and "Order By:" not in naive,
    }


def percentile_95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def run(rows: int, queries: int, repeat: int, departements: str) -> bool:
    """Generate, check, time and report; True when every check passed."""
    from django.db import connection

    started = time.perf_counter()
    generate.create_database(departements)
    count = generate.generate(rows)
    generation_s = time.perf_counter() - started

    points = generate.query_points(queries)
    compiled = [compiled_queries(lon, lat) for lon, lat in points]
    methods = {KNN: (KNN, True), NAIVE: (NAIVE, True), NAIVE_NO_JIT: (NAIVE, False)}
    timings = {name: [] for name in methods}
    with connection.cursor() as cursor:
        # Check pass (also a warm-up: caches, hint bits), then the timed passes.
        agreements = exact = 0
        disagreements = []
        for (lon, lat), query in zip(points, compiled, strict=True):
            knn_rows, naive_rows = timed(cursor, query[KNN])[1], timed(cursor, query[NAIVE])[1]
            exact += [row[0] for row in knn_rows] == [row[0] for row in naive_rows]
            if same_neighbours(knn_rows, naive_rows):
                agreements += 1
            else:
                disagreements.append((lon, lat, knn_rows, naive_rows))
        names = list(methods)
        for turn in range(repeat):
            for index, query in enumerate(compiled):
                shift = (turn + index) % len(names)  # each method goes first in turn
                for name in names[shift:] + names[:shift]:
                    key, jit = methods[name]
                    timings[name].append(timed(cursor, query[key], jit)[0])
        plans = {name: explain(cursor, compiled[0][name]) for name in (KNN, NAIVE)}
        cursor.execute(
            "SELECT split_part(version(), ' ', 2), postgis_lib_version(), "
            "current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
        )
        server = cursor.fetchone()

    checks = plan_checks(plans)
    report(
        count=count,
        departements=departements,
        generation_s=generation_s,
        queries=queries,
        repeat=repeat,
        server=server,
        agreements=agreements,
        exact=exact,
        disagreements=disagreements,
        timings=timings,
        plans=plans,
        checks=checks,
    )
    return not disagreements and all(checks.values())


def report(
    *,
    count,
    departements,
    generation_s,
    queries,
    repeat,
    server,
    agreements,
    exact,
    disagreements,
    timings,
    plans,
    checks,
) -> None:
    lon, lat = generate.query_points(1)[0]
    print(f"Banc d'essai « near » : KNN (<->) contre tri par Distance(), {NEIGHBOURS} plus proches")
    postgres, postgis, jit, workers = server
    print(
        f"Machine : {platform.machine()}, {_cpus()} cœurs ; PostgreSQL {postgres}, PostGIS "
        f"{postgis} (jit = {jit}, max_parallel_workers_per_gather = {workers}) ; "
        f"base {generate.database_name()}"
    )
    print(
        f"Lignes : {_thousands(count)} acteurs (dans les communes des départements "
        f"{departements}, au prorata de la population, graine {generate.SEED}), base migrée "
        f"et remplie en {generation_s:.1f} s"
    )
    print(
        f"Requêtes : {queries} points × {repeat} répétitions = "
        f"{queries * repeat} mesures par méthode (exécution + lecture des lignes)"
    )
    print(
        f"Mêmes voisins dans le même ordre : {agreements}/{queries} "
        f"(dont {agreements - exact} à ex æquo près : distances à moins de "
        f"{TIE_TOLERANCE * 100:.0f} % l'une de l'autre)"
    )
    for lon_d, lat_d, knn_rows, naive_rows in disagreements:
        print(f"  DIFFÉRENCE en ({lon_d}, {lat_d}) :\n    KNN   {knn_rows}\n    naïf  {naive_rows}")
    print()
    print(f"{'':22}{'médiane':>12}{'p95':>12}")
    medians, p95s = {}, {}
    for name, values in timings.items():
        medians[name], p95s[name] = statistics.median(values), percentile_95(values)
        print(f"{name:22}{medians[name]:>9.3f} ms{p95s[name]:>9.3f} ms")
    print()
    for naive in (NAIVE, NAIVE_NO_JIT):
        print(
            f"Rapport {naive}/KNN : {medians[naive] / medians[KNN]:.0f} × (médianes), "
            f"{p95s[naive] / p95s[KNN]:.0f} × (p95)"
        )
    print()
    for name, plan in plans.items():
        print(f"EXPLAIN (ANALYZE, BUFFERS) {name}, autour de ({lon}, {lat}) :")
        print("\n".join(f"    {line}" for line in plan.splitlines()))
        print()
    for label, passed in checks.items():
        print(f"Plan {label} : {'oui' if passed else 'NON'}")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=generate.DEFAULT_ROWS, help="acteurs générés")
    parser.add_argument("--queries", type=int, default=50, help="points de requête")
    parser.add_argument("--repeat", type=int, default=5, help="passes mesurées sur ces points")
    parser.add_argument("--keep", action="store_true", help="conserver la base à la fin")
    parser.add_argument("--database", default=generate.DEFAULT_DATABASE, help="base recréée")
    parser.add_argument(
        "--departements", default=generate.DEFAULT_DEPARTEMENTS, help="territoires importés"
    )
    args = parser.parse_args()
    if min(args.rows, args.queries, args.repeat) < 1:
        parser.error("--rows, --queries et --repeat doivent être au moins 1")

    generate.setup_django(args.database)
    try:
        passed = run(args.rows, args.queries, args.repeat, args.departements)
    finally:
        if args.keep:
            print(f"Base {args.database} conservée (--keep).")
        else:
            generate.drop_database()
    if not passed:
        print("ÉCHEC : une vérification n'est pas passée (voir ci-dessus).", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
