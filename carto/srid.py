"""The one SRID policy of carto, written once.

Everything is stored and served in WGS84 lon/lat (EPSG:4326, RFC 7946).
Metric work (distances, areas, buffers) uses Lambert-93 (EPSG:2154) for
metropolitan France. Spatial references are only ever built from these
constants, never from user input (GDAL 3.6 cannot block file and network
access from a spatial reference definition: Django's check gis.W001).
"""

WGS84 = 4326
LAMBERT93 = 2154

# The only SRIDs a caller may name (e.g. a future `crs=` parameter).
ALLOWED_SRIDS = frozenset({WGS84, LAMBERT93})
