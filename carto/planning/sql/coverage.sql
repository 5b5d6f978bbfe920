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
--   4. `groupings` (or `qpv`) reads them.
-- {field} is a column of territories_territory named by carto.planning.coverage's fixed
-- mapping (code, epci_code, bv_code, departement_code, region_code): the commune column
-- that names the territory of a level, composed as an identifier by psycopg.
--
-- Population is placed at each commune's town hall: a commune is « reached » when a
-- matching actor stands within max_m of it (on the sphere), and a grouping's share is
-- that of its loaded communes' population. Every distance test goes through the actors'
-- geography GiST index (the commune side is a constant in each probe).
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
    SELECT v.territory_code AS code, count(*) AS n
      FROM planning_actor_territory v JOIN coverage_actors m ON m.id = v.actor_id
     GROUP BY v.territory_code
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
           EXISTS (SELECT 1 FROM actors_actor a JOIN coverage_actors m ON m.id = a.id
                    WHERE ST_DWithin(a.geog, c.anchor::geography, %(max_m)s, false)) AS reached
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
-- on the sphere (as `near` and the precomputed coverage measure).
WITH shapes AS (
    SELECT q.code, q.name, q.population,
           COALESCE(q.geom, (SELECT ST_Multi(ST_Union(c.geom)) FROM territories_territory c
                              WHERE c.kind = 'commune' AND c.code = ANY(q.commune_codes))) AS geom,
           q.geom IS NOT NULL AS own_outline
      FROM territories_territory q JOIN coverage_units u ON u.code = q.code
     WHERE q.kind = 'qpv'
)
SELECT s.code, s.name, s.population, s.own_outline,
       (SELECT count(*) FROM planning_actor_territory v JOIN coverage_actors m ON m.id = v.actor_id
         WHERE v.territory_code = 'qpv:' || s.code) AS actors,
       (SELECT count(*) FROM actors_actor a JOIN coverage_actors m ON m.id = a.id
         WHERE a.qpv_near_codes @> ARRAY[s.code]::varchar[]) AS actors_near,
       (SELECT count(*) FROM actors_initiative i JOIN coverage_initiatives m ON m.id = i.id
         WHERE i.territory_codes @> ARRAY['qpv:' || s.code]::varchar[]) AS initiatives,
       (SELECT a.geog <-> s.geom::geography
          FROM actors_actor a JOIN coverage_actors m ON m.id = a.id
         ORDER BY a.geog <-> s.geom::geography LIMIT 1) AS distance_m
  FROM shapes s
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
