-- +goose Up
-- Similar appeals: an appeal's text and address in their normal forms
-- (package similar), compared with pg_trgm among the open appeals of the
-- last days in the same place. pg_trgm is a trusted extension: the owner
-- of the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE appeals
    ADD COLUMN similar_text text NOT NULL DEFAULT '',
    ADD COLUMN address_key text NOT NULL DEFAULT '',
    ADD COLUMN street_key text NOT NULL DEFAULT '';

-- The appeals written before: an approximation of the normal forms in SQL
-- (lower case, ё as е, letters only; the address with its digits). New
-- appeals get the forms of package similar when they are created; these
-- matter for the window of the last days only.
UPDATE appeals SET
    similar_text = btrim(regexp_replace(translate(lower(text), 'ё', 'е'), '[^[:alpha:]]+', ' ', 'g')),
    address_key = btrim(regexp_replace(translate(lower(address), 'ё', 'е'), '[^[:alnum:]]+', ' ', 'g')),
    street_key = btrim(regexp_replace(translate(lower(address), 'ё', 'е'), '[^[:alpha:]]+', ' ', 'g'));

CREATE INDEX appeals_similar_text ON appeals USING gin (similar_text gin_trgm_ops);
CREATE INDEX appeals_created_open ON appeals (created_at)
    WHERE state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered');

-- +goose Down
DROP INDEX appeals_created_open;
DROP INDEX appeals_similar_text;
ALTER TABLE appeals DROP COLUMN similar_text, DROP COLUMN address_key, DROP COLUMN street_key;
