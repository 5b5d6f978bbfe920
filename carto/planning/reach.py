"""Who reaches whom, for the siting: for each candidate host, the targets that have a
point within `max_m` metres, and the distance to the nearest one.

The targets' points are sorted by latitude once; a binary search gives the latitude band
of each candidate's circle, a longitude window (the exact bounding box of a spherical
cap) narrows it, and only the points left get a haversine (carto.geo), vectorised by
numpy. The pairs are kept in flat arrays: they number in the millions when `max_m` is
large.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from carto.geo import EARTH_RADIUS_M, great_circle_m

if TYPE_CHECKING:
    from .siting import Candidate, Target

_BOX_MARGIN = 1e-9


@dataclass(frozen=True, slots=True)
class Near:
    """The open targets one candidate reaches, and the distance in metres to each one's nearest point.

    Two flat arrays (about 16 bytes a pair, against about 100 for a dict), as
    the pairs number in the millions when `max_km` is large."""

    targets: array  # 'q': indices of open targets
    distances: array  # 'd': metres

    def __len__(self) -> int:
        return len(self.targets)

    def items(self):
        """(target index, distance_m) pairs."""
        return zip(self.targets, self.distances, strict=True)


def reach_within(
    targets: Sequence[Target], candidates: Sequence[Candidate], max_m: float
) -> list[Near]:
    """For each candidate, the targets with a point within `max_m` metres."""
    lons, lats, owners = [], [], []
    for index, target in enumerate(targets):
        for lon, lat in target.all_points():
            lons.append(math.radians(float(lon)))
            lats.append(math.radians(float(lat)))
            owners.append(index)
    order = sorted(range(len(lats)), key=lats.__getitem__)
    points = _SortedPoints(
        lat=[lats[i] for i in order], lon=[lons[i] for i in order], owner=[owners[i] for i in order]
    )
    return [
        _near(points, math.radians(float(c.lat)), math.radians(float(c.lon)), max_m)
        for c in candidates
    ]


@dataclass
class _SortedPoints:
    """The targets' points in radians, sorted by latitude, with the index of their target."""

    lat: list[float]
    lon: list[float]
    owner: list[int]
    _arrays: tuple | None = None

    def arrays(self):
        """numpy copies (lat, lon, cos lat, owner), made once."""
        if self._arrays is None:
            lat = np.asarray(self.lat, dtype=float)
            owner = np.asarray(self.owner, dtype=np.int64)
            self._arrays = (lat, np.asarray(self.lon, dtype=float), np.cos(lat), owner)
        return self._arrays


def _window(lat: float, max_m: float) -> tuple[float, float, float]:
    """The box around a spherical cap: latitude band (low, high) and longitude half-width, radians.

    The half-width is asin(sin r / cos lat) (Matuschek), or π when the cap holds a pole."""
    radius = max_m / EARTH_RADIUS_M
    low, high = lat - radius - _BOX_MARGIN, lat + radius + _BOX_MARGIN
    if high >= math.pi / 2 or low <= -math.pi / 2:
        return low, high, math.pi
    return low, high, math.asin(math.sin(radius) / math.cos(lat)) + _BOX_MARGIN


def _near(points: _SortedPoints, lat: float, lon: float, max_m: float) -> Near:
    """Targets within `max_m` of (lat, lon): a latitude band by binary search, a longitude
    window, then the haversine on what is left, vectorised."""
    lats, lons, cos_lats, owners = points.arrays()
    low, high, half_width = _window(lat, max_m)
    band = slice(np.searchsorted(lats, low, "left"), np.searchsorted(lats, high, "right"))
    delta_lon = np.abs(np.remainder(lons[band] - lon + math.pi, 2 * math.pi) - math.pi)
    box = np.flatnonzero(delta_lon <= half_width)
    distances = great_circle_m(lat, lon, lats[band][box], lons[band][box], cos_lats[band][box])
    keep = np.flatnonzero(distances <= max_m)
    owners, distances = owners[band][box][keep], distances[keep]
    # A target with several points: keep its nearest one (sort by target, then distance).
    order = np.lexsort((distances, owners))
    owners, distances = owners[order], distances[order]
    first = np.ones(len(owners), dtype=bool)
    first[1:] = owners[1:] != owners[:-1]
    return Near(array("q", owners[first].tolist()), array("d", distances[first].tolist()))
