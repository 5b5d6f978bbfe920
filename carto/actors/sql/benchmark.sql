-- Synthetic actors for benchmarks and national-scale trials (benchmark_data.py,
-- `manage.py generate_benchmark_data`).
--
-- The rows come in by COPY into a temporary staging table (no index, no trigger, no
-- WAL), then go into actors_actor in one INSERT … SELECT. Each point was drawn inside
-- its commune's outline, so its territory codes are the commune's own parent codes
-- (as attach.sql takes them from a known commune code): no point-in-polygon over
-- France. Only the QPV need geometry, and only for the points of the communes that
-- lie within 0.01° of a QPV outline, with the predicates of attach.sql (in the QPV;
-- within 300 m on the spheroid, pre-filtered by a degree box).

-- name: communes
-- The communes the actors are placed in: those with an outline, of the départements asked
-- for (all when NULL), by code; an unknown population counts as none.
SELECT id, code, name, COALESCE(population, 0), ST_AsBinary(geom)
  FROM territories_territory
 WHERE kind = 'commune' AND geom IS NOT NULL
   AND (%(departements)s::text[] IS NULL OR departement_code = ANY(%(departements)s::text[]))
 ORDER BY code;

-- name: create_staging
DROP TABLE IF EXISTS benchmark_staging;
CREATE TEMPORARY TABLE benchmark_staging (
    n integer NOT NULL,
    commune_id bigint NOT NULL,
    lon float8 NOT NULL,
    lat float8 NOT NULL,
    kind varchar(60) NOT NULL,
    themes varchar(60)[] NOT NULL,
    publics varchar(60)[] NOT NULL,
    name varchar(300) NOT NULL,
    name_key varchar(300) NOT NULL,
    address varchar(300) NOT NULL,
    opening_hours varchar(500) NOT NULL
);

-- name: copy_staging
COPY benchmark_staging (n, commune_id, lon, lat, kind, themes, publics, name, name_key,
                        address, opening_hours) FROM STDIN

-- name: attach_qpv
-- The QPV each point stands in and those within 300 m, for the few points near an outline,
-- into a small table that the INSERT joins. The points of the communes within 0.01° of a
-- QPV outline get a GiST index of their own, which each QPV piece then probes once.
DROP TABLE IF EXISTS benchmark_point, benchmark_qpv;
CREATE TEMPORARY TABLE benchmark_point AS
SELECT s.n, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS location
  FROM benchmark_staging s
 WHERE s.commune_id IN (
        SELECT c.id
          FROM territories_territorypart q
          JOIN territories_territory c
            ON c.kind = 'commune' AND ST_DWithin(c.geom, q.geom, 0.01)
         WHERE q.kind = 'qpv');
CREATE INDEX ON benchmark_point USING gist (location);
ANALYZE benchmark_point;
CREATE TEMPORARY TABLE benchmark_qpv AS
SELECT pt.n,
       COALESCE(array_agg(DISTINCT q.code ORDER BY q.code)
                FILTER (WHERE ST_Intersects(p.geom, pt.location)), '{}')::varchar(12)[] AS qpv_codes,
       array_agg(DISTINCT q.code ORDER BY q.code)::varchar(12)[] AS qpv_near_codes
  FROM territories_territorypart p
  JOIN territories_territory q ON q.id = p.territory_id
  JOIN benchmark_point pt ON ST_DWithin(p.geom, pt.location, 0.01)
 WHERE p.kind = 'qpv'
   AND ST_DWithin(p.geom::geography, pt.location::geography, 300)
 GROUP BY pt.n;
ANALYZE benchmark_qpv;

-- name: qpv_counts
SELECT count(*) FILTER (WHERE qpv_codes <> '{}'), count(*) FROM benchmark_qpv;

-- name: search_parts
-- The parts of the search vector (sql/search.sql), each computed once per distinct value:
-- 400 000 names, 32 000 communes and 2 400 addresses for a million actors, instead of
-- three to_tsvector a row in the trigger (which the bulk write disables; a small write
-- keeps it, and it computes the same vector again).
DROP TABLE IF EXISTS benchmark_search_name, benchmark_search_place, benchmark_search_text;
CREATE TEMPORARY TABLE benchmark_search_name AS
SELECT name, carto_actor_search_name(name) AS part
  FROM (SELECT DISTINCT name FROM benchmark_staging) d;
CREATE TEMPORARY TABLE benchmark_search_place AS
SELECT commune_id, carto_actor_search_place(c.name, '{}', '') AS part
  FROM (SELECT DISTINCT commune_id FROM benchmark_staging) d
  JOIN territories_territory c ON c.id = d.commune_id;
CREATE TEMPORARY TABLE benchmark_search_text AS
SELECT address, carto_actor_search_text(%(description)s, address) AS part
  FROM (SELECT DISTINCT address FROM benchmark_staging) d;
ANALYZE benchmark_search_name, benchmark_search_place, benchmark_search_text;

-- name: insert_actors
-- Every column without a database default is named: a new NOT NULL column makes this
-- statement fail (and the tests with it) rather than guess. The labels, the network and
-- the description given here are those the search parts were computed with.
INSERT INTO actors_actor (
    search,
    name, name_key, kind_id, themes, publics, labels, description, siret, rna, network,
    address, address_extra, postcode, city, location, precision, to_locate,
    service_area_codes, opening_hours, appointment, itinerant,
    email, phone, website, contact_name, contact_email, contact_phone,
    status, source, source_id, source_url,
    commune_code, epci_code, bv_code, departement_code, region_code,
    qpv_codes, qpv_near_codes, territory_codes, attached_at, created_at, updated_at)
SELECT sn.part || sp.part || st.part,
       s.name, s.name_key, s.kind, s.themes, s.publics, '{}', %(description)s, '', '', '',
       s.address, '', '', c.name, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), 'address', false,
       '{}', s.opening_hours, false, false,
       '', '', '', '', '', '',
       'published', %(source)s, s.n::text, '',
       c.code, c.epci_code, c.bv_code, c.departement_code, r.region_code,
       COALESCE(q.qpv_codes, '{}'), COALESCE(q.qpv_near_codes, '{}'),
       array_remove(ARRAY[
            'commune:' || c.code,
            'epci:' || NULLIF(c.epci_code, ''),
            'bv:' || NULLIF(c.bv_code, ''),
            'departement:' || NULLIF(c.departement_code, ''),
            'region:' || NULLIF(r.region_code, '')
       ], NULL) || ARRAY(SELECT 'qpv:' || code FROM unnest(q.qpv_codes) AS code),
       now(), now(), now()
  FROM benchmark_staging s
  JOIN territories_territory c ON c.id = s.commune_id
  JOIN benchmark_search_name sn ON sn.name = s.name
  JOIN benchmark_search_place sp ON sp.commune_id = s.commune_id
  JOIN benchmark_search_text st ON st.address = s.address
  LEFT JOIN benchmark_qpv q ON q.n = s.n
  -- A commune without its région code takes its département's (as attach.sql does).
  CROSS JOIN LATERAL (
        SELECT COALESCE(NULLIF(c.region_code, ''),
                        (SELECT d.region_code FROM territories_territory d
                          WHERE d.kind = 'departement' AND d.code = c.departement_code),
                        '') AS region_code
  ) r;

-- name: drop_staging
DROP TABLE IF EXISTS benchmark_staging, benchmark_point, benchmark_qpv, benchmark_search_name,
    benchmark_search_place, benchmark_search_text;

-- name: foreign_keys
-- The foreign keys from and to actors_actor: dropped for a bulk write and re-created after
-- it (the database then validates each one in a single join, not row by row).
SELECT n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid)
  FROM pg_constraint c
  JOIN pg_class t ON t.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE c.contype = 'f' AND 'actors_actor'::regclass IN (c.conrelid, c.confrelid)
 ORDER BY t.relname, c.conname;

-- name: rebuilt_indexes
-- The indexes of actors_actor dropped for a bulk write and built again after it: all but
-- those behind a constraint (primary key, unique provenance), which stay and are maintained.
SELECT n.nspname, i.relname, pg_get_indexdef(i.oid)
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
 WHERE x.indrelid = 'actors_actor'::regclass
   AND NOT x.indisprimary AND NOT x.indisunique
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
 ORDER BY i.relname;

-- name: other_actors
SELECT count(*) FROM actors_actor WHERE source <> %(source)s;

-- name: delete_actors
-- The synthetic actors only (the unique (source, source_id) index serves the filter).
DELETE FROM actors_actor WHERE source = %(source)s;
