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

Placement: a few hundred city centres drawn in metropolitan France's box, with Zipf-like
sizes (a few big cities, many small towns) and a Gaussian spread that grows with the
city, plus a uniform background (rural actors). A fixed seed gives the same points on
every run.

Loading follows the project's rule for large imports: COPY into a staging table, then one
INSERT … SELECT, then VACUUM ANALYZE. The columns the benchmark does not care about are
copied from one template actor saved by the ORM, so that every NOT NULL column gets the
model's default without this file listing the schema.

Usage, from the project root: .venv/bin/python bench/generate.py [--rows N] [--database NAME]
(keeps the database, to explore it with psql; bench/knn.py generates its own).
"""

import argparse
import math
import os
import random
import time
from dataclasses import dataclass

import psycopg
from psycopg import sql

DEFAULT_DATABASE = "carto_bench"
DEFAULT_ROWS = 200_000
SEED = 20_240_601
FRANCE_BBOX = (-5.0, 41.3, 9.5, 51.1)  # metropolitan France: min lon, min lat, max lon, max lat
CITIES = 300
BACKGROUND_SHARE = 0.15  # actors scattered uniformly, away from any city
KM_PER_DEGREE_LAT = 110.57


@dataclass(frozen=True)
class City:
    lon: float
    lat: float
    spread_km: float  # standard deviation of its actors' distance to the centre, per axis


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


def create_database() -> None:
    """A fresh benchmark database with carto's schema (the migrations create the extensions)."""
    from django.core.management import call_command

    drop_database()
    with admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name())))
    call_command("migrate", verbosity=0, interactive=False)


def cities(seed: int = SEED) -> list[City]:
    """City centres in France's box; the city of rank r is about 1/r as large as the first."""
    rng = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = FRANCE_BBOX
    return [
        City(
            lon=rng.uniform(min_lon, max_lon),
            lat=rng.uniform(min_lat, max_lat),
            spread_km=2 + 20 / math.sqrt(rank),
        )
        for rank in range(1, CITIES + 1)
    ]


def france_like_points(count: int, seed: int, centres: list[City]) -> list[tuple[float, float]]:
    """`count` (lon, lat) points: around the centres (Zipf weights), plus a uniform background."""
    rng = random.Random(seed)
    min_lon, min_lat, max_lon, max_lat = FRANCE_BBOX
    cumulative = list(_cumulative(1 / rank for rank in range(1, len(centres) + 1)))
    points = []
    for _ in range(count):
        if rng.random() < BACKGROUND_SHARE:
            lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        else:
            city = rng.choices(centres, cum_weights=cumulative)[0]
            km_per_degree_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(city.lat))
            lon = city.lon + rng.gauss(0, city.spread_km) / km_per_degree_lon
            lat = city.lat + rng.gauss(0, city.spread_km) / KM_PER_DEGREE_LAT
        points.append(
            (
                round(min(max(lon, min_lon), max_lon), 6),  # 6 decimals: about 0.1 m
                round(min(max(lat, min_lat), max_lat), 6),
            )
        )
    return points


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def actor_points(rows: int) -> list[tuple[float, float]]:
    """The benchmark's actors: always the same `rows` points."""
    return france_like_points(rows, SEED + 1, cities())


def query_points(count: int) -> list[tuple[float, float]]:
    """Where people search from: drawn like the actors (around the same cities), other seed."""
    return france_like_points(count, SEED + 2, cities())


def generate(rows: int = DEFAULT_ROWS) -> int:
    """Insert `rows` published actors into the benchmark database, then VACUUM ANALYZE.

    Returns the number of actors in the table."""
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction

    from carto.actors.models import Actor, ActorKind, Status
    from carto.srid import WGS84

    points = actor_points(rows)
    with transaction.atomic():
        template = Actor.objects.create(
            name="modèle",
            name_key="modele",
            kind=ActorKind.objects.order_by("position", "slug").first(),
            source="bench",
            source_id="modele",
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
                f"SELECT 'Acteur ' || p.n, 'acteur ' || p.n, 'bench-' || p.n, "
                f"ST_SetSRID(ST_MakePoint(p.lon, p.lat), {WGS84}), "
                f"{', '.join('t.' + quote(column) for column in copied)} "
                "FROM bench_point p CROSS JOIN actors_actor t WHERE t.id = %s",
                [template.pk],
            )
            cursor.execute("DROP TABLE bench_point")
        template.delete()
    with connection.cursor() as cursor:
        # Outside the transaction: the table as autovacuum would leave it, statistics included.
        cursor.execute("VACUUM ANALYZE actors_actor")
        cursor.execute("SELECT count(*) FROM actors_actor")
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="nombre d'acteurs")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="base recréée")
    args = parser.parse_args()
    setup_django(args.database)
    started = time.perf_counter()
    create_database()
    count = generate(args.rows)
    print(
        f"{args.database} : {count} acteurs générés en {time.perf_counter() - started:.1f} s "
        "(base conservée ; DROP DATABASE à la main)"
    )


if __name__ == "__main__":
    main()
