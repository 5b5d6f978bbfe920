-- Precomputed coverage: the queries of carto/planning/precompute.py (schema in
-- precompute_schema.sql). Named parameters only. Distances are measured on the sphere,
-- like `near` and the KNN order (`geog <-> point` is exactly ST_Distance(…, false)).
--
-- A full pass rebuilds everything from geometry: the units, every facet's points, whose
-- nearest to each unit precompute.py finds in memory and PostGIS measures.
-- An incremental pass reads planning_coverage_change: the units whose nearest actor
-- changed are probed again, the changed actors improve the units they are now nearer to,
-- and the counts of every territory they left or joined are counted again.

-- name: units
TRUNCATE planning_unit;
-- In spatial order (geohash): consecutive probes then read the same index pages, about a
-- third cheaper than in code order.
INSERT INTO planning_unit (kind, code, population, anchor)
SELECT 'commune', code, population, anchor::geography
  FROM territories_territory
 WHERE kind = 'commune' AND anchor IS NOT NULL
 ORDER BY ST_GeoHash(anchor, 8);
INSERT INTO planning_unit (kind, code, population, shape, shape_geog)
SELECT q.kind, q.code, q.population, s.shape, s.shape::geography
  FROM territories_territory q
  CROSS JOIN LATERAL (
        SELECT COALESCE(q.geom, (SELECT ST_Multi(ST_Union(c.geom)) FROM territories_territory c
                                  WHERE c.kind = 'commune' AND c.code = ANY(q.commune_codes))) AS shape
  ) s
 WHERE q.kind = 'qpv' AND s.shape IS NOT NULL
 ORDER BY ST_GeoHash(ST_PointOnSurface(s.shape), 8);
ANALYZE planning_unit;

-- name: facet_points
-- Every listed actor once per facet it belongs to (a host place only in its kind's).
DROP TABLE IF EXISTS planning_facet_points;
CREATE UNLOGGED TABLE planning_facet_points AS
SELECT f.facet, a.id, ST_X(a.location) AS lon, ST_Y(a.location) AS lat
  FROM actors_actor a
  CROSS JOIN LATERAL unnest(planning_facets_of(a.host_only, a.kind_id, a.themes, a.publics))
        AS f(facet)
 WHERE a.listed AND a.geog IS NOT NULL;
ANALYZE planning_facet_points;

-- name: facet_table_from_actors
-- A facet an incremental pass finds new: its points from the directory, with their own
-- index (a filtered KNN on the whole table would skip the other facets' points).
DROP TABLE IF EXISTS {points};
CREATE TEMPORARY TABLE {points} AS
SELECT a.id, a.geog FROM actors_actor a
 WHERE a.listed AND a.geog IS NOT NULL
   AND {facet} = ANY(planning_facets_of(a.host_only, a.kind_id, a.themes, a.publics));
CREATE INDEX ON {points} USING gist (geog);
ANALYZE {points};

-- name: facet_nearest
INSERT INTO {target} (unit_kind, unit_code, facet, actor_id, distance_m)
SELECT u.kind, u.code, {facet}, n.id, n.distance
  FROM planning_unit u
  CROSS JOIN LATERAL (
        SELECT p.id, p.geog <-> COALESCE(u.anchor, u.shape_geog) AS distance
          FROM {points} p
         ORDER BY p.geog <-> COALESCE(u.anchor, u.shape_geog)
         LIMIT 1) n;

-- name: units_in_order
-- The units as the search in memory numbers them: communes by their town hall, QPV by
-- their outline (nearest.py).
DROP TABLE IF EXISTS planning_unit_order;
CREATE TEMPORARY TABLE planning_unit_order AS
SELECT row_number() OVER (ORDER BY kind, code)::int AS ordinal, kind, code,
       ST_X(anchor::geometry) AS lon, ST_Y(anchor::geometry) AS lat,
       CASE WHEN anchor IS NULL THEN ST_AsBinary(shape) END AS outline,
       COALESCE(anchor, shape_geog) AS geog
  FROM planning_unit;
CREATE UNIQUE INDEX ON planning_unit_order (ordinal);
ANALYZE planning_unit_order;
DROP TABLE IF EXISTS planning_candidate;
CREATE TEMPORARY TABLE planning_candidate (
    ordinal int NOT NULL, actor_id bigint NOT NULL, lon float8 NOT NULL, lat float8 NOT NULL
);

-- name: units_read
SELECT ordinal, lon, lat, outline FROM planning_unit_order ORDER BY ordinal;

-- name: facet_point_arrays
-- Every facet's points, as three arrays in the same order (one aggregation feeds them
-- all), a row per facet.
SELECT facet, array_agg(id), array_agg(lon), array_agg(lat)
  FROM planning_facet_points GROUP BY facet;

-- name: copy_candidates
COPY planning_candidate (ordinal, actor_id, lon, lat) FROM STDIN (FORMAT BINARY);

-- name: nearest_of_candidates
-- The candidates the search in memory chose (copied into planning_candidate), measured
-- by PostGIS: for each unit, the least distance (a town hall has one candidate, a QPV
-- outline a few). Each actor comes with its coordinates, which make the very point of
-- its `geog`.
INSERT INTO {target} (unit_kind, unit_code, facet, actor_id, distance_m)
SELECT DISTINCT ON (o.ordinal) o.kind, o.code, {facet}, c.actor_id, c.distance
  FROM planning_candidate p
  JOIN planning_unit_order o ON o.ordinal = p.ordinal
  CROSS JOIN LATERAL (
        SELECT p.actor_id, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography <-> o.geog
               AS distance
  ) c
 ORDER BY o.ordinal, c.distance, c.actor_id;
TRUNCATE planning_candidate;

-- name: drop_facet_table
DROP TABLE IF EXISTS {points};

-- name: drop_units_in_order
DROP TABLE IF EXISTS planning_unit_order, planning_candidate;

-- name: counts
-- Every count from the codes stored on each actor at write time.
INSERT INTO {target} (territory_code, facet, actors)
SELECT code, f.facet, count(*)
  FROM planning_facet_points f
  JOIN actors_actor a ON a.id = f.id
  CROSS JOIN LATERAL unnest(planning_count_codes(a.territory_codes, a.qpv_near_codes)) AS code
 GROUP BY code, f.facet;

-- name: drop_facet_points
DROP TABLE IF EXISTS planning_facet_points;

-- name: mark_full
-- (The national answers kept whole were made of the previous state: coverage_documents.sql.)
UPDATE planning_coverage_state
   SET full_at = now(), updated_at = now(), full_seconds = %(seconds)s,
       territories_sha = %(territories_sha)s;
DELETE FROM planning_coverage_document;

-- name: mark_updated
UPDATE planning_coverage_state SET updated_at = now();
DELETE FROM planning_coverage_document;

-- name: changed_actors
-- The pending changes, taken once (a concurrent pass skips the rows another holds), one
-- row per actor with every territory code it was counted in before.
CREATE TEMPORARY TABLE planning_changed (
    actor_id bigint PRIMARY KEY,
    old_codes varchar(24)[] NOT NULL
) ON COMMIT DROP;
WITH taken AS (
    DELETE FROM planning_coverage_change
     WHERE id IN (SELECT id FROM planning_coverage_change ORDER BY id FOR UPDATE SKIP LOCKED)
    RETURNING actor_id, old_codes
)
INSERT INTO planning_changed
SELECT actor_id, COALESCE(array_agg(DISTINCT code) FILTER (WHERE code IS NOT NULL), '{}')
  FROM taken LEFT JOIN LATERAL unnest(old_codes) AS code ON true
 GROUP BY actor_id;
-- Each changed actor's facets as it stands now (none when it is no longer listed).
CREATE TEMPORARY TABLE planning_changed_facets ON COMMIT DROP AS
SELECT f.facet, a.id, a.geog
  FROM planning_changed c
  JOIN actors_actor a ON a.id = c.actor_id
  CROSS JOIN LATERAL unnest(planning_facets_of(a.host_only, a.kind_id, a.themes, a.publics))
        AS f(facet)
 WHERE a.listed AND a.geog IS NOT NULL;

-- name: reprobe
-- The units whose nearest actor changed: probed again over the whole directory, filtered
-- by the facet (few units; the GiST index of actors_actor).
WITH stale AS (
    DELETE FROM planning_nearest n USING planning_changed c
     WHERE n.actor_id = c.actor_id
    RETURNING n.unit_kind, n.unit_code, n.facet
)
INSERT INTO planning_nearest (unit_kind, unit_code, facet, actor_id, distance_m)
SELECT s.unit_kind, s.unit_code, s.facet, n.id, n.distance
  FROM stale s
  JOIN planning_unit u ON u.kind = s.unit_kind AND u.code = s.unit_code
  CROSS JOIN LATERAL (
        SELECT a.id, a.geog <-> COALESCE(u.anchor, u.shape_geog) AS distance
          FROM actors_actor a
         WHERE a.listed AND a.geog IS NOT NULL
           AND s.facet = ANY(planning_facets_of(a.host_only, a.kind_id, a.themes, a.publics))
         ORDER BY a.geog <-> COALESCE(u.anchor, u.shape_geog)
         LIMIT 1) n;

-- name: improve
-- The changed actors, where they stand now, become the nearest of the units they are
-- nearer to than the recorded nearest (a unit with no row yet for a facet: a new facet).
WITH candidates AS (
    SELECT DISTINCT ON (u.kind, u.code, f.facet)
           u.kind, u.code, f.facet, f.id, f.geog <-> COALESCE(u.anchor, u.shape_geog) AS distance
      FROM planning_changed_facets f
      JOIN planning_nearest n ON n.facet = f.facet
      JOIN planning_unit u ON u.kind = n.unit_kind AND u.code = n.unit_code
     WHERE ST_DWithin(f.geog, COALESCE(u.anchor, u.shape_geog), n.distance_m, false)
     ORDER BY u.kind, u.code, f.facet, f.geog <-> COALESCE(u.anchor, u.shape_geog)
)
UPDATE planning_nearest n
   SET actor_id = c.id, distance_m = c.distance
  FROM candidates c
 WHERE n.unit_kind = c.kind AND n.unit_code = c.code AND n.facet = c.facet
   AND c.distance < n.distance_m;

-- name: new_facets
-- Facets a changed actor brings that no unit has yet.
SELECT DISTINCT f.facet FROM planning_changed_facets f
 WHERE NOT EXISTS (SELECT 1 FROM planning_nearest n WHERE n.facet = f.facet);

-- name: recount
-- The counts of every territory a changed actor left or joined, counted again.
CREATE TEMPORARY TABLE planning_recount ON COMMIT DROP AS
SELECT DISTINCT code FROM (
    SELECT unnest(old_codes) AS code FROM planning_changed
    UNION ALL
    SELECT unnest(planning_count_codes(a.territory_codes, a.qpv_near_codes))
      FROM planning_changed c JOIN actors_actor a ON a.id = c.actor_id
) codes;
DELETE FROM planning_facet_count f USING planning_recount r WHERE f.territory_code = r.code;
INSERT INTO planning_facet_count (territory_code, facet, actors)
SELECT r.code, f.facet, count(*)
  FROM planning_recount r
  JOIN actors_actor a ON a.territory_codes @> ARRAY[r.code]::varchar[]
  CROSS JOIN LATERAL unnest(planning_facets_of(a.host_only, a.kind_id, a.themes, a.publics))
        AS f(facet)
 WHERE a.listed AND a.geog IS NOT NULL AND left(r.code, 9) <> 'qpv_near:'
 GROUP BY r.code, f.facet;
INSERT INTO planning_facet_count (territory_code, facet, actors)
SELECT r.code, f.facet, count(*)
  FROM planning_recount r
  JOIN actors_actor a ON a.qpv_near_codes @> ARRAY[substr(r.code, 10)]::varchar[]
  CROSS JOIN LATERAL unnest(planning_facets_of(a.host_only, a.kind_id, a.themes, a.publics))
        AS f(facet)
 WHERE a.listed AND a.geog IS NOT NULL AND left(r.code, 9) = 'qpv_near:'
 GROUP BY r.code, f.facet;

-- name: changed_communes
-- Where the changed actors stood before and stand now (other derived data, the tiles'
-- cells, is recounted there).
SELECT substr(code, 9) FROM planning_changed, unnest(old_codes) AS code
 WHERE left(code, 8) = 'commune:'
UNION
SELECT a.commune_code FROM planning_changed c JOIN actors_actor a ON a.id = c.actor_id;
