-- Territory import, second half: repair, upsert, subdivide. Run by
-- carto.territories.services.TerritoryImporter inside one transaction, after
-- the validated records were COPied into the temporary table territory_staging.

-- name: repair
-- Repair what ST_MakeValid can repair, keeping only the polygonal part.
UPDATE territory_staging
   SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)), repaired = true
 WHERE geom IS NOT NULL AND NOT ST_IsValid(geom)
RETURNING ref;

-- name: unrepairable
SELECT ref, ST_IsValidReason(geom) FROM territory_staging
 WHERE geom IS NOT NULL AND (ST_IsEmpty(geom) OR NOT ST_IsValid(geom))
 ORDER BY seq;

-- name: upsert
-- Insert new territories, update changed ones, leave identical rows untouched.
WITH upserted AS (
    INSERT INTO territories_territory AS t (
        kind, code, name, name_search, population, commune_count,
        region_code, departement_code, epci_code, bv_code,
        departement_codes, commune_codes, geom, anchor, vintage, source, updated_at)
    SELECT kind, code, name, name_search, population, commune_count,
           region_code, departement_code, epci_code, bv_code,
           departement_codes, commune_codes, geom,
           COALESCE(anchor, ST_PointOnSurface(geom)), vintage, source, now()
      FROM territory_staging
    ON CONFLICT (kind, code) DO UPDATE SET
        name = EXCLUDED.name, name_search = EXCLUDED.name_search,
        population = EXCLUDED.population, commune_count = EXCLUDED.commune_count,
        region_code = EXCLUDED.region_code, departement_code = EXCLUDED.departement_code,
        epci_code = EXCLUDED.epci_code, bv_code = EXCLUDED.bv_code,
        departement_codes = EXCLUDED.departement_codes, commune_codes = EXCLUDED.commune_codes,
        geom = EXCLUDED.geom, anchor = EXCLUDED.anchor, vintage = EXCLUDED.vintage,
        source = EXCLUDED.source, updated_at = now()
    WHERE (t.name, t.population, t.commune_count, t.region_code, t.departement_code,
           t.epci_code, t.bv_code, t.departement_codes, t.commune_codes, t.vintage, t.source)
          IS DISTINCT FROM
          (EXCLUDED.name, EXCLUDED.population, EXCLUDED.commune_count, EXCLUDED.region_code,
           EXCLUDED.departement_code, EXCLUDED.epci_code, EXCLUDED.bv_code,
           EXCLUDED.departement_codes, EXCLUDED.commune_codes, EXCLUDED.vintage, EXCLUDED.source)
       OR NOT ST_OrderingEquals(COALESCE(t.geom, 'GEOMETRYCOLLECTION EMPTY'::geometry),
                                COALESCE(EXCLUDED.geom, 'GEOMETRYCOLLECTION EMPTY'::geometry))
       OR NOT ST_OrderingEquals(COALESCE(t.anchor, 'POINT EMPTY'::geometry),
                                COALESCE(EXCLUDED.anchor, 'POINT EMPTY'::geometry))
    RETURNING t.id, t.kind, (t.xmax = 0) AS created
)
SELECT id, kind, created FROM upserted;

-- name: subdivide
-- Point-in-polygon runs on pieces of at most 255 vertices, through the GiST index.
WITH gone AS (
    DELETE FROM territories_territorypart WHERE territory_id = ANY(%(ids)s)
)
INSERT INTO territories_territorypart (territory_id, kind, geom)
SELECT id, kind, (ST_Dump(ST_Subdivide(geom, 255))).geom
  FROM territories_territory
 WHERE id = ANY(%(ids)s) AND geom IS NOT NULL;
