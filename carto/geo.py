"""Distances on the Earth, written once: the sphere carto measures on and the haversine.

Great-circle distances on the sphere of mean radius R1 (IUGG, 6 371 008.8 m) are within
0.5 % of the ellipsoid, far below the precision of a territory's representative point;
siting and tours use them, coverage measures on the spheroid in PostGIS.
"""

import math

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # mean radius R1 of the IUGG / WGS84 ellipsoid


def great_circle_m(lat1, lon1, lat2, lon2, cos_lat2=None):
    """Haversine distance in metres between points given in radians: floats or numpy
    arrays alike (`cos_lat2`, when the caller has it, saves recomputing cos(lat2))."""
    cos_lat2 = np.cos(lat2) if cos_lat2 is None else cos_lat2
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * cos_lat2 * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points in degrees."""
    (lon1, lat1), (lon2, lat2) = (map(math.radians, point) for point in (a, b))
    return float(great_circle_m(lat1, lon1, lat2, lon2))
