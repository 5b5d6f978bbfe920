-- Attaching actors to their territories, at write time (services.attach_actors).
--
-- The commune is the one the source declares (commune_code) when it is a known
-- commune: the INSEE code of the address is more reliable than the generalised
-- outlines near borders; otherwise the commune whose subdivided outline holds
-- the point. EPCI, bassin de vie, département and région follow from the
-- commune's INSEE membership (with no commune: the declared département and
-- its région). The QPV it stands in and those within 300 m
-- (« quartier vécu ») come from the QPV outlines, and only for points precise
-- enough to say so (exact, address, street). Every lookup goes through a GiST
-- index: a degree box pre-filters the 300 m test, which is then exact on the
-- spheroid for the few candidate pieces.

-- name: attach_actors
WITH located AS (
    SELECT a.id,
           COALESCE(known.code, pip.code, a.commune_code) AS commune_code,
           COALESCE(known.epci_code, pip.epci_code, '') AS epci_code,
           COALESCE(known.bv_code, pip.bv_code, '') AS bv_code,
           COALESCE(NULLIF(known.departement_code, ''), NULLIF(pip.departement_code, ''),
                    CASE WHEN a.commune_code ~ '^97' THEN left(a.commune_code, 3)
                         WHEN a.commune_code <> '' THEN left(a.commune_code, 2) END,
                    NULLIF(a.departement_code, ''), '') AS departement_code,
           COALESCE(known.region_code, pip.region_code, '') AS region_code,
           COALESCE(qin.codes, '{}') AS qpv_codes,
           COALESCE(qnear.codes, '{}') AS qpv_near_codes
      FROM actors_actor a
      LEFT JOIN territories_territory known ON known.kind = 'commune' AND known.code = a.commune_code
      LEFT JOIN LATERAL (
            SELECT c.code, c.epci_code, c.bv_code, c.departement_code, c.region_code
              FROM territories_territorypart p
              JOIN territories_territory c ON c.id = p.territory_id
             WHERE p.kind = 'commune' AND ST_Intersects(p.geom, a.location)
             ORDER BY c.code LIMIT 1
      ) pip ON known.id IS NULL AND a.location IS NOT NULL
      LEFT JOIN LATERAL (
            SELECT array_agg(DISTINCT q.code ORDER BY q.code) AS codes
              FROM territories_territorypart p
              JOIN territories_territory q ON q.id = p.territory_id
             WHERE p.kind = 'qpv' AND ST_Intersects(p.geom, a.location)
      ) qin ON a.precision IN ('exact', 'address', 'street') AND a.location IS NOT NULL
      LEFT JOIN LATERAL (
            SELECT array_agg(DISTINCT q.code ORDER BY q.code) AS codes
              FROM territories_territorypart p
              JOIN territories_territory q ON q.id = p.territory_id
             WHERE p.kind = 'qpv'
               AND ST_DWithin(p.geom, a.location, 0.01)
               AND ST_DWithin(p.geom::geography, a.geog, 300)
      ) qnear ON a.precision IN ('exact', 'address', 'street') AND a.location IS NOT NULL
     WHERE a.id = ANY(%(ids)s)
)
UPDATE actors_actor a
   SET commune_code = l.commune_code,
       epci_code = l.epci_code,
       bv_code = l.bv_code,
       departement_code = l.departement_code,
       region_code = COALESCE(NULLIF(l.region_code, ''),
                              (SELECT d.region_code FROM territories_territory d
                                WHERE d.kind = 'departement' AND d.code = l.departement_code), ''),
       qpv_codes = l.qpv_codes,
       qpv_near_codes = l.qpv_near_codes,
       territory_codes = array_remove(ARRAY[
            'commune:' || NULLIF(l.commune_code, ''),
            'epci:' || NULLIF(l.epci_code, ''),
            'bv:' || NULLIF(l.bv_code, ''),
            'departement:' || NULLIF(l.departement_code, ''),
            'region:' || COALESCE(NULLIF(l.region_code, ''),
                                  (SELECT NULLIF(d.region_code, '') FROM territories_territory d
                                    WHERE d.kind = 'departement' AND d.code = l.departement_code))
       ], NULL) || ARRAY(SELECT 'qpv:' || code FROM unnest(l.qpv_codes) AS code),
       attached_at = now()
  FROM located l
 WHERE a.id = l.id;

-- name: flag_duplicates
-- Same SIRET, or same normalised name within 200 m: the later record is flagged as a
-- duplicate of the earlier one (lowest id), never silently kept twice. A host place
-- (a town hall, host_only) is never the original: a listed « Mairie de … » imported
-- after it stays listed. Each test goes through an index (the SIRET b-tree, the
-- geography GiST).
WITH candidates AS (
    SELECT a.id, COALESCE(by_siret.id, by_place.id) AS original
      FROM actors_actor a
      LEFT JOIN LATERAL (
            SELECT b.id FROM actors_actor b
             WHERE a.siret <> '' AND b.siret = a.siret AND b.id < a.id AND b.duplicate_of_id IS NULL
               AND NOT b.host_only
             ORDER BY b.id LIMIT 1
      ) by_siret ON true
      LEFT JOIN LATERAL (
            SELECT b.id FROM actors_actor b
             WHERE b.name_key = a.name_key AND b.id < a.id AND b.duplicate_of_id IS NULL
               AND NOT b.host_only
               AND ST_DWithin(b.geog, a.geog, 200)
             ORDER BY b.id LIMIT 1
      ) by_place ON a.geog IS NOT NULL
     WHERE a.id = ANY(%(ids)s)
)
UPDATE actors_actor a
   SET duplicate_of_id = c.original
  FROM candidates c
 WHERE a.id = c.id AND a.duplicate_of_id IS DISTINCT FROM c.original
RETURNING a.id, c.original;

-- name: resolve_service_areas
-- An actor's service area, given as territory codes, resolved to one geometry.
UPDATE actors_actor a
   SET service_area = (
        SELECT ST_Multi(ST_Union(t.geom)) FROM territories_territory t
         WHERE t.geom IS NOT NULL AND t.kind || ':' || t.code = ANY(a.service_area_codes))
 WHERE a.id = ANY(%(ids)s) AND a.service_area_codes <> '{}';

-- name: resolve_footprints
-- An initiative's footprint given as territory codes only (no drawn or imported
-- outline), resolved to one geometry; an explicit footprint is never replaced.
UPDATE actors_initiative i
   SET footprint = resolved.geom
  FROM (SELECT i2.id, (SELECT ST_Multi(ST_Union(t.geom)) FROM territories_territory t
                        WHERE t.geom IS NOT NULL AND t.kind || ':' || t.code = ANY(i2.footprint_codes)) AS geom
          FROM actors_initiative i2
         WHERE i2.id = ANY(%(ids)s) AND i2.footprint_codes <> '{}' AND i2.footprint IS NULL) AS resolved
 WHERE i.id = resolved.id AND resolved.geom IS NOT NULL;
