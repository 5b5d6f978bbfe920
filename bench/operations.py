"""The operations of issue 12's benchmark, and the request paths each server gets for them.

One operation = one kind of request, asked of every server that can answer it, with
the same samples (bench/samples.py):

- carto: the public API and tiles, as a client calls them;
- naive: the same query string on bench/naive.py's views (`Distance()` ordering,
  ST_Within the whole territory outline, drf-gis serialisation in Python);
- MapServer: WFS 2.0 GetFeature (GeoJSON) and OGC API Features items, bbox queries
  only, with the same number of features asked for (COUNT / limit);
- the floor: the SQL carto's view runs, captured from carto itself (bench/floor.py).

The query strings carto accepts are written here once: when the API changes a
parameter's name, this is the one place to follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .samples import TILE_ZOOMS, Samples

NEAR_PAGE = 20
CITY_PAGE = 1000
CAP = 5000  # the hard cap of a GeoJSON response (issue 12)
TERRITORY_PAGE = 100
COVERAGE_LEVELS = ("commune", "epci", "bv", "departement", "region", "qpv")
# The mixed API load: what a map and a list ask for, in these proportions.
MIX = (("tiles_z14", 4), ("near", 3), ("bbox_city", 2), ("territory_bv", 1))

NAIVE_PREFIX = "/bench/naive/actors/"
MAPSERVER_COLUMNS = "id,name,kind"  # bench/mapserver/actors.map.in's layer


@dataclass
class Operation:
    key: str
    label: str
    carto: list[str]
    naive: list[str] = field(default_factory=list)
    wfs: list[str] = field(default_factory=list)
    ogc: list[str] = field(default_factory=list)
    kind: str = "geojson"  # geojson, tile, coverage, mixed
    floor: bool = True
    features: int | None = None  # features asked for per response
    parts: tuple = ()  # mixed: the operations it draws from

    def paths(self, server: str) -> list[str]:
        return {"carto": self.carto, "naive": self.naive, "wfs": self.wfs, "ogc": self.ogc}[server]


def _bbox(bbox) -> str:
    return ",".join(f"{value:.6f}" for value in bbox)


def wfs_path(bbox, count: int) -> str:
    """WFS 2.0 with the EPSG URN: latitude first, as the standard orders EPSG:4326."""
    min_lon, min_lat, max_lon, max_lat = bbox
    return (
        "/mapserv?map=ACTORS&SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=actors"
        f"&OUTPUTFORMAT=geojson&COUNT={count}"
        f"&BBOX={min_lat:.6f},{min_lon:.6f},{max_lat:.6f},{max_lon:.6f},urn:ogc:def:crs:EPSG::4326"
    )


def ogc_path(bbox, limit: int) -> str:
    return (
        f"/mapserv/ACTORS/ogcapi/collections/actors/items?f=json&bbox={_bbox(bbox)}&limit={limit}"
    )


def build(samples: Samples) -> list[Operation]:
    near = [f"near={lon:.6f},{lat:.6f}&page_size={NEAR_PAGE}" for lon, lat in samples.near]
    city = [f"bbox={_bbox(bbox)}&page_size={CITY_PAGE}" for bbox in samples.city_bboxes]
    departement = [f"bbox={_bbox(bbox)}&page_size={CAP}" for bbox in samples.departement_bboxes]
    # carto sends the columns MapServer's layer publishes (id, name, kind): the same
    # content, compared byte for byte; the naive way serialises every property.
    same_columns = f"&properties={MAPSERVER_COLUMNS}"
    territory = [f"territory=bv:{code}&page_size={TERRITORY_PAGE}" for code in samples.bv_codes]
    operations = [
        Operation(
            "near",
            f"`near` : les {NEAR_PAGE} plus proches",
            [f"/api/v1/actors/?{query}" for query in near],
            naive=[f"{NAIVE_PREFIX}?{query}" for query in near],
            features=NEAR_PAGE,
        ),
        Operation(
            "bbox_city",
            f"`bbox` d'une ville (≈ {CITY_PAGE} acteurs)",
            [f"/api/v1/actors/?{query}{same_columns}" for query in city],
            naive=[f"{NAIVE_PREFIX}?{query}" for query in city],
            wfs=[wfs_path(bbox, CITY_PAGE) for bbox in samples.city_bboxes],
            ogc=[ogc_path(bbox, CITY_PAGE) for bbox in samples.city_bboxes],
            features=CITY_PAGE,
        ),
        Operation(
            "bbox_departement",
            f"`bbox` d'un département (plafond {CAP})",
            [f"/api/v1/actors/?{query}{same_columns}" for query in departement],
            naive=[f"{NAIVE_PREFIX}?{query}" for query in departement],
            wfs=[wfs_path(bbox, CAP) for bbox in samples.departement_bboxes],
            ogc=[ogc_path(bbox, CAP) for bbox in samples.departement_bboxes],
            features=CAP,
        ),
        Operation(
            "territory_bv",
            f"`territory=bv:…` ({TERRITORY_PAGE} par page)",
            [f"/api/v1/actors/?{query}" for query in territory],
            naive=[f"{NAIVE_PREFIX}?{query}" for query in territory],
            features=TERRITORY_PAGE,
        ),
    ]
    for zoom in TILE_ZOOMS:
        operations.append(
            Operation(
                f"tiles_z{zoom}",
                f"tuiles, zoom {zoom}",
                [f"/tiles/actors/{zoom}/{x}/{y}.pbf" for x, y in samples.tiles[zoom]],
                kind="tile",
            )
        )
    for level in COVERAGE_LEVELS:
        operations.append(
            Operation(
                f"coverage_{level}",
                f"couverture nationale, niveau {level}",
                [f"/api/v1/coverage/?level={level}"],
                kind="coverage",
            )
        )
    operations.append(
        Operation(
            "mixed",
            "charge mixte de l'API (" + ", ".join(f"{k} ×{w}" for k, w in MIX) + ")",
            [],  # filled by mix() with the parts that are available
            kind="mixed",
            floor=False,
            parts=tuple(key for key, _weight in MIX),
        )
    )
    return operations


def mix(operations: dict[str, Operation], available: set[str]) -> list[str]:
    """The mixed load's paths: each available part in its proportion (100 paths a unit of
    weight, cycling through its samples); wrk draws among them at random."""
    paths = []
    for key, weight in MIX:
        if key in available and operations[key].carto:
            part = operations[key].carto
            paths.extend(part[i % len(part)] for i in range(100 * weight))
    return paths
