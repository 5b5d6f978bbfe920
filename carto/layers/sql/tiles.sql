-- Vector tiles (Mapbox Vector Tile 2.1), each built by PostGIS in one statement
-- (carto/layers/tiles/). Named parameters only (psycopg %(name)s).
--
-- {actors} is the directory's own filter pipeline, Actor.objects.listed().matching(filters),
-- compiled by the ORM (columns id, kind_id, name, location) and spliced in as a relation
-- by psycopg's sql composition: what a tile shows is what the API lists, defined once.
-- {cells} is the same pipeline's kind filter over layers_actorcell (ActorCell.objects
-- .matching(kinds)), with the one facet (theme or public) asked for. PostgreSQL flattens both into the statement, so the tile's envelope
-- reaches the indexes.
--
-- Clusters place actors by their spherical-mercator coordinates computed from lon/lat
-- (x = R·λ, y = R·ln tan(π/4 + φ/2), R = 6 378 137 m: EPSG:3857's own formulas), a few
-- float operations instead of a PROJ call a row; layers_actorcell counts them alike.
--
-- Tiles are web-mercator (EPSG:3857) tiles of %(extent)s units a side, with a buffer of
-- %(buffer)s units: a point near an edge is in both tiles, so that a symbol drawn across
-- the edge is whole. Cells are squares of %(cell)s metres of the same grid as the tiles
-- (x from the west, y from the north): a cluster belongs to one cell, whatever the tile
-- asked, and is drawn at the mean of its actors' positions.

-- name: actor_points
-- z >= 12: the matching actors whose point is in the tile or its buffer, through the
-- GiST index on `location` (the tile's envelope in WGS84: a mercator rectangle is a
-- lon/lat rectangle). Up to %(cap)s actors: one point each (id, kind, name, count 1);
-- a denser tile gets clusters on cells of %(cell)s metres instead (count; id and kind
-- when alone), the scan of every actor then running only for it (a one-time filter).
WITH capped AS MATERIALIZED (
    SELECT a.id, a.kind_id, a.name, a.location
    FROM ({actors}) AS a
    WHERE a.location && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
    LIMIT %(cap)s + 1
), dense AS (
    SELECT count(*) > %(cap)s AS yes FROM capped
), clustered AS (
    SELECT a.id, a.kind_id,
           radians(ST_X(a.location)) * 6378137 AS mx,
           ln(tan(radians(45 + least(greatest(ST_Y(a.location), -85.0511287798066), 85.0511287798066) / 2))) * 6378137 AS my
    FROM ({actors}) AS a
    WHERE (SELECT yes FROM dense)
      AND a.location && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
)
SELECT ST_AsMVT(tile, 'actors', %(extent)s, 'geom', 'fid')
FROM (
    SELECT c.id AS fid, c.id, c.kind_id AS kind, c.name, 1 AS count,
           ST_AsMVTGeom(ST_Transform(c.location, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                        %(extent)s, %(buffer)s) AS geom
    FROM capped AS c
    WHERE NOT (SELECT yes FROM dense)
    UNION ALL
    SELECT CASE WHEN count(*) = 1 THEN min(m.id) END, CASE WHEN count(*) = 1 THEN min(m.id) END,
           CASE WHEN count(*) = 1 THEN min(m.kind_id) END, NULL, count(*),
           ST_AsMVTGeom(ST_Point(avg(m.mx), avg(m.my), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s)
    FROM clustered AS m
    GROUP BY floor((m.mx + 20037508.342789244) / %(cell)s),
             floor((20037508.342789244 - m.my) / %(cell)s)
) AS tile
WHERE tile.geom IS NOT NULL;

-- name: actor_live_clusters
-- z <= 11 for filters the aggregates cannot answer (q, territory): the matching actors in
-- the tile and its buffer, counted per cell as layers_actorcell would count them. Its
-- cost follows how many actors match in the tile (a text search or a territory bounds it).
WITH matching AS (
    SELECT a.id, a.kind_id,
           radians(ST_X(a.location)) * 6378137 AS mx,
           ln(tan(radians(45 + least(greatest(ST_Y(a.location), -85.0511287798066), 85.0511287798066) / 2))) * 6378137 AS my
    FROM ({actors}) AS a
    WHERE a.location && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
)
SELECT ST_AsMVT(tile, 'actors', %(extent)s, 'geom', 'fid')
FROM (
    SELECT CASE WHEN count(*) = 1 THEN min(m.id) END AS fid,
           CASE WHEN count(*) = 1 THEN min(m.id) END AS id,
           CASE WHEN count(*) = 1 THEN min(m.kind_id) END AS kind,
           count(*) AS count,
           ST_AsMVTGeom(ST_Point(avg(m.mx), avg(m.my), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom
    FROM matching AS m
    GROUP BY floor((m.mx + 20037508.342789244) / %(cell)s),
             floor((20037508.342789244 - m.my) / %(cell)s)
) AS tile
WHERE tile.geom IS NOT NULL;

-- name: actor_cells
-- z <= 11: clusters from the precomputed cells of this zoom, in the tile and its eight
-- neighbours (for the buffer), of the one facet asked for ({cells} filters it, and the
-- kinds), summed over kinds (and communes at zoom 11).
WITH cells AS (
    SELECT sum(c.count) AS count, sum(c.sum_x) AS sum_x, sum(c.sum_y) AS sum_y,
           min(c.first_id) AS first_id, min(c.kind) AS kind
    FROM ({cells}) AS c
    WHERE c.zoom = %(z)s
      AND c.tile_x = ANY(%(columns)s::integer[]) AND c.tile_y BETWEEN %(y)s - 1 AND %(y)s + 1
    GROUP BY c.x, c.y
)
SELECT ST_AsMVT(tile, 'actors', %(extent)s, 'geom', 'fid')
FROM (
    SELECT CASE WHEN c.count = 1 THEN c.first_id END AS fid,
           CASE WHEN c.count = 1 THEN c.first_id END AS id,
           CASE WHEN c.count = 1 THEN c.kind END AS kind,
           c.count::integer AS count,
           ST_AsMVTGeom(ST_Point(c.sum_x / c.count, c.sum_y / c.count, 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom
    FROM cells AS c
) AS tile
WHERE tile.geom IS NOT NULL;

-- name: territories
-- The outlines of one kind of territory in the tile: clipped to the tile and its buffer
-- in WGS84 first (a région's far vertices cost nothing more), simplified to a pixel of
-- this zoom (%(tolerance)s degrees; a polygon smaller than that disappears), then
-- projected and quantised by ST_AsMVTGeom, which also makes them valid.
SELECT ST_AsMVT(tile, 'territories', %(extent)s, 'geom')
FROM (
    SELECT t.code, t.name, t.population,
           ST_AsMVTGeom(
               ST_Transform(
                   ST_Simplify(ST_ClipByBox2D(t.geom, e.box), %(tolerance)s, false), 3857),
               ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s) AS geom
    FROM territories_territory AS t,
         (SELECT ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
                 AS envelope) AS w,
         LATERAL (SELECT Box2D(w.envelope) AS box) AS e
    WHERE t.kind = %(kind)s AND t.geom && w.envelope
) AS tile
WHERE tile.geom IS NOT NULL;
