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

CREATE OR REPLACE FUNCTION carto_actor_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('carto_fr', coalesce(NEW.name, '')), 'A')
        || setweight(to_tsvector('carto_fr', coalesce(NEW.city, '') || ' ' || array_to_string(NEW.labels, ' ')
                                 || ' ' || coalesce(NEW.network, '')), 'B')
        || setweight(to_tsvector('carto_fr', coalesce(NEW.description, '') || ' ' || coalesce(NEW.address, '')), 'C');
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
