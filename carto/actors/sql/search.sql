-- French full-text search, accents ignored: the `carto_fr` configuration
-- (french stemming after unaccent) and the triggers that keep the `search`
-- columns of actors and initiatives up to date on every write, bulk ones included.
-- Installed by actors migration 0002; CREATE OR REPLACE / IF NOT EXISTS throughout.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'carto_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION carto_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION carto_fr
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END $$;

-- An actor's vector is the sum of three weighted parts, each a function of a few columns:
-- the trigger adds them up row by row; a bulk load (benchmark.sql) computes each part once
-- per distinct value (a million synthetic actors share 2 400 addresses and 32 000 communes)
-- and adds them up the same way, so both give the same vector.
CREATE OR REPLACE FUNCTION carto_actor_search_name(name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('carto_fr', coalesce(name, '')), 'A')
$$;

CREATE OR REPLACE FUNCTION carto_actor_search_place(city text, labels text[], network text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('carto_fr', coalesce(city, '') || ' ' || array_to_string(labels, ' ')
                                 || ' ' || coalesce(network, '')), 'B')
$$;

CREATE OR REPLACE FUNCTION carto_actor_search_text(description text, address text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('carto_fr', coalesce(description, '') || ' ' || coalesce(address, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION carto_actor_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := carto_actor_search_name(NEW.name)
        || carto_actor_search_place(NEW.city, NEW.labels, NEW.network)
        || carto_actor_search_text(NEW.description, NEW.address);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS actor_search_update ON actors_actor;
CREATE TRIGGER actor_search_update BEFORE INSERT OR UPDATE OF name, city, labels, network, description, address
    ON actors_actor FOR EACH ROW EXECUTE FUNCTION carto_actor_search();

CREATE OR REPLACE FUNCTION carto_initiative_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('carto_fr', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('carto_fr', coalesce(NEW.summary, '') || ' ' || array_to_string(NEW.keywords, ' ')
                                 || ' ' || coalesce(NEW.dimension, '')), 'B')
        || setweight(to_tsvector('carto_fr', coalesce(NEW.description, '') || ' ' || coalesce(NEW.context, '')), 'C');
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS initiative_search_update ON actors_initiative;
CREATE TRIGGER initiative_search_update BEFORE INSERT OR UPDATE OF title, summary, keywords, dimension, description, context
    ON actors_initiative FOR EACH ROW EXECUTE FUNCTION carto_initiative_search();
