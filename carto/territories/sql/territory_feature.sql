-- One territory as a GeoJSON Feature (RFC 7946), serialised by PostGIS.
-- tolerance: ST_SimplifyPreserveTopology tolerance in degrees (0 = the stored outline);
-- digits: decimals kept in coordinates; commune_fallback: a QPV whose outline is
-- unknown is drawn as its commune(s), and says so (`outline`: "commune").
-- Installed by territories migrations 0002 and 0003; change it through a new
-- migration that runs this file again.
DROP FUNCTION IF EXISTS carto_territory_feature(territories_territory, double precision, integer);

CREATE OR REPLACE FUNCTION carto_territory_feature(
    t territories_territory, tolerance double precision, digits integer, commune_fallback boolean
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH shape AS (
    SELECT COALESCE(t.geom, CASE WHEN commune_fallback THEN (
               SELECT ST_Multi(ST_Union(c.geom)) FROM territories_territory c
                WHERE c.kind = 'commune' AND c.code = ANY(t.commune_codes)) END) AS geom
)
SELECT json_build_object(
    'type', 'Feature',
    'id', t.kind || ':' || t.code,
    'geometry', (SELECT CASE
        WHEN shape.geom IS NULL THEN NULL
        WHEN tolerance > 0 THEN ST_AsGeoJSON(ST_SimplifyPreserveTopology(shape.geom, tolerance), digits)::json
        ELSE ST_AsGeoJSON(shape.geom, digits)::json
    END FROM shape),
    'properties', json_strip_nulls(json_build_object(
        'kind', t.kind,
        'code', t.code,
        'name', t.name,
        'population', t.population,
        'commune_count', t.commune_count,
        'parents', NULLIF(jsonb_strip_nulls(jsonb_build_object(
            'region', NULLIF(t.region_code, ''),
            'departement', NULLIF(t.departement_code, ''),
            'epci', NULLIF(t.epci_code, ''),
            'bv', NULLIF(t.bv_code, '')
        )), '{}'::jsonb),
        'departements', NULLIF(to_jsonb(t.departement_codes), '[]'::jsonb),
        -- a QPV's communes locate it when its outline is unknown; a BV lists them in its detail
        'communes', CASE WHEN t.kind = 'qpv' THEN NULLIF(to_jsonb(t.commune_codes), '[]'::jsonb) END,
        'has_outline', t.geom IS NOT NULL,
        'outline', CASE WHEN t.geom IS NOT NULL THEN 'own'
                        WHEN commune_fallback AND t.commune_codes <> '{}' THEN 'commune' END,
        'vintage', t.vintage
    ))
)::text
$$;
