-- Coverage of territories by the actors matching a filter (carto/planning/coverage.py).
--
-- Named parameters only (psycopg %(name)s). A request runs in one transaction:
--   1. the ids of the matching actors and initiatives go into the temporary tables
--      coverage_actors and coverage_initiatives (built by the directory's own filters,
--      Actor.objects.listed().matching(), so coverage and the directory always agree);
--   2. the communes of the scope go into coverage_communes (one of the scope_* queries),
--      then, when programmes are asked for, `scope_programme` keeps only those where a
--      site of one of them acts (the territory scope and the programmes intersect);
--   3. the territories of the level with a commune in scope go into coverage_units (one
--      of the units_* queries);
--   4. on the live path, the matching actors' points go into coverage_points
--      (`points_table`, with its own GiST index, or `points_view` when most match);
--   5. `groupings` (or `qpv`) reads them.
-- {field} is a column of territories_territory named by carto.planning.coverage's fixed
-- mapping (code, epci_code, bv_code, departement_code, region_code): the commune column
-- that names the territory of a level, composed as an identifier by psycopg.
--
-- Population is placed at each commune's town hall: a commune is « reached » when a
-- matching actor stands within max_m of it (on the sphere), and a grouping's share is
-- that of its loaded communes' population. Every distance test goes through a geography
-- GiST index of the matching actors (the commune side is a constant in each probe).
--
-- The *_precomputed queries answer the same from the precomputed coverage
-- (precompute.sql) when the filter is one of its facets: counts from
-- planning_facet_count, distances from planning_nearest (the least over the facets
-- asked: several kinds are alternatives), instead of probing the directory.

-- name: create_tables
CREATE TEMPORARY TABLE coverage_actors (id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMPORARY TABLE coverage_initiatives (id bigint PRIMARY KEY) ON COMMIT DROP;
CREATE TEMPORARY TABLE coverage_communes (code varchar(12) PRIMARY KEY) ON COMMIT DROP;
CREATE TEMPORARY TABLE coverage_units (code varchar(12) PRIMARY KEY) ON COMMIT DROP;

-- name: analyze_tables
-- Statistics for the planner: without them it guesses the sizes of the temporary tables.
ANALYZE coverage_actors, coverage_initiatives, coverage_communes, coverage_units;

-- name: points_table
-- The live path's matching actors as points with their own GiST index: every reach and
-- distance probe then meets matching actors only. Probing the directory's index and
-- keeping the matching ones read hundreds of actors per commune when few match
-- (associations on numérique, 7 873 of a million: 41 s for the EPCI, 0.4 s with this).
CREATE TEMPORARY TABLE coverage_points ON COMMIT DROP AS
SELECT a.id, a.geog FROM actors_actor a JOIN coverage_actors m ON m.id = a.id;
CREATE INDEX coverage_points_geog ON coverage_points USING gist (geog);
ANALYZE coverage_points;

-- name: points_view
-- When most of the directory matches, its own index serves the probes (a first
-- neighbour or two matches) and copying it would cost seconds.
CREATE TEMPORARY VIEW coverage_points AS
SELECT a.id, a.geog FROM actors_actor a JOIN coverage_actors m ON m.id = a.id;

-- name: drop_points_table
DROP TABLE coverage_points;

-- name: drop_points_view
DROP VIEW coverage_points;

-- name: drop_tables
DROP TABLE coverage_actors, coverage_initiatives, coverage_communes, coverage_units;

-- name: scope_all
INSERT INTO coverage_communes
SELECT code FROM territories_territory WHERE kind = 'commune';

-- name: scope_bbox
-- The communes whose town hall stands in the box (the map's view), within the scope
-- already chosen, or all of France when none was.
INSERT INTO coverage_communes
SELECT code FROM territories_territory
 WHERE kind = 'commune'
   AND anchor && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326);

-- name: keep_bbox
DELETE FROM coverage_communes s
 WHERE NOT EXISTS (SELECT 1 FROM territories_territory c
                    WHERE c.kind = 'commune' AND c.code = s.code
                      AND c.anchor && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326));

-- name: scope_commune
INSERT INTO coverage_communes
SELECT code FROM territories_territory WHERE kind = 'commune' AND code = %(scope_code)s;

-- name: scope_qpv
INSERT INTO coverage_communes
SELECT DISTINCT c.code
  FROM territories_territory q
  JOIN territories_territory c ON c.kind = 'commune' AND c.code = ANY(q.commune_codes)
 WHERE q.kind = 'qpv' AND q.code = %(scope_code)s;

-- name: scope_parent
INSERT INTO coverage_communes
SELECT code FROM territories_territory WHERE kind = 'commune' AND {field} = %(scope_code)s;

-- name: scope_programme
-- The programmes restrict the territories in scope, never the actors counted: a
-- commune stays when a listed site of one of the programmes asked for covers it. The
-- communes of a site's footprint are among the territory codes stored on it at write
-- time (every commune of a footprint given as an EPCI, a bassin de vie… too);
-- groupings and QPV follow from the communes kept (units_*).
DELETE FROM coverage_communes s
 WHERE s.code NOT IN (
        SELECT substr(code, 9)
          FROM actors_initiative i, unnest(i.territory_codes) AS code
         WHERE i.listed AND i.programme = ANY(%(programmes)s) AND left(code, 8) = 'commune:');

-- name: units_commune
INSERT INTO coverage_units SELECT code FROM coverage_communes;

-- name: units_qpv
-- A join, not `commune_codes && ARRAY(…)`: over all of France the array holds 35 000 codes.
INSERT INTO coverage_units
SELECT DISTINCT q.code
  FROM territories_territory q
  CROSS JOIN LATERAL unnest(q.commune_codes) AS c(code)
  JOIN coverage_communes s ON s.code = c.code
 WHERE q.kind = 'qpv';

-- name: units_commune_all
-- (All of France, no programme: straight from the territories, no commune list to join.)
INSERT INTO coverage_units SELECT code FROM territories_territory WHERE kind = 'commune';

-- name: units_qpv_all
INSERT INTO coverage_units
SELECT DISTINCT q.code
  FROM territories_territory q
  CROSS JOIN LATERAL unnest(q.commune_codes) AS c(code)
  JOIN territories_territory t ON t.kind = 'commune' AND t.code = c.code
 WHERE q.kind = 'qpv';

-- name: units_parent_all
INSERT INTO coverage_units
SELECT DISTINCT {field} FROM territories_territory WHERE kind = 'commune' AND {field} <> '';

-- name: units_parent
INSERT INTO coverage_units
SELECT DISTINCT c.{field}
  FROM territories_territory c JOIN coverage_communes s ON s.code = c.code
 WHERE c.kind = 'commune' AND c.{field} <> '';

-- name: groupings
-- One row per unit of the level: its territory, the matching actors and initiatives
-- that stand in it, and the population of its communes within reach.
WITH units AS (
    SELECT t.kind, t.code, t.name, t.population
      FROM territories_territory t JOIN coverage_units u ON u.code = t.code
     WHERE t.kind = %(level)s
),
actor_counts AS (
    SELECT code, count(*) AS n
      FROM actors_actor a JOIN coverage_actors m ON m.id = a.id,
           unnest(a.territory_codes) AS code
     GROUP BY code
),
initiative_counts AS (
    SELECT code, count(*) AS n
      FROM actors_initiative i JOIN coverage_initiatives m ON m.id = i.id,
           unnest(i.territory_codes) AS code
     GROUP BY code
),
communes AS (
    SELECT u.code AS unit, COALESCE(c.population, 0) AS population, c.anchor
      FROM units u
      JOIN territories_territory c ON c.kind = 'commune' AND c.{field} = u.code
),
reach AS (
    SELECT c.unit, c.population,
           EXISTS (SELECT 1 FROM coverage_points p
                    WHERE ST_DWithin(p.geog, c.anchor::geography, %(max_m)s, false)) AS reached
      FROM communes c
),
totals AS (
    SELECT unit, sum(population) AS loaded_population,
           sum(population) FILTER (WHERE reached) AS reached_population
      FROM reach GROUP BY unit
)
SELECT u.code, u.name, u.population,
       COALESCE(ac.n, 0) AS actors,
       COALESCE(ic.n, 0) AS initiatives,
       COALESCE(t.loaded_population, 0) AS loaded_population,
       COALESCE(t.reached_population, 0) AS reached_population
  FROM units u
  LEFT JOIN actor_counts ac ON ac.code = u.kind || ':' || u.code
  LEFT JOIN initiative_counts ic ON ic.code = u.kind || ':' || u.code
  LEFT JOIN totals t ON t.unit = u.code
 ORDER BY u.code;

-- name: qpv
-- A QPV's distance to the nearest matching actor: from its outline, or from its
-- commune(s) when the outline is unknown; by KNN on the actors' geography GiST index,
-- on the sphere (as `near` and the precomputed coverage measure). The counts read each
-- matching actor once, grouped by the QPV codes it holds (a probe per QPV compared
-- every QPV with every matching actor).
WITH shapes AS (
    SELECT q.code, q.name, q.population,
           COALESCE(q.geom, (SELECT ST_Multi(ST_Union(c.geom)) FROM territories_territory c
                              WHERE c.kind = 'commune' AND c.code = ANY(q.commune_codes))) AS geom,
           q.geom IS NOT NULL AS own_outline
      FROM territories_territory q JOIN coverage_units u ON u.code = q.code
     WHERE q.kind = 'qpv'
),
matching AS MATERIALIZED (
    SELECT a.territory_codes, a.qpv_near_codes
      FROM actors_actor a JOIN coverage_actors m ON m.id = a.id
),
actor_counts AS (
    SELECT code, count(*) AS n FROM matching, unnest(territory_codes) AS code
     WHERE code LIKE 'qpv:%%' GROUP BY code
),
near_counts AS (
    SELECT code, count(*) AS n FROM matching, unnest(qpv_near_codes) AS code
     GROUP BY code
),
initiative_counts AS (
    SELECT code, count(*) AS n
      FROM actors_initiative i JOIN coverage_initiatives m ON m.id = i.id,
           unnest(i.territory_codes) AS code
     WHERE code LIKE 'qpv:%%' GROUP BY code
)
SELECT s.code, s.name, s.population, s.own_outline,
       COALESCE(ac.n, 0) AS actors,
       COALESCE(nc.n, 0) AS actors_near,
       COALESCE(ic.n, 0) AS initiatives,
       (SELECT p.geog <-> s.geom::geography
          FROM coverage_points p
         ORDER BY p.geog <-> s.geom::geography LIMIT 1) AS distance_m
  FROM shapes s
  LEFT JOIN actor_counts ac ON ac.code = 'qpv:' || s.code
  LEFT JOIN near_counts nc ON nc.code = s.code
  LEFT JOIN initiative_counts ic ON ic.code = 'qpv:' || s.code
 ORDER BY s.code;

-- name: groupings_precomputed
WITH units AS (
    SELECT t.kind, t.code, t.name, t.population
      FROM territories_territory t JOIN coverage_units u ON u.code = t.code
     WHERE t.kind = %(level)s
),
actor_counts AS (
    SELECT fc.territory_code AS code, sum(fc.actors) AS n
      FROM planning_facet_count fc
     WHERE fc.facet = ANY(%(facets)s)
       AND fc.territory_code IN (SELECT kind || ':' || code FROM units)
     GROUP BY fc.territory_code
),
initiative_counts AS (
    SELECT code, count(*) AS n
      FROM actors_initiative i JOIN coverage_initiatives m ON m.id = i.id,
           unnest(i.territory_codes) AS code
     GROUP BY code
),
nearest AS (
    SELECT n.unit_code AS code, min(n.distance_m) AS distance_m
      FROM planning_nearest n
     WHERE n.facet = ANY(%(facets)s) AND n.unit_kind = 'commune'
     GROUP BY n.unit_code
),
totals AS (
    SELECT u.code AS unit, sum(COALESCE(c.population, 0)) AS loaded_population,
           sum(COALESCE(c.population, 0)) FILTER (WHERE n.distance_m <= %(max_m)s) AS reached_population
      FROM units u
      JOIN territories_territory c ON c.kind = 'commune' AND c.{field} = u.code
      LEFT JOIN nearest n ON n.code = c.code
     GROUP BY u.code
)
SELECT u.code, u.name, u.population,
       COALESCE(ac.n, 0) AS actors,
       COALESCE(ic.n, 0) AS initiatives,
       COALESCE(t.loaded_population, 0) AS loaded_population,
       COALESCE(t.reached_population, 0) AS reached_population
  FROM units u
  LEFT JOIN actor_counts ac ON ac.code = u.kind || ':' || u.code
  LEFT JOIN initiative_counts ic ON ic.code = u.kind || ':' || u.code
  LEFT JOIN totals t ON t.unit = u.code
 ORDER BY u.code;

-- name: qpv_precomputed
WITH units AS (
    SELECT q.code, q.name, q.population, q.geom IS NOT NULL AS own_outline
      FROM territories_territory q JOIN coverage_units u ON u.code = q.code
     WHERE q.kind = 'qpv'
),
counts AS (
    SELECT fc.territory_code AS code, sum(fc.actors) AS n
      FROM planning_facet_count fc
     WHERE fc.facet = ANY(%(facets)s)
       AND fc.territory_code IN (SELECT 'qpv:' || code FROM units UNION ALL
                                 SELECT 'qpv_near:' || code FROM units)
     GROUP BY fc.territory_code
),
nearest AS (
    SELECT n.unit_code AS code, min(n.distance_m) AS distance_m
      FROM planning_nearest n
     WHERE n.facet = ANY(%(facets)s) AND n.unit_kind = 'qpv'
     GROUP BY n.unit_code
),
initiative_counts AS (
    SELECT code, count(*) AS n
      FROM actors_initiative i JOIN coverage_initiatives m ON m.id = i.id,
           unnest(i.territory_codes) AS code
     WHERE left(code, 4) = 'qpv:'
     GROUP BY code
)
SELECT u.code, u.name, u.population, u.own_outline,
       COALESCE(inside.n, 0) AS actors,
       COALESCE(near.n, 0) AS actors_near,
       COALESCE(ic.n, 0) AS initiatives,
       n.distance_m
  FROM units u
  LEFT JOIN counts inside ON inside.code = 'qpv:' || u.code
  LEFT JOIN counts near ON near.code = 'qpv_near:' || u.code
  LEFT JOIN initiative_counts ic ON ic.code = 'qpv:' || u.code
  LEFT JOIN nearest n ON n.code = u.code
 ORDER BY u.code;
