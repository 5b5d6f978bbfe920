"""Outlines simplified per zoom, cached in the database (TerritoryShape).

Design choice: a territory's simplified outline depends only on its geometry and the zoom
(carto.territories.querysets.zoom_tolerance), so it is computed the first time a zoom is
asked and kept until the next import of territories empties the cache. Coverage over all
of France then splices 35 000 stored GeoJSON texts instead of simplifying 35 000 polygons
per request. The write on a first read goes to the primary (raw SQL on `connection`)."""

from django.db import connection

from .querysets import zoom_tolerance

FILL = """
INSERT INTO territories_territoryshape (territory_id, zoom, commune_fallback, geometry)
SELECT t.id, %(zoom)s, %(fallback)s,
       CASE WHEN s.geom IS NULL THEN NULL
            WHEN %(tolerance)s > 0
                THEN ST_AsGeoJSON(ST_SimplifyPreserveTopology(s.geom, %(tolerance)s), %(digits)s)
            ELSE ST_AsGeoJSON(s.geom, %(digits)s) END
  FROM territories_territory t
  CROSS JOIN LATERAL (
        SELECT COALESCE(t.geom, CASE WHEN %(fallback)s THEN (
                   SELECT ST_Multi(ST_Union(c.geom)) FROM territories_territory c
                    WHERE c.kind = 'commune' AND c.code = ANY(t.commune_codes)) END) AS geom
  ) s
 WHERE t.kind = %(kind)s AND t.code = ANY(%(codes)s)
   AND NOT EXISTS (SELECT 1 FROM territories_territoryshape x
                    WHERE x.territory_id = t.id AND x.zoom = %(zoom)s
                      AND x.commune_fallback = %(fallback)s)
ON CONFLICT DO NOTHING
"""

READ = """
SELECT t.code, x.geometry, json_strip_nulls(json_build_object(
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
        'communes', CASE WHEN t.kind = 'qpv' THEN NULLIF(to_jsonb(t.commune_codes), '[]'::jsonb) END,
        'has_outline', t.geom IS NOT NULL,
        'outline', CASE WHEN t.geom IS NOT NULL THEN 'own'
                        WHEN %(fallback)s AND t.commune_codes <> '{}' THEN 'commune' END,
        'vintage', t.vintage
    ))::text
  FROM territories_territory t
  JOIN territories_territoryshape x
    ON x.territory_id = t.id AND x.zoom = %(zoom)s AND x.commune_fallback = %(fallback)s
 WHERE t.kind = %(kind)s AND t.code = ANY(%(codes)s)
"""


def simplified(
    kind: str, codes: list[str], zoom: int, commune_fallback: bool = False
) -> dict[str, tuple[str | None, str]]:
    """Code -> (the outline's GeoJSON text at that zoom or None without an outline, the
    territory's properties as JSON text: those of carto_territory_feature)."""
    tolerance, digits = zoom_tolerance(zoom)
    params = {
        "kind": kind,
        "codes": list(codes),
        "zoom": zoom,
        "fallback": commune_fallback,
        "tolerance": tolerance,
        "digits": digits,
    }
    with connection.cursor() as cursor:
        cursor.execute(READ, params)
        found = {code: (geometry, properties) for code, geometry, properties in cursor.fetchall()}
        if len(found) < len(set(codes)):
            cursor.execute(FILL, params)
            cursor.execute(READ, params)
            found = {code: (geometry, props) for code, geometry, props in cursor.fetchall()}
    return found


def forget_all() -> None:
    """Empty the cache (territories were re-imported)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE territories_territoryshape")
