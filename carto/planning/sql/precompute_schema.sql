-- Precomputed coverage (carto/planning/precompute.py), installed by planning migration 0003.
--
-- planning_unit        the units distances are measured from: each commune (its town hall)
--                      and each QPV (its outline, else the union of its communes);
-- planning_nearest     per unit and facet, the nearest listed actor and its distance (m,
--                      on the spheroid), facets being 'all', 'kind:<slug>', 'theme:<slug>'
--                      and 'public:<slug>';
-- planning_facet_count per territory code ('commune:62498', 'bv:62498', 'qpv:…', and
--                      'qpv_near:…' for the QPV within 300 m) and facet, the listed actors;
-- planning_coverage_change  the actors changed since the last pass (and the territory
--                      codes they had), written by statement-level triggers on
--                      actors_actor, consumed by the task queue's job;
-- planning_coverage_state   one row: when the data was last fully and incrementally
--                      computed.
-- A facet counts what the directory's filter of that one value selects: listed actors,
-- without the host places unless their kind is asked (ActorQuerySet.matching).

CREATE TABLE planning_unit (
    kind varchar(8) NOT NULL,
    code varchar(12) NOT NULL,
    population integer,
    anchor geography(Point, 4326),
    shape geometry(MultiPolygon, 4326),
    shape_geog geography(MultiPolygon, 4326),
    PRIMARY KEY (kind, code)
);
CREATE INDEX planning_unit_anchor_gist ON planning_unit USING gist (anchor);
CREATE INDEX planning_unit_shape_geog_gist ON planning_unit USING gist (shape_geog);

CREATE TABLE planning_nearest (
    unit_kind varchar(8) NOT NULL,
    unit_code varchar(12) NOT NULL,
    facet varchar(80) NOT NULL,
    actor_id bigint NOT NULL,
    distance_m double precision NOT NULL,
    PRIMARY KEY (facet, unit_kind, unit_code)
);
CREATE INDEX planning_nearest_actor ON planning_nearest (actor_id);

CREATE TABLE planning_facet_count (
    territory_code varchar(24) NOT NULL,
    facet varchar(80) NOT NULL,
    actors integer NOT NULL,
    PRIMARY KEY (facet, territory_code)
);

CREATE TABLE planning_coverage_change (
    id bigserial PRIMARY KEY,
    actor_id bigint NOT NULL,
    old_codes varchar(24)[] NOT NULL DEFAULT '{}'
);

CREATE TABLE planning_coverage_state (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    full_at timestamptz,
    full_seconds double precision,
    updated_at timestamptz,
    territories_sha varchar(64) NOT NULL DEFAULT ''
);
INSERT INTO planning_coverage_state (id) VALUES (1);

-- The facets an actor counts in: a host place only in its kind's (the directory shows
-- it only when its kind is asked), any other in 'all', its kind's, its themes' and its
-- publics'. The caller checks `listed`.
CREATE FUNCTION planning_facets_of(host_only boolean, kind_id varchar, themes varchar[],
                                   publics varchar[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN host_only THEN ARRAY['kind:' || kind_id]
                ELSE ARRAY['all', 'kind:' || kind_id]
                     || ARRAY(SELECT 'theme:' || t FROM unnest(themes) t)
                     || ARRAY(SELECT 'public:' || p FROM unnest(publics) p)
           END
$$;

-- The territory codes an actor is counted in: those stored at write time, and
-- 'qpv_near:<code>' for each QPV within 300 m.
CREATE FUNCTION planning_count_codes(territory_codes varchar[], qpv_near_codes varchar[])
RETURNS varchar[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT territory_codes
           || ARRAY(SELECT ('qpv_near:' || q)::varchar FROM unnest(qpv_near_codes) q)
$$;

-- The triggers note which actors changed in what coverage reads (listed, place, kind,
-- themes, publics, host place, territory codes), once per statement: an import of
-- 100 000 rows writes one INSERT … SELECT here, not 100 000.
CREATE FUNCTION planning_note_actor_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO planning_coverage_change (actor_id)
    SELECT id FROM new_rows WHERE listed;
    RETURN NULL;
END $$;

-- Migration 0005 gives it `SET enable_nestloop = off`: planned without statistics on its
-- transition tables, the join was a nested loop, quadratic in the rows of the statement.
CREATE FUNCTION planning_note_actor_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO planning_coverage_change (actor_id, old_codes)
    SELECT n.id, CASE WHEN o.listed THEN planning_count_codes(o.territory_codes, o.qpv_near_codes)
                      ELSE '{}' END
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE (n.listed OR o.listed)
       AND (n.listed, n.location, n.kind_id, n.themes, n.publics, n.host_only,
            n.territory_codes, n.qpv_near_codes)
           IS DISTINCT FROM
           (o.listed, o.location, o.kind_id, o.themes, o.publics, o.host_only,
            o.territory_codes, o.qpv_near_codes);
    RETURN NULL;
END $$;

CREATE FUNCTION planning_note_actor_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO planning_coverage_change (actor_id, old_codes)
    SELECT id, planning_count_codes(territory_codes, qpv_near_codes) FROM old_rows WHERE listed;
    RETURN NULL;
END $$;

CREATE TRIGGER planning_actor_insert AFTER INSERT ON actors_actor
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION planning_note_actor_insert();
CREATE TRIGGER planning_actor_update AFTER UPDATE ON actors_actor
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION planning_note_actor_update();
CREATE TRIGGER planning_actor_delete AFTER DELETE ON actors_actor
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION planning_note_actor_delete();
