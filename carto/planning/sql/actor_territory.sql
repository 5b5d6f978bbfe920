-- planning_actor_territory: one row per (published, non-duplicate actor, territory it
-- stands in), from the codes stored on each actor at write time. Coverage counts are
-- a GROUP BY on it. Refreshed after every import and actor write
-- (planning.services.refresh_actor_territory), CONCURRENTLY thanks to its unique index.
-- Installed by planning migration 0001.
CREATE MATERIALIZED VIEW IF NOT EXISTS planning_actor_territory AS
SELECT a.id AS actor_id, a.kind_id, a.themes, a.publics, code::varchar(24) AS territory_code
  FROM actors_actor a, unnest(a.territory_codes) AS code
 WHERE a.status = 'published' AND a.duplicate_of_id IS NULL;

CREATE UNIQUE INDEX IF NOT EXISTS planning_actor_territory_uniq ON planning_actor_territory (territory_code, actor_id);
CREATE INDEX IF NOT EXISTS planning_actor_territory_themes ON planning_actor_territory USING gin (themes);
CREATE INDEX IF NOT EXISTS planning_actor_territory_publics ON planning_actor_territory USING gin (publics);
