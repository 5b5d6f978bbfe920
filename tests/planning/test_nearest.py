"""The search in memory of a full coverage pass (carto/planning/nearest.py): the actor it
chooses for a town hall, and the candidates it keeps for a QPV outline, hold the nearest
as PostGIS measures it on the sphere, whatever the actors' spread."""

import numpy as np
import pytest
from django.db import connection

from carto.planning import nearest

pytestmark = pytest.mark.django_db


def outlines(count: int = 12) -> list[tuple[str, bytes]]:
    """Real QPV outlines of the demo territory as a full pass reads them (their own, or
    the union of their communes), the largest first, and the three outlines of their
    own (Ariège)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "(SELECT code, ST_AsBinary(shape) FROM planning_unit WHERE kind = 'qpv' "
            " ORDER BY ST_NPoints(shape) DESC LIMIT %s) "
            "UNION (SELECT u.code, ST_AsBinary(u.shape) FROM planning_unit u "
            " JOIN territories_territory t ON t.kind = 'qpv' AND t.code = u.code "
            " WHERE u.kind = 'qpv' AND t.geom IS NOT NULL)",
            [count],
        )
        return [(code, bytes(wkb)) for code, wkb in cursor.fetchall()]


def measured(code: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """PostGIS's distances from the QPV's outline to the points, on the sphere (as the
    live coverage and a full pass measure them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, "
            "q.shape_geog, false) "
            "FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, n), "
            "planning_unit q WHERE q.kind = 'qpv' AND q.code = %s ORDER BY p.n",
            [lon.tolist(), lat.tolist(), code],
        )
        return np.array([row[0] for row in cursor.fetchall()])


def spreads(shapes):
    """Points around the outlines at several scales: inside and next to the outline
    (metres), across the town (kilometres), a few far away (a rare facet)."""
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = np.array([s.bounds for s in shapes]).T
    centre_x, centre_y = (minx + maxx) / 2, (miny + maxy) / 2
    for scale, count in [(0.002, 3000), (0.02, 2000), (0.3, 300), (2.0, 20)]:
        pick = rng.integers(0, len(shapes), count)
        yield (
            centre_x[pick] + rng.normal(0, scale, count),
            centre_y[pick] + rng.normal(0, scale, count),
        )


def test_the_candidates_of_an_outline_hold_its_nearest_actor():
    rows = outlines()
    shapes = nearest.Outlines.from_wkb(rows)
    assert len(rows) >= 12
    for lon, lat in spreads(shapes.shapes):
        points = nearest.FacetPoints(np.arange(len(lon)) + 1, lon, lat)
        outline_index, point_index = points.candidates_for_outlines(shapes)
        assert set(outline_index.tolist()) == set(range(len(rows)))  # every outline answered
        for index, (code, _wkb) in enumerate(rows):
            truth = measured(code, lon, lat).min()
            kept = point_index[outline_index == index]
            best = measured(code, lon[kept], lat[kept]).min()
            assert best == pytest.approx(truth, abs=1e-6), (code, len(lon))
            assert len(kept) < len(lon)  # a few candidates, not every actor


def test_the_nearest_to_a_town_hall_is_the_nearest_on_the_sphere():
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(-5, 9, 5000), rng.uniform(41, 51, 5000)
    halls_lon, halls_lat = rng.uniform(-5, 9, 200), rng.uniform(41, 51, 200)
    points = nearest.FacetPoints(np.arange(5000), lon, lat)
    chosen = points.nearest_to_points(nearest.unit_vectors(halls_lon, halls_lat))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.n, min(ST_Distance(ST_MakePoint(h.lon, h.lat)::geography, "
            "ST_MakePoint(p.lon, p.lat)::geography, false)) "
            "FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS h(lon, lat, n), "
            "unnest(%s::float8[], %s::float8[]) AS p(lon, lat) GROUP BY h.n ORDER BY h.n",
            [halls_lon.tolist(), halls_lat.tolist(), lon.tolist(), lat.tolist()],
        )
        truth = np.array([row[1] for row in cursor.fetchall()])
        cursor.execute(
            "SELECT ST_Distance(ST_MakePoint(h.lon, h.lat)::geography, "
            "ST_MakePoint(p.lon, p.lat)::geography, false) "
            "FROM unnest(%s::float8[], %s::float8[], %s::float8[], %s::float8[]) "
            "WITH ORDINALITY AS h(lon, lat, plon, plat, n), "
            "LATERAL (SELECT h.plon AS lon, h.plat AS lat) p ORDER BY h.n",
            [halls_lon.tolist(), halls_lat.tolist(), lon[chosen].tolist(), lat[chosen].tolist()],
        )
        found = np.array([row[0] for row in cursor.fetchall()])
    np.testing.assert_allclose(found, truth, rtol=0, atol=1e-6)


def test_the_candidates_travel_as_postgresql_binary_copy():
    payload = nearest.candidates_copy([3, 7], [10, 2**40], [2.5, -61.0], [50.25, 16.0])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copied (ordinal int, actor_id bigint, lon float8, lat float8)"
        )
        with cursor.cursor.copy("COPY copied FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(payload)
        cursor.execute("SELECT * FROM copied ORDER BY ordinal")
        assert cursor.fetchall() == [(3, 10, 2.5, 50.25), (7, 2**40, -61.0, 16.0)]
        cursor.execute("DROP TABLE copied")
