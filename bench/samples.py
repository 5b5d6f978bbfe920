"""What the benchmark asks for: query points, bboxes, territories and tiles, sampled like
the data, from the benchmark database itself, with a fixed seed.

Design choices:
- people search where people live: every point is a commune's town hall (`anchor`)
  drawn with a weight of its population, moved by about a kilometre;
- a « city view » is a square around such a point (populous communes only), grown or
  shrunk by bisection until it holds about CITY_FEATURES listed actors (counted through
  the location's GiST index, as carto's `in_bbox` filters), so that it is the same
  amount of work on any dataset size;
- a « département view » is a département's bounding box: far more actors than the
  cap of a response, so that it measures a response at the cap;
- `territory=bv:…` uses bassins de vie drawn by population among those holding actors;
- tiles are the tiles holding the query points at each zoom (so, tiles over France,
  as often as people look there);
- the same samples feed every server (carto, the floor, the naive way, MapServer).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import asdict, dataclass, field

SEED = 20_250_612
NEAR_POINTS = 500
CITY_BBOXES = 50
CITY_FEATURES = 1000
CITY_TOLERANCE = 0.1  # a city view holds CITY_FEATURES ± 10 %
CITY_MIN_POPULATION = 5000
BV_SAMPLES = 200
TILES_PER_ZOOM = 300
TILE_ZOOMS = (6, 10, 14)
JITTER_KM = 1.0
KM_PER_DEGREE_LAT = 110.57

# The actors a public list shows (carto's `listed().in_directory()`).
LISTED = "listed AND NOT host_only"


@dataclass
class Samples:
    near: list[tuple[float, float]] = field(default_factory=list)
    city_bboxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    city_counts: list[int] = field(default_factory=list)
    departement_bboxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    departement_codes: list[str] = field(default_factory=list)
    departement_counts: list[int] = field(default_factory=list)
    bv_codes: list[str] = field(default_factory=list)
    bv_counts: list[int] = field(default_factory=list)
    tiles: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def summary(self) -> dict:
        def median(values):
            return sorted(values)[len(values) // 2] if values else None

        return {
            "seed": SEED,
            "near_points": len(self.near),
            "city_bboxes": len(self.city_bboxes),
            "city_features_median": median(self.city_counts),
            "departement_bboxes": len(self.departement_bboxes),
            "departement_features_median": median(self.departement_counts),
            "bv": len(self.bv_codes),
            "bv_features_median": median(self.bv_counts),
            "tiles": {str(z): len(set(tiles)) for z, tiles in self.tiles.items()},
        }

    def to_json(self) -> dict:
        return asdict(self)


def _rows(query: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall()


def communes() -> list[tuple[str, int, float, float]]:
    """(code, population, lon, lat) of every commune with people and a town hall."""
    return _rows(
        "SELECT code, population, ST_X(anchor), ST_Y(anchor) FROM territories_territory "
        "WHERE kind = 'commune' AND anchor IS NOT NULL AND population > 0 ORDER BY code"
    )


class Drawer:
    """Draws items with a weight, reproducibly."""

    def __init__(self, rng: random.Random, items: list, weights: list[float]):
        self.rng, self.items = rng, items
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self):
        return self.items[
            bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])
        ]


def jittered(rng: random.Random, lon: float, lat: float, km: float) -> tuple[float, float]:
    km_per_degree_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(lat))
    return (
        round(lon + rng.gauss(0, km) / km_per_degree_lon, 6),
        round(lat + rng.gauss(0, km) / KM_PER_DEGREE_LAT, 6),
    )


def count_in(bbox: tuple[float, float, float, float]) -> int:
    return _rows(
        f"SELECT count(*) FROM actors_actor WHERE {LISTED} "
        "AND location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
        list(bbox),
    )[0][0]


def square(lon: float, lat: float, half_km: float) -> tuple[float, float, float, float]:
    half_lat = half_km / KM_PER_DEGREE_LAT
    half_lon = half_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return (
        round(lon - half_lon, 6),
        round(lat - half_lat, 6),
        round(lon + half_lon, 6),
        round(lat + half_lat, 6),
    )


def city_view(lon: float, lat: float, features: int) -> tuple[tuple, int]:
    """A square around (lon, lat) holding about `features` actors (bisection on its size)."""
    low, high = 0.05, 150.0  # half a side, in km
    best = None
    for _ in range(18):
        half = math.sqrt(low * high)
        bbox = square(lon, lat, half)
        count = count_in(bbox)
        if best is None or abs(count - features) < abs(best[1] - features):
            best = (bbox, count)
        if abs(count - features) <= features * CITY_TOLERANCE:
            break
        if count < features:
            low = half
        else:
            high = half
    return best


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The XYZ (web mercator) tile holding a point."""
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    lat_rad = math.radians(lat)
    y = int((1 - math.asinh(math.tan(lat_rad)) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def draw(cap: int, log=print) -> Samples:
    """Every sample of the run (a few seconds: a few hundred indexed counts)."""
    rng = random.Random(SEED)
    towns = communes()
    if not towns:
        raise SystemExit("aucune commune avec une population et une mairie : territoires absents")
    samples = Samples()
    by_population = Drawer(rng, towns, [population for _c, population, _x, _y in towns])
    samples.near = [jittered(rng, *by_population.draw()[2:], JITTER_KM) for _ in range(NEAR_POINTS)]
    for zoom in TILE_ZOOMS:
        samples.tiles[zoom] = [
            tile_of(lon, lat, zoom) for lon, lat in samples.near[:TILES_PER_ZOOM]
        ]

    cities = [town for town in towns if town[1] >= CITY_MIN_POPULATION] or towns
    by_city = Drawer(rng, cities, [population for _c, population, _x, _y in cities])
    seen = set()
    for _ in range(CITY_BBOXES * 3):
        if len(samples.city_bboxes) >= CITY_BBOXES:
            break
        code, _population, lon, lat = by_city.draw()
        if code in seen and len(seen) < len(cities):
            continue
        seen.add(code)
        bbox, count = city_view(*jittered(rng, lon, lat, JITTER_KM / 2), CITY_FEATURES)
        if count:
            samples.city_bboxes.append(bbox)
            samples.city_counts.append(count)

    departements = _rows(
        "SELECT code, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box) FROM ("
        " SELECT code, Box2D(geom) AS box FROM territories_territory"
        " WHERE kind = 'departement' AND geom IS NOT NULL) d ORDER BY code"
    )
    counted = []
    for code, *box in departements:
        bbox = tuple(round(value, 6) for value in box)
        counted.append((count_in(bbox), code, bbox))
    full = [row for row in counted if row[0] >= cap]
    chosen = full or sorted(counted, reverse=True)[:5]
    for count, code, bbox in sorted(chosen, key=lambda row: row[1]):
        if count:
            samples.departement_codes.append(code)
            samples.departement_bboxes.append(bbox)
            samples.departement_counts.append(count)

    bvs = _rows(
        f"SELECT t.code, t.population, n.actors FROM territories_territory t JOIN ("
        f" SELECT bv_code, count(*) AS actors FROM actors_actor WHERE {LISTED}"
        " GROUP BY bv_code) n ON n.bv_code = t.code"
        " WHERE t.kind = 'bv' AND t.geom IS NOT NULL ORDER BY t.code"
    )
    if bvs:
        by_bv = Drawer(rng, bvs, [max(population or 0, 1) for _c, population, _n in bvs])
        for _ in range(BV_SAMPLES):
            code, _population, actors = by_bv.draw()
            samples.bv_codes.append(code)
            samples.bv_counts.append(actors)
    log(
        f"échantillons : {len(samples.near)} points, {len(samples.city_bboxes)} vues de ville "
        f"(médiane {samples.summary()['city_features_median']} acteurs), "
        f"{len(samples.departement_bboxes)} départements, {len(set(samples.bv_codes))} bassins de vie"
    )
    return samples
