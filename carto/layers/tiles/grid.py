"""The tile pyramid and the grids of the clusters: constants and tile-address checks.

Tiles are the web-mercator (EPSG:3857) pyramid every client knows: at zoom z, 2^z × 2^z
tiles, x from the west, y from the north (the XYZ scheme of OpenStreetMap, MapLibre,
QGIS). A cell of the cluster grid of zoom z is a tile of zoom z + GRID_BITS: the grids of
successive zooms nest, so the precomputed cells of a zoom are sums of the next one's.
"""

from django.http import Http404

EXTENT = 4096  # units a tile side (the MVT default)
BUFFER = 256  # units kept around a tile: 16 px of a 256 px tile, a symbol's radius
MARGIN = BUFFER / EXTENT  # the same buffer as a fraction of the tile (ST_TileEnvelope margin)
MAX_ZOOM = 22  # deepest tile served (clients overzoom past TILEJSON_MAX_ZOOM anyway)
TILEJSON_MAX_ZOOM = 16  # deepest tile worth fetching: points do not change below

GRID_BITS = 3  # clusters on an 8 × 8 grid per tile: 32 px cells on a 256 px tile
CLUSTER_MAX_ZOOM = 11  # up to this zoom, clusters from the precomputed cells
DENSE_GRID_BITS = 5  # a tile holding more than POINT_CAP actors: 8 px cells, counted live
POINT_CAP = 2000  # at most this many points in a tile (about 75 KB with names)

HALF_WORLD = 20037508.342789244  # web-mercator metres from the origin to an edge


def cell_size(zoom: int, bits: int = GRID_BITS) -> float:
    """The side, in web-mercator metres, of a cell of the grid of tiles of `zoom`."""
    return 2 * HALF_WORLD / (1 << (zoom + bits))


def check_tile(z: int, x: int, y: int) -> None:
    """A 404 naming what is wrong when (z, x, y) is not a tile of the pyramid."""
    if z > MAX_ZOOM:
        raise Http404(f"Tuile inexistante : le zoom va de 0 à {MAX_ZOOM} (reçu z = {z}).")
    last = (1 << z) - 1
    for name, value in (("x", x), ("y", y)):
        if value > last:
            raise Http404(
                f"Tuile inexistante : au zoom {z}, x et y vont de 0 à {last} "
                f"(reçu {name} = {value})."
            )
