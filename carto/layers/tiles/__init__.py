"""Vector tiles (Mapbox Vector Tile, built by PostGIS with ST_AsMVT): the actors, with the
directory API's filters, and the territories' outlines; TileJSON for QGIS and MapLibre.

    /tiles/actors/{z}/{x}/{y}.pbf?q=&kind=&theme=&public=&territory=   layer « actors »
    /tiles/actors.json                                                  its TileJSON 3.0
    /tiles/territories/{kind}/{z}/{x}/{y}.pbf                           layer « territories »
    /tiles/territories/{kind}.json

Design choices:
- one tile is one SQL statement (sql/tiles.sql); the Python around it validates the
  filters once per distinct query string (filters.py) and sets headers (views.py);
- what a tile shows is `Actor.objects.listed().matching(filters)`, compiled by the ORM and
  spliced into the statement as a relation: the API's definition, never a copy;
- up to zoom 11 the actors are clusters on an 8 × 8 grid per tile, with their `count`,
  read from precomputed cells (layers_actorcell, aggregates.py) without filter or for
  kinds and one theme or one public; counted live from the actors for q, territory, or
  several themes and publics (build.py); from zoom 12 each actor is a point (id, kind,
  name), unless a tile holds more than POINT_CAP of them (then finer clusters);
- an optional cache (store.py): Redis when CARTO_REDIS_URL is set, nothing otherwise.
"""

from .aggregates import refresh_actor_aggregates

__all__ = ["refresh_actor_aggregates"]
