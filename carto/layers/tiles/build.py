"""One tile, one statement: the SQL of sql/tiles.sql run with the tile's parameters.

Which statement an actor tile runs:
- z >= 12 (past CLUSTER_MAX_ZOOM): `actor_points`, the matching actors themselves, or
  live clusters on a fine grid when the tile holds more than POINT_CAP of them;
- z <= 11, no filter, or kinds and at most one theme or one public: `actor_cells`, the
  precomputed cells of that facet (exact: an actor has one kind, and is counted once in
  the facet of each of its themes and publics);
- z <= 11 with q, territory, several themes or publics, or a theme and a public:
  `actor_live_clusters`, the same grid counted from the matching actors. Its cost follows
  how many match in the tile (a text search or a territory bounds it; a broad theme pair at
  zoom 5 over Paris does not), within the web's statement timeout; Redis keeps the result.
"""

from functools import lru_cache

from django.db import connection, transaction
from psycopg import sql

from carto.layers.sql import load_queries
from carto.territories.querysets import zoom_tolerance

from .filters import ActorFilters, Relation
from .grid import (
    BUFFER,
    CLUSTER_MAX_ZOOM,
    DENSE_GRID_BITS,
    EXTENT,
    GRID_BITS,
    MARGIN,
    POINT_CAP,
    cell_size,
)

# The lowest zoom each kind of territory is drawn from (TileJSON minzoom): below, a tile
# would hold thousands of polygons smaller than a pixel. An empty tile answers it.
TERRITORY_MIN_ZOOM = {"region": 0, "departement": 0, "epci": 5, "bv": 5, "commune": 9, "qpv": 8}


# Sent before every tile's statement (see _run), and before the points' (see actor_tile).
_PLAIN = (
    "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; "
    "SET LOCAL work_mem = '32MB';\n"
)
_SPATIAL_ONLY = "SET LOCAL enable_bitmapscan = off;\n"


@lru_cache(maxsize=512)
def _statement(name: str, relation_sql: str | None = None) -> str:
    """A statement of tiles.sql, with a compiled relation spliced in as {actors}/{cells}."""
    text = load_queries("tiles.sql")[name]
    if relation_sql is None:
        return text
    slot = "cells" if name == "actor_cells" else "actors"
    return sql.SQL(text).format(**{slot: sql.SQL(relation_sql)}).as_string()


def _run(statement: str, params: dict, settings: str = "") -> bytes:
    """The statement's one value (the tile), run without JIT nor parallel workers: PostGIS
    prices its functions high, so a tile of a few thousand points passes jit_above_cost and
    would spend 100-400 ms compiling (measured at zoom 12 on a million actors) for a
    statement that runs in a few; starting workers costs more than a tile's scan too; live
    clusters of tens of thousands of actors group in memory (work_mem), not on disk. The
    settings are LOCAL to a transaction and sent with the statement (one round trip);
    `settings` adds some for this statement."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PLAIN + settings + statement, params)
        while cursor.description is None and cursor.nextset():
            pass
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def _common(z: int, x: int, y: int) -> dict:
    return {"z": z, "x": x, "y": y, "extent": EXTENT, "buffer": BUFFER, "margin": MARGIN}


def _with(relation: Relation, name: str, params: dict, settings: str = "") -> bytes:
    return _run(_statement(name, relation.sql), {**params, **relation.params}, settings)


def actor_tile(filters: ActorFilters, z: int, x: int, y: int) -> bytes:
    """The actors layer of tile z/x/y for these filters, as MVT bytes (b"" when empty)."""
    params = _common(z, x, y)
    if z > CLUSTER_MAX_ZOOM:
        params |= {"cap": POINT_CAP, "cell": cell_size(z, DENSE_GRID_BITS)}
        # From zoom 12 the tile's envelope is the selective condition: walk the GiST index
        # alone. A bitmap would AND it with a theme's GIN index, whose 300 000 entries for
        # « culture » cost 200 ms to read (measured on a million actors) for 400 points.
        return _with(filters.actors, "actor_points", params, _SPATIAL_ONLY)
    params["cell"] = cell_size(z, GRID_BITS)
    if filters.live:
        return _with(filters.actors, "actor_live_clusters", params)
    columns = [column for column in (x - 1, x, x + 1) if 0 <= column < 1 << z]
    params["columns"] = columns
    return _with(filters.cells, "actor_cells", params)


def territory_tile(kind: str, z: int, x: int, y: int) -> bytes:
    """The outlines of `kind` in tile z/x/y, simplified for the zoom (b"" when empty)."""
    if z < TERRITORY_MIN_ZOOM[kind]:
        return b""
    tolerance, _digits = zoom_tolerance(z)
    params = _common(z, x, y) | {"kind": kind, "tolerance": tolerance}
    return _run(_statement("territories"), params)
