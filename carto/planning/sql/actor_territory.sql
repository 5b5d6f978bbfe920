-- planning_actor_territory: one row per (listed actor, territory it stands in), from the
-- codes stored on each actor at write time. Coverage counts are a GROUP BY on it, joined
-- with the ids the directory's filters selected (coverage.sql).
-- Refreshed once after each transaction that wrote actors or imported territories
-- (planning.services.schedule_refresh), CONCURRENTLY thanks to its unique index.
-- Installed by planning migration 0002 (a change comes with a new migration).
CREATE MATERIALIZED VIEW IF NOT EXISTS planning_actor_territory AS
SELECT a.id AS actor_id, code::varchar(24) AS territory_code
  FROM actors_actor a, unnest(a.territory_codes) AS code
 WHERE a.listed;

CREATE UNIQUE INDEX IF NOT EXISTS planning_actor_territory_uniq ON planning_actor_territory (territory_code, actor_id);
CREATE INDEX IF NOT EXISTS planning_actor_territory_actor ON planning_actor_territory (actor_id);
