-- Directory rows as GeoJSON Features (RFC 7946), serialised by PostGIS for the
-- collection endpoints. The private contact person is never part of them, nor an
-- organiser that is not listed (its name, its place).
-- Installed by actors migration 0005 (CREATE OR REPLACE: a change comes with a new
-- migration that runs this file again).

CREATE OR REPLACE FUNCTION carto_actor_feature(a actors_actor, distance_m double precision)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'type', 'Feature',
    'id', a.id,
    'geometry', ST_AsGeoJSON(a.location, 6)::json,
    'properties', json_strip_nulls(json_build_object(
        'id', a.id,
        'name', a.name,
        'kind', a.kind_id,
        'kind_label', (SELECT k.label FROM actors_actorkind k WHERE k.slug = a.kind_id),
        'themes', a.themes,
        'publics', a.publics,
        'labels', NULLIF(a.labels, '{}'),
        'address', NULLIF(a.address, ''),
        'postcode', NULLIF(a.postcode, ''),
        'city', NULLIF(a.city, ''),
        'precision', a.precision,
        'to_locate', a.to_locate,
        'itinerant', a.itinerant,
        'opening_hours', NULLIF(a.opening_hours, ''),
        'appointment', a.appointment,
        'email', NULLIF(a.email, ''),
        'phone', NULLIF(a.phone, ''),
        'website', NULLIF(a.website, ''),
        'network', NULLIF(a.network, ''),
        'parent_id', (SELECT p.id FROM actors_actor p WHERE p.id = a.parent_id AND p.listed),
        'commune', NULLIF(a.commune_code, ''),
        'epci', NULLIF(a.epci_code, ''),
        'bv', NULLIF(a.bv_code, ''),
        'departement', NULLIF(a.departement_code, ''),
        'region', NULLIF(a.region_code, ''),
        'qpv', NULLIF(a.qpv_codes, '{}'),
        'qpv_near', NULLIF(a.qpv_near_codes, '{}'),
        'source', a.source,
        'last_verified', a.last_verified,
        'distance_m', round(distance_m::numeric, 1),
        'url', '/api/v1/actors/' || a.id || '/'
    ))
)::text
$$;

CREATE OR REPLACE FUNCTION carto_initiative_feature(
    i actors_initiative, tolerance double precision, distance_m double precision
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'type', 'Feature',
    'id', i.id,
    'geometry', COALESCE(
        ST_AsGeoJSON(CASE WHEN tolerance > 0 THEN ST_SimplifyPreserveTopology(i.footprint, tolerance)
                          ELSE i.footprint END, 6)::json,
        ST_AsGeoJSON(i.location, 6)::json,
        (SELECT ST_AsGeoJSON(o.location, 6)::json FROM actors_actor o
          WHERE o.id = i.organizer_id AND o.listed)
    ),
    'properties', json_strip_nulls(json_build_object(
        'id', i.id,
        'title', i.title,
        'summary', NULLIF(i.summary, ''),
        'action_status', NULLIF(i.action_status, ''),
        'dimension', NULLIF(i.dimension, ''),
        'themes', i.themes,
        'publics', i.publics,
        'keywords', NULLIF(i.keywords, '{}'),
        'organizer', (SELECT json_build_object('id', o.id, 'name', o.name, 'url', '/api/v1/actors/' || o.id || '/')
                        FROM actors_actor o WHERE o.id = i.organizer_id AND o.listed),
        'territory_scope', NULLIF(i.territory_scope, ''),
        'footprint', NULLIF(i.footprint_codes, '{}'),
        'period', NULLIF(i.period, ''),
        'link', NULLIF(i.url, ''),
        'source', i.source,
        'distance_m', round(distance_m::numeric, 1),
        'url', '/api/v1/initiatives/' || i.id || '/'
    ))
)::text
$$;
