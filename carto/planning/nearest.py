"""The nearest listed actor of each facet for every unit, found in memory for a full pass.

A full pass used to probe PostGIS once per unit and facet (35 000 communes and 1 600 QPV
times some 45 facets: 1.6 million KNN probes, 0.3 ms for a town hall and 2.8 ms for a QPV
outline on a million actors, several minutes in all). Here each facet's points go into a
k-d tree (scipy) once, and every unit is answered from it:

- Points are unit vectors on the sphere: the straight-line (chord) distance between two
  of them grows with the great-circle distance, so the nearest by chord is the nearest on
  the sphere, where PostGIS measures (`geog <-> x` is ST_Distance(…, false)).
- A commune is its town hall: one query of the tree per commune.
- A QPV is an outline, and its distance to a point is 0 inside it, else the distance to
  its boundary. An actor inside is found among the points of a spherical cap that holds
  the outline (shapely's point-in-polygon on them); otherwise the nearest actor lies
  within `m + margin` of some sample of the boundary, where `m` is the least distance
  from a sample to its nearest point and `margin` bounds how far a boundary point is from
  the nearest sample (the boundary is sampled every SAMPLE_STEP degrees). Those few
  candidates are kept.
- The tree only chooses: PostGIS measures the chosen candidates (`candidates` below, the
  least distance per unit kept by the caller's SQL), so the stored distances are
  PostGIS's own, the same as the live path's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.771_415  # the mean radius PostGIS measures on the sphere with
SAMPLE_STEP = 0.001  # degrees between samples of a QPV boundary (about 110 m at most)
# How far a point of a boundary may be from the nearest sample: half a step, on the
# sphere (a degree of latitude is at most 111.7 km), and a metre for the difference
# between a segment in degrees and the great-circle arc PostGIS follows.
MARGIN_M = SAMPLE_STEP * 111_700 / 2 + 1.0


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere for longitudes and latitudes in degrees."""
    lon = np.radians(np.asarray(lon, dtype=float))
    lat = np.radians(np.asarray(lat, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord(metres: float | np.ndarray) -> float | np.ndarray:
    """An upper bound of the chord for a distance on the sphere (a chord is never longer
    than its arc), in units of the unit sphere."""
    return np.asarray(metres, dtype=float) / EARTH_RADIUS_M


@dataclass
class Outlines:
    """The QPV outlines, and what the search needs of them whatever the facet."""

    keys: list  # what the caller numbers them by
    shapes: np.ndarray  # shapely geometries (longitude, latitude), prepared
    centres: np.ndarray  # (n, 3): a cap per outline, holding it
    radii: np.ndarray  # (n,): the cap's chord
    samples: np.ndarray  # (k, 3): every outline's boundary samples, outline by outline
    owners: np.ndarray  # (k,): the outline each sample belongs to
    starts: np.ndarray  # (n,): where each outline's samples start in `samples`

    @classmethod
    def from_wkb(cls, rows: list[tuple[object, bytes]]) -> Outlines:
        """The outlines of (key, WKB) rows."""
        keys, shapes, centres, radii, samples, owners, starts = [], [], [], [], [], [], []
        count = 0
        for index, (key, wkb) in enumerate(rows):
            shape = shapely.from_wkb(bytes(wkb))
            shapely.prepare(shape)
            coords = shapely.get_coordinates(shapely.segmentize(shape.boundary, SAMPLE_STEP))
            points = unit_vectors(coords[:, 0], coords[:, 1])
            centre = points.mean(axis=0)
            centre /= np.linalg.norm(centre)
            keys.append(key)
            shapes.append(shape)
            centres.append(centre)
            # The samples' farthest, plus the margin: the whole boundary, hence the whole
            # outline (a cap smaller than a hemisphere is convex), lies in the cap.
            radii.append(np.linalg.norm(points - centre, axis=1).max() + chord(MARGIN_M))
            samples.append(points)
            owners.append(np.full(len(points), index))
            starts.append(count)
            count += len(points)
        return cls(
            keys,
            np.array(shapes, dtype=object),
            np.array(centres).reshape(-1, 3),
            np.array(radii),
            np.concatenate(samples) if samples else np.empty((0, 3)),
            np.concatenate(owners) if owners else np.empty(0, dtype=int),
            np.array(starts, dtype=int),
        )


class FacetPoints:
    """One facet's actors: ids, coordinates and their k-d tree."""

    def __init__(self, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.lon = np.asarray(lon, dtype=float)
        self.lat = np.asarray(lat, dtype=float)
        self.tree = cKDTree(unit_vectors(self.lon, self.lat))

    def nearest_to_points(self, points: np.ndarray) -> np.ndarray:
        """The index of the nearest actor to each point (unit vectors)."""
        if not len(points):
            return np.empty(0, dtype=np.int64)
        _, index = self.tree.query(points, k=1, workers=-1)
        return index

    def candidates_for_outlines(self, outlines: Outlines) -> tuple[np.ndarray, np.ndarray]:
        """(outline index, actor index) pairs among which lies each outline's nearest
        actor: one actor inside it, or those that may be nearest to its boundary."""
        pairs: list[tuple[int, int]] = []
        # Inside: the actor nearest to the cap's centre often is; else any in the cap.
        _, nearest = self.tree.query(outlines.centres, k=1, workers=-1)
        inside = shapely.contains_xy(outlines.shapes, self.lon[nearest], self.lat[nearest])
        pairs.extend(zip(np.flatnonzero(inside).tolist(), nearest[inside].tolist(), strict=True))
        rest = np.flatnonzero(~inside)
        in_caps = self.tree.query_ball_point(outlines.centres[rest], outlines.radii[rest])
        outside = []
        for index, found in zip(rest.tolist(), in_caps, strict=True):
            if found:
                found = np.asarray(found)
                within = shapely.contains_xy(
                    outlines.shapes[index], self.lon[found], self.lat[found]
                )
                if within.any():
                    pairs.append((index, int(found[np.argmax(within)])))
                    continue
            outside.append(index)
        if outside:
            # Outlines with no actor inside: those that may be nearest to the boundary,
            # within `least + margin` of a sample, `least` the outline's samples' least
            # distance to an actor.
            asked = np.isin(outlines.owners, outside)
            distances = np.full(len(outlines.samples), np.inf)
            distances[asked], _ = self.tree.query(outlines.samples[asked], k=1, workers=-1)
            least = np.minimum.reduceat(distances, outlines.starts)
            reach = least[outlines.owners] + chord(MARGIN_M)
            chosen = np.flatnonzero(asked & (distances <= reach))
            balls = self.tree.query_ball_point(outlines.samples[chosen], reach[chosen])
            found_for: dict[int, set[int]] = {}
            for sample, found in zip(chosen, balls, strict=True):
                found_for.setdefault(int(outlines.owners[sample]), set()).update(found)
            pairs.extend((index, point) for index, found in found_for.items() for point in found)
        if not pairs:
            return np.empty(0, dtype=int), np.empty(0, dtype=int)
        outline_index, point_index = np.array(pairs).T
        return outline_index, point_index


# PostgreSQL's binary COPY of (ordinal int4, actor_id int8, lon float8, lat float8) rows:
# each row its field count, then each field's length and big-endian value.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
COPY_TRAILER = b"\xff\xff"
CANDIDATE_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("ordinal_size", ">i4"), ("ordinal", ">i4"),
        ("actor_size", ">i4"), ("actor", ">i8"),
        ("lon_size", ">i4"), ("lon", ">f8"),
        ("lat_size", ">i4"), ("lat", ">f8"),
    ]
)  # fmt: skip


def candidates_copy(ordinals, actors, lons, lats) -> bytes:
    """The candidates as the data of a binary COPY (no Python loop over the rows)."""
    rows = np.empty(len(ordinals), dtype=CANDIDATE_ROW)
    rows["fields"] = 4
    rows["ordinal_size"], rows["actor_size"], rows["lon_size"], rows["lat_size"] = 4, 8, 8, 8
    rows["ordinal"], rows["actor"], rows["lon"], rows["lat"] = ordinals, actors, lons, lats
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER
