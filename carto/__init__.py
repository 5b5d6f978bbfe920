"""carto: a geospatial directory of French citizen-participation actors."""
