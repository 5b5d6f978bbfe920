"""Benchmark data: a throwaway database migrated like carto's, filled with N actors placed
like French ones.

Design choice: the benchmark runs carto's own migrations into a database of its own
(`carto_bench`, dropped and recreated) and fills the real `actors_actor` table. It thus
measures the project's `Actor.objects.near()` on the very schema production runs (the
generated `geog` column, the `actor_geog_gist` index, the search trigger, the other
indexes every insert maintains), and follows both when they change. The project's own
database is never touched: Django is pointed at the benchmark database before it opens
any connection, and a database is only ever dropped if its name holds "bench" and differs
from the project's.

Placement: one generator for the benchmarks and `manage.py generate_benchmark_data`,
carto/actors/benchmark_data.py. The database gets France's territories (or the
départements asked for) from `import_territories`, then the actors are placed inside the
communes in proportion to their population, with realistic kinds, themes and publics
and the territory codes a real actor gets (COPY, one INSERT … SELECT, derived tables).
A fixed seed gives the same actors on every run; the query points are drawn the same
way (a commune by population, a point inside it) with another seed. VACUUM ANALYZE then
leaves the table as autovacuum would.

`insert_points` (the import measured by `make bench`) writes one plain actor at each
given point: the columns the benchmark does not care about are copied from one template
actor saved by the ORM, so that every NOT NULL column gets the model's default without
this file listing the schema.

Usage, from the project root:
    .venv/bin/python bench/generate.py [--rows N] [--database NAME] [--departements all|09,62]
(keeps the database, to explore it with psql; bench/knn.py generates its own).
"""

import argparse
import io
import os
import time

import psycopg
from psycopg import sql

DEFAULT_DATABASE = "carto_bench"
DEFAULT_ROWS = 200_000
DEFAULT_DEPARTEMENTS = "all"  # territories imported: `all`, `demo` or codes (import_territories)
SEED = 20_240_601


def setup_django(database: str) -> None:
    """Point Django at the benchmark database, before any connection opens, and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carto.settings")
    import django
    from django.conf import settings

    project_database = settings.DATABASES["default"]["NAME"]
    if "bench" not in database or database == project_database:
        raise SystemExit(
            f"--database {database}: the benchmark drops and recreates this database, so its "
            f"name must hold « bench » and differ from the project's ({project_database})"
        )
    settings.DATABASES["default"]["NAME"] = database
    settings.DEBUG = False  # no query log: Django's cursor adds next to nothing to a timing
    django.setup()


def admin_connection() -> psycopg.Connection:
    """A connection to the server's `postgres` database, with the project's credentials."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=str(db["PORT"]) if db.get("PORT") else None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def database_name() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["NAME"]


def drop_database() -> None:
    """Drop the benchmark database (if it exists), closing Django's connection first."""
    from django.db import connections

    connections.close_all()
    with admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database_name())
            )
        )


def create_database(departements: str = DEFAULT_DEPARTEMENTS) -> None:
    """A fresh benchmark database with carto's schema (the migrations create the extensions)
    and the territories of these départements (`all`: France)."""
    from django.core.management import call_command

    drop_database()
    with admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name())))
    call_command("migrate", verbosity=0, interactive=False)
    call_command(
        "import_territories", departements=[departements], verbosity=0, stdout=io.StringIO()
    )


def query_points(count: int) -> list[tuple[float, float]]:
    """Where people search from: a commune drawn by population, a point inside it, as the
    actors are placed (another seed): always the same `count` points."""
    import numpy as np

    from carto.actors.benchmark_data import load_communes, sample_points

    rng = np.random.default_rng(SEED + 2)
    communes = load_communes()
    weights = communes.populations / communes.populations.sum()
    drawn = rng.choice(len(communes), size=count, p=weights)
    _index, lon, lat = sample_points(
        communes.geoms, np.bincount(drawn, minlength=len(communes)), rng
    )
    # sample_points sorts by commune: back to the order of the draws.
    order = np.argsort(np.argsort(drawn, kind="stable"), kind="stable")
    return [
        (round(float(x), 6), round(float(y), 6))
        for x, y in zip(lon[order], lat[order], strict=True)
    ]


def generate(rows: int = DEFAULT_ROWS) -> int:
    """`rows` synthetic actors in the loaded communes (carto/actors/benchmark_data.py), then
    VACUUM ANALYZE. Returns the number of actors in the table."""
    from django.db import connection

    from carto.actors import benchmark_data

    benchmark_data.generate(rows, seed=SEED)
    with connection.cursor() as cursor:
        # Outside the transaction: the table as autovacuum would leave it, statistics included.
        cursor.execute("VACUUM ANALYZE actors_actor")
        cursor.execute("SELECT count(*) FROM actors_actor")
        return cursor.fetchone()[0]


def insert_points(points: list[tuple[float, float]], prefix: str = "bench") -> list[int]:
    """One published actor at each point, by COPY into a staging table then one
    INSERT … SELECT; inside the caller's transaction. Returns the new actors' ids."""
    from django.contrib.gis.geos import Point
    from django.db import connection

    from carto.actors.models import Actor, ActorKind, Status
    from carto.srid import WGS84

    template = Actor.objects.create(
        name="modèle",
        name_key="modele",
        kind=ActorKind.objects.order_by("position", "slug").first(),
        source="bench",
        source_id=f"{prefix}-modele",
        location=Point(2.35, 48.85, srid=WGS84),
        status=Status.PUBLISHED,
    )
    varying = {"name", "name_key", "source_id", "location"}
    copied = [
        field.column
        for field in Actor._meta.concrete_fields
        if not field.primary_key
        and not field.generated
        and field.column not in varying
        and field.column != "search"  # filled by the search trigger
    ]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_point (n integer, lon float8, lat float8)")
        with cursor.cursor.copy("COPY bench_point (n, lon, lat) FROM STDIN") as copy:
            for n, (lon, lat) in enumerate(points, start=1):
                copy.write_row((n, lon, lat))
        quote = connection.ops.quote_name
        cursor.execute(
            f"INSERT INTO actors_actor (name, name_key, source_id, location, "
            f"{', '.join(quote(column) for column in copied)}) "
            f"SELECT 'Acteur ' || p.n, 'acteur ' || p.n, %s || p.n, "
            f"ST_SetSRID(ST_MakePoint(p.lon, p.lat), {WGS84}), "
            f"{', '.join('t.' + quote(column) for column in copied)} "
            "FROM bench_point p CROSS JOIN actors_actor t WHERE t.id = %s RETURNING id",
            [f"{prefix}-", template.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DROP TABLE bench_point")
    template.delete()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="nombre d'acteurs")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="base recréée")
    parser.add_argument(
        "--departements",
        default=DEFAULT_DEPARTEMENTS,
        help="territoires importés : all (défaut), demo ou des codes séparés par des virgules",
    )
    args = parser.parse_args()
    setup_django(args.database)
    started = time.perf_counter()
    create_database(args.departements)
    count = generate(args.rows)
    print(
        f"{args.database} : {count} acteurs générés en {time.perf_counter() - started:.1f} s "
        "(base conservée ; DROP DATABASE à la main)"
    )


if __name__ == "__main__":
    main()
