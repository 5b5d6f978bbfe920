-- Coverage of territories by the actors matching a filter (planning/services.coverage).
-- Placeholders: {matching} is the SQL selecting the ids of the matching actors
-- (built by the ORM from the directory's own filters), {units} the territories of
-- the level in scope, {actor_counts} the (code, n) counts of matching actors per
-- territory: a GROUP BY on the materialized view planning_actor_territory when the
-- filters are kinds, themes and publics, else on the actors themselves. Population is placed at each commune's town hall: a commune is
-- « reached » when a matching actor stands within max_m of it, and a grouping's share
-- is that of its loaded communes' population. Every distance test goes through the
-- actors' geography GiST index (the commune side is a constant in each probe).

-- name: groupings
WITH units AS ({units}),
matching AS MATERIALIZED ({matching}),
actor_counts AS ({actor_counts}),
initiative_counts AS (
    SELECT code, count(*) AS n FROM actors_initiative i, unnest(i.territory_codes) AS code
     WHERE i.id IN ({matching_initiatives}) GROUP BY code
),
communes AS (
    SELECT u.code AS unit, c.code, COALESCE(c.population, 0) AS population, c.anchor
      FROM units u
      JOIN territories_territory c ON c.kind = 'commune' AND (
            (u.kind = 'commune' AND c.code = u.code) OR
            (u.kind = 'epci' AND c.epci_code = u.code) OR
            (u.kind = 'bv' AND c.bv_code = u.code) OR
            (u.kind = 'departement' AND c.departement_code = u.code) OR
            (u.kind = 'region' AND c.region_code = u.code))
),
reach AS (
    SELECT c.unit, c.population,
           EXISTS (SELECT 1 FROM actors_actor a
                    WHERE ST_DWithin(a.geog, c.anchor::geography, %(max_m)s)
                      AND a.id IN (SELECT id FROM matching)) AS reached
      FROM communes c
),
totals AS (
    SELECT unit, sum(population) AS loaded_population,
           sum(population) FILTER (WHERE reached) AS reached_population
      FROM reach GROUP BY unit
)
SELECT u.code,
       COALESCE(ac.n, 0) AS actors,
       COALESCE(ic.n, 0) AS initiatives,
       COALESCE(t.loaded_population, 0) AS loaded_population,
       COALESCE(t.reached_population, 0) AS reached_population
  FROM units u
  LEFT JOIN actor_counts ac ON ac.code = u.kind || ':' || u.code
  LEFT JOIN initiative_counts ic ON ic.code = u.kind || ':' || u.code
  LEFT JOIN totals t ON t.unit = u.code;

-- name: qpv
-- A QPV's distance to the nearest matching actor: from its outline, or from its
-- commune(s) when the outline is unknown; the five nearest by KNN on the actors'
-- GiST index are measured exactly on the spheroid.
WITH units AS ({units}),
matching AS MATERIALIZED ({matching}),
actor_counts AS ({actor_counts}),
shapes AS (
    SELECT u.code, COALESCE(u.geom, (SELECT ST_Multi(ST_Union(c.geom)) FROM territories_territory c
                                       WHERE c.kind = 'commune' AND c.code = ANY(u.commune_codes))) AS geom,
           u.geom IS NOT NULL AS own_outline
      FROM units u
)
SELECT s.code, s.own_outline,
       COALESCE((SELECT n FROM actor_counts WHERE code = 'qpv:' || s.code), 0) AS actors,
       (SELECT count(*) FROM actors_actor a WHERE a.id IN (SELECT id FROM matching)
           AND a.qpv_near_codes @> ARRAY[s.code]::varchar[]) AS actors_near,
       (SELECT count(*) FROM actors_initiative i WHERE i.id IN ({matching_initiatives})
           AND i.territory_codes @> ARRAY['qpv:' || s.code]::varchar[]) AS initiatives,
       (SELECT min(ST_Distance(nearest.geog, s.geom::geography))
          FROM (SELECT a.geog FROM actors_actor a WHERE a.id IN (SELECT id FROM matching)
                 ORDER BY a.location <-> s.geom LIMIT 5) nearest) AS distance_m
  FROM shapes s;

-- name: counts_from_view
SELECT territory_code AS code, count(*) AS n
  FROM planning_actor_territory
 WHERE (%(kinds)s::varchar[] IS NULL OR kind_id = ANY(%(kinds)s::varchar[]))
   AND (%(themes)s::varchar[] IS NULL OR themes && %(themes)s::varchar[])
   AND (%(publics)s::varchar[] IS NULL OR publics && %(publics)s::varchar[])
 GROUP BY territory_code

-- name: counts_live
SELECT code, count(*) AS n FROM actors_actor a, unnest(a.territory_codes) AS code
 WHERE a.id IN (SELECT id FROM matching) GROUP BY code
