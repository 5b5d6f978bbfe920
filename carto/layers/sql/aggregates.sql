-- The precomputed cells of the actor tiles (layers_actorcell; carto/layers/tiles/aggregates.py).
-- Named parameters only (psycopg %(name)s). One refresh runs in one transaction:
--   1. `create_tables`; for a full refresh `delete_all`, else `delete_base` of the communes
--      asked (the cells they held are recorded as touched);
--   2. `insert_base`: the listed actors of those communes ({actors}, compiled from
--      Actor.objects.listed(), host places included: a kind filter shows them) counted per
--      cell of the finest zoom %(zoom)s, commune, kind and facet: every actor once in the
--      facet "", and once in each of its themes ("theme:<slug>") and publics;
--   3. for each coarser zoom, `parents` (the touched cells become their parents), then
--      `delete_touched` and `roll_up`: a cell is the sum of its four children;
--   4. `drop_tables`.
-- Cells: squares of the web-mercator grid with 2^(zoom + 3) cells a side (8 × 8 a tile),
-- x from the west, y from the north, clamped into the grid.

-- name: create_tables
CREATE TEMPORARY TABLE IF NOT EXISTS tiles_touched (x integer, y integer, PRIMARY KEY (x, y))
    ON COMMIT DROP;
CREATE TEMPORARY TABLE IF NOT EXISTS tiles_parents (x integer, y integer, PRIMARY KEY (x, y))
    ON COMMIT DROP;
TRUNCATE tiles_touched, tiles_parents;

-- name: delete_all
DELETE FROM layers_actorcell;

-- name: delete_base
WITH gone AS (
    DELETE FROM layers_actorcell
    WHERE zoom = %(zoom)s AND commune_code = ANY(%(communes)s)
    RETURNING x, y
)
INSERT INTO tiles_touched (x, y) SELECT DISTINCT x, y FROM gone ON CONFLICT DO NOTHING;

-- name: insert_base
WITH actor AS (
    -- Spherical mercator from lon/lat, as sql/tiles.sql computes it for live clusters.
    SELECT a.id, a.commune_code, a.kind_id, a.host_only, a.themes, a.publics,
           radians(ST_X(a.location)) * 6378137 AS mx,
           ln(tan(radians(45 + least(greatest(ST_Y(a.location), -85.0511287798066), 85.0511287798066) / 2))) * 6378137 AS my
    FROM ({actors}) AS a
), placed AS (
    SELECT actor.*,
           least(greatest(floor((mx + 20037508.342789244) / %(cell)s), 0), %(cells)s - 1)::integer AS x,
           least(greatest(floor((20037508.342789244 - my) / %(cell)s), 0), %(cells)s - 1)::integer AS y
    FROM actor
), faceted AS (
    SELECT p.*, f.facet
    FROM placed AS p
    CROSS JOIN LATERAL (
        SELECT '' AS facet
        UNION SELECT 'theme:' || v FROM unnest(p.themes) AS v
        UNION SELECT 'public:' || v FROM unnest(p.publics) AS v
    ) AS f
), inserted AS (
    INSERT INTO layers_actorcell (zoom, x, y, tile_x, tile_y, commune_code, kind, host_only,
                                  facet, count, sum_x, sum_y, first_id)
    SELECT %(zoom)s, x, y, x >> 3, y >> 3, commune_code, kind_id, host_only,
           facet, count(*), sum(mx), sum(my), min(id)
    FROM faceted
    GROUP BY x, y, commune_code, kind_id, host_only, facet
    RETURNING x, y
)
INSERT INTO tiles_touched (x, y) SELECT DISTINCT x, y FROM inserted ON CONFLICT DO NOTHING;

-- name: parents
TRUNCATE tiles_parents;
INSERT INTO tiles_parents (x, y) SELECT DISTINCT x >> 1, y >> 1 FROM tiles_touched;
TRUNCATE tiles_touched;
INSERT INTO tiles_touched (x, y) SELECT x, y FROM tiles_parents;
ANALYZE tiles_touched;

-- name: delete_touched
DELETE FROM layers_actorcell AS c USING tiles_touched AS t
WHERE c.zoom = %(zoom)s AND c.x = t.x AND c.y = t.y;

-- name: roll_up
-- The four children of each touched cell, joined on equality: an index probe each for a
-- few touched cells, one hash join for all of them.
INSERT INTO layers_actorcell (zoom, x, y, tile_x, tile_y, commune_code, kind, host_only,
                              facet, count, sum_x, sum_y, first_id)
SELECT %(zoom)s, c.x >> 1, c.y >> 1, (c.x >> 1) >> 3, (c.y >> 1) >> 3, '', c.kind, c.host_only,
       c.facet, sum(c.count), sum(c.sum_x), sum(c.sum_y), min(c.first_id)
FROM (SELECT 2 * t.x + d.dx AS x, 2 * t.y + d.dy AS y
      FROM tiles_touched AS t, (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) AS d (dx, dy)) AS child
JOIN layers_actorcell AS c ON c.zoom = %(zoom)s + 1 AND c.x = child.x AND c.y = child.y
GROUP BY c.x >> 1, c.y >> 1, c.kind, c.host_only, c.facet;

-- name: drop_tables
DROP TABLE IF EXISTS tiles_touched, tiles_parents;
