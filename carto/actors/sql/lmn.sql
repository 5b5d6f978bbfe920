-- The actors a « lieu de médiation numérique » may be (importers/lmn.py), for every place
-- of an import at once: those holding its SIRET (at any distance: the importer decides
-- whether they are the same place), those of its normalised name within
-- %(name_metres)s m, and the actors of the kind the place says it is (a France
-- services, a médiathèque: `same_kind`) within %(same_kind_metres)s m. Flagged duplicates and host places (town
-- halls) are never candidates. Each part goes through an index (the SIRET b-tree, the
-- name_key b-tree, the geography GiST).

-- name: candidates
WITH place AS (
    SELECT p.idx, p.siret, p.name_key, p.same_kind,
           ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography AS geog
      FROM unnest(%(idx)s::int[], %(lon)s::float8[], %(lat)s::float8[], %(siret)s::text[],
                  %(name_key)s::text[], %(same_kind)s::text[])
           AS p(idx, lon, lat, siret, name_key, same_kind)
)
SELECT place.idx, 'siret' AS rule, a.id, ST_Distance(a.geog, place.geog) AS metres,
       a.address, a.postcode, a.listed
  FROM place
  JOIN actors_actor a ON a.siret = place.siret
 WHERE place.siret <> '' AND a.duplicate_of_id IS NULL AND NOT a.host_only
UNION ALL
SELECT place.idx, 'name', a.id, ST_Distance(a.geog, place.geog), a.address, a.postcode, a.listed
  FROM place
  JOIN actors_actor a ON a.name_key = place.name_key
                     AND ST_DWithin(a.geog, place.geog, %(name_metres)s)
 WHERE a.duplicate_of_id IS NULL AND NOT a.host_only
UNION ALL
SELECT place.idx, 'kind', a.id, ST_Distance(a.geog, place.geog), a.address, a.postcode, a.listed
  FROM place
  JOIN actors_actor a ON a.kind_id = place.same_kind
                     AND ST_DWithin(a.geog, place.geog, %(same_kind_metres)s)
 WHERE place.same_kind <> '' AND a.duplicate_of_id IS NULL AND NOT a.host_only;
