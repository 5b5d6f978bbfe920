-- Places read from files that give coordinates but no INSEE code (importers/bibliotheques.py).

-- name: communes_of_points
-- The loaded commune whose subdivided outline holds each point, for a whole file in one
-- statement: the points come in as three parallel arrays (key, lon, lat), each probe
-- goes through the GiST index of territories_territorypart. A point on a border between
-- two pieces takes the lowest code (as attach_actors does); a point outside every
-- loaded commune has no row.
SELECT pts.key, c.code, c.name, c.departement_code
  FROM unnest(%(keys)s::text[], %(lons)s::float8[], %(lats)s::float8[]) AS pts(key, lon, lat)
  CROSS JOIN LATERAL (
        SELECT t.code, t.name, t.departement_code
          FROM territories_territorypart p
          JOIN territories_territory t ON t.id = p.territory_id
         WHERE p.kind = 'commune'
           AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(pts.lon, pts.lat), %(srid)s))
         ORDER BY t.code
         LIMIT 1
  ) c;
