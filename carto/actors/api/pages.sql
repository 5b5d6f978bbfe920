-- One page of a directory collection (actors, initiatives) in ONE statement: filter, order,
-- build each Feature as text, join them, and say whether more rows follow (carto/actors/api/pages.py).
--
-- Named parameters (%(name)s) carry every value. ${…} markers take other sections of this
-- file, or pages.py's fixed mappings (sort keys, properties), never input. A statement
-- holds only the filters a request asks for, so that PostgreSQL plans it quickly, and it
-- stays under the 4 096 bytes below which psycopg caches its parsing.
-- The page: `offset` (page mode), `a0`… (the cursor's key), `fetch` (offset + size + 1:
-- one more than shown, to know whether more follow), `last` (offset + size), `size`,
-- `count_bound`.

-- name: actor_filters
-- Actors as querysets.ActorQuerySet.matching() filters them (tests/actors/test_paging.py
-- checks both give the same rows). One condition a line: pages.py keeps a line when the
-- parameter its `when:` names is given (`not kinds`: when it is not). A commune or a
-- grouping is its own column (the `territory_codes` an actor gets are made of them), as
-- the range of its (code, id) index that holds the code: written as an equality, the
-- planner would take the column for a constant and walk the primary key for the id
-- order, counting on the rows being spread evenly (all of a city's actors may lie at its
-- far end: 1.2 s for Paris among a million); as a range, only that index gives the order
-- ${order} asks for. A QPV: the codes.
a.listed
AND NOT a.host_only -- when: not kinds
AND a.kind_id = ANY (%(kinds)s::text[]) -- when: kinds
AND a.themes && %(themes)s::varchar[] -- when: themes
AND a.publics && %(publics)s::varchar[] -- when: publics
AND (a.commune_code, a.id) BETWEEN (%(commune)s::varchar, 0::bigint) AND (%(commune)s::varchar, ${max_id}) -- when: commune
AND (a.epci_code, a.id) BETWEEN (%(epci)s::varchar, 0::bigint) AND (%(epci)s::varchar, ${max_id}) -- when: epci
AND (a.bv_code, a.id) BETWEEN (%(bv)s::varchar, 0::bigint) AND (%(bv)s::varchar, ${max_id}) -- when: bv
AND (a.departement_code, a.id) BETWEEN (%(departement)s::varchar, 0::bigint) AND (%(departement)s::varchar, ${max_id}) -- when: departement
AND (a.region_code, a.id) BETWEEN (%(region)s::varchar, 0::bigint) AND (%(region)s::varchar, ${max_id}) -- when: region
AND a.territory_codes @> ARRAY[%(territory)s::varchar] -- when: territory
AND ST_Intersects(a.location, ST_MakeEnvelope(%(minx)s::float8, %(miny)s::float8, %(maxx)s::float8, %(maxy)s::float8, 4326)) -- when: minx
AND a.search @@ to_tsquery('carto_fr', %(tsquery)s::text) -- when: tsquery
AND a.geog IS NOT NULL -- when: point
AND ST_DWithin(a.geog, %(point)s::geography, %(radius_m)s::float8) -- when: radius_m

-- name: initiative_filters
-- Initiatives as querysets.InitiativeQuerySet.matching() filters them.
a.listed
AND EXISTS (SELECT FROM actors_actor o WHERE o.id = a.organizer_id AND o.kind_id = ANY (%(kinds)s::text[])) -- when: kinds
AND a.themes && %(themes)s::varchar[] -- when: themes
AND a.publics && %(publics)s::varchar[] -- when: publics
AND a.territory_codes @> ARRAY[%(territory)s::varchar] -- when: territory
AND a.programme = ANY (%(programmes)s::text[]) -- when: programmes
AND (ST_Intersects(a.footprint, ST_MakeEnvelope(%(minx)s::float8, %(miny)s::float8, %(maxx)s::float8, %(maxy)s::float8, 4326)) OR ST_Intersects(a.location, ST_MakeEnvelope(%(minx)s::float8, %(miny)s::float8, %(maxx)s::float8, %(maxy)s::float8, 4326))) -- when: minx
AND a.search @@ to_tsquery('carto_fr', %(tsquery)s::text) -- when: tsquery
AND a.location IS NOT NULL -- when: point
AND ST_DWithin(a.location, %(point)s::geography::geometry, %(radius_degrees)s::float8) -- when: radius_m
AND ST_Distance(a.location::geography, %(point)s::geography, false) <= %(radius_m)s::float8 -- when: radius_m

-- name: keyed_page
-- Ordered by a key (${keys}: id; −rank, name, id; distance, id), resumed after the
-- cursor's key by a row comparison (${resume}), which the primary key's index serves for id.
-- In a commune or a grouping, ${order} leads with its column (one value: the same order),
-- which its (code, id) index gives (actor_filters).
WITH page AS (
    SELECT ${key_columns}, ${feature} AS feature, row_number() OVER (ORDER BY ${order}) AS rn
      FROM ${table} a
     WHERE ${filters} ${resume}
     ORDER BY ${order}
    OFFSET %(offset)s LIMIT %(fetch)s - %(offset)s
)
${summary}

-- name: actor_near_page
-- Around a point: the KNN operator walks the geography GiST index nearest first and stops
-- at the page (plus one). A tie-breaker in that ORDER BY would sort the whole table, so
-- (distance, id) orders the rows fetched; `tied` says when the last ones fetched share a
-- distance, some of them maybe left behind: pages.py then runs actor_near_page_with_ties.
WITH knn AS MATERIALIZED (
    SELECT a.id, a.geog <-> %(point)s::geography AS d, ${feature} AS feature
      FROM actors_actor a
     WHERE ${filters} ${resume}
     ORDER BY a.geog <-> %(point)s::geography
     LIMIT %(fetch)s
), page AS (
    SELECT d AS k0, id AS k1, feature, row_number() OVER (ORDER BY d, id) AS rn FROM knn
)
${summary}

-- name: actor_near_page_with_ties
-- The same, completed by the rows at the last distance fetched (a shared address): a
-- bounded ST_DWithin query finds them all, and (distance, id) orders the small set.
WITH knn AS MATERIALIZED (
    SELECT a.id, a.geog <-> %(point)s::geography AS d, ${feature} AS feature
      FROM actors_actor a
     WHERE ${filters} ${resume}
     ORDER BY a.geog <-> %(point)s::geography
     LIMIT %(fetch)s
), edge AS MATERIALIZED (
    SELECT max(d) AS d FROM knn
), ties AS (
    SELECT a.id, a.geog <-> %(point)s::geography AS d, ${feature} AS feature
      FROM actors_actor a
     WHERE ST_DWithin(a.geog, %(point)s::geography, (SELECT d FROM edge) * 1.000001 + 0.01, false)
       AND (a.geog <-> %(point)s::geography) = (SELECT d FROM edge)
       AND a.id NOT IN (SELECT id FROM knn)
       AND ${filters} ${resume}
), page AS (
    SELECT d AS k0, id AS k1, feature, row_number() OVER (ORDER BY d, id) AS rn
      FROM (SELECT * FROM knn UNION ALL SELECT * FROM ties) c
)
${summary}

-- name: resume
-- After the cursor's key.
AND (${keys}) > (${after})

-- name: summary
-- What the page says of itself: how many rows were fetched past the offset (one more than
-- the page when more follow), the page's Features joined, the key of its last row (the
-- next cursor), the matches counted (or NULL), and whether the last ones fetched are tied.
SELECT count(*) FILTER (WHERE rn > %(offset)s AND rn <= %(fetch)s)::int AS fetched,
       string_agg(feature, ',' ORDER BY rn) FILTER (WHERE rn > %(offset)s AND rn <= %(last)s) AS features,
       min(json_build_array(${key_names})::text) FILTER (WHERE rn = %(last)s) AS last_key,
       ${counted} AS counted,
       ${tied} AS tied
  FROM page

-- name: counted
-- On a full first page, the matches counted up to a bound (LIMIT: never a whole table);
-- in a commune or a grouping, through its index (${count_order}, as ${order} above).
CASE WHEN count(*) FILTER (WHERE rn > %(offset)s) > %(size)s
     THEN (SELECT count(*)::int FROM (SELECT FROM ${table} a WHERE ${filters} ${count_order} LIMIT %(count_bound)s + 1) matched)
END

-- name: tied
count(*) = %(fetch)s AND count(*) FILTER (WHERE k0 = (SELECT max(k0) FROM page)) > 1

-- name: count
-- The matches, counted up to a bound (a page past the end says how many there are).
SELECT count(*)::int FROM (SELECT FROM ${table} a WHERE ${filters} ${count_order} LIMIT %(count_bound)s + 1) matched
