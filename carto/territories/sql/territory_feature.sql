-- One territory as a GeoJSON Feature (RFC 7946), serialised by PostGIS.
-- tolerance: ST_SimplifyPreserveTopology tolerance in degrees (0 = the stored outline);
-- digits: decimals kept in coordinates. Installed by territories migration 0002;
-- change it through a new migration that runs this file again.
CREATE OR REPLACE FUNCTION carto_territory_feature(
    t territories_territory, tolerance double precision, digits integer
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'type', 'Feature',
    'id', t.kind || ':' || t.code,
    'geometry', CASE
        WHEN t.geom IS NULL THEN NULL
        WHEN tolerance > 0 THEN ST_AsGeoJSON(ST_SimplifyPreserveTopology(t.geom, tolerance), digits)::json
        ELSE ST_AsGeoJSON(t.geom, digits)::json
    END,
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
        'vintage', t.vintage
    ))
)::text
$$;
