-- National coverage answers kept whole (carto/planning/documents.py), installed by
-- planning migration 0004.
--
-- planning_coverage_document  an answer of /api/v1/coverage/ or /api/v1/coverage/gaps/
--                      for all of France, gzipped, under a key made of the request and
--                      the versions of everything it was computed from;
-- planning_coverage_state.inputs_version  bumped by every statement that writes the
--                      initiatives (counted live in each answer) or the territories (their
--                      names, populations and outlines are in each answer). A coverage
--                      pass empties the table, and so does a bump: an answer is never
--                      read after what it was made of changed.

CREATE TABLE planning_coverage_document (
    key varchar(64) PRIMARY KEY,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE planning_coverage_state ADD COLUMN inputs_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION planning_note_input_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planning_coverage_state SET inputs_version = inputs_version + 1;
    DELETE FROM planning_coverage_document;
    RETURN NULL;
END $$;

CREATE TRIGGER planning_initiative_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON actors_initiative
    FOR EACH STATEMENT EXECUTE FUNCTION planning_note_input_change();
CREATE TRIGGER planning_territory_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON territories_territory
    FOR EACH STATEMENT EXECUTE FUNCTION planning_note_input_change();
