-- +goose Up
-- Similar appeals: an appeal's text and address in their normal forms
-- (package similar), compared with pg_trgm's similarity() among the open
-- appeals of the last days in the same place. pg_trgm is a trusted extension: the owner
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

-- The candidates are found by place and time among the open appeals, then
-- compared. No trigram index: at the similarity threshold a third of all
-- appeals share enough trigrams with any text, so the place and the time
-- are what narrow them down (docs/similar.md).
CREATE INDEX appeals_similar_street ON appeals (street_key, created_at)
    WHERE state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered') AND street_key <> '';
CREATE INDEX appeals_similar_pin ON appeals (latitude, created_at)
    WHERE state NOT IN ('closed', 'rejected', 'redirected', 'withdrawn', 'answered') AND latitude IS NOT NULL;

-- +goose Down
DROP INDEX appeals_similar_pin;
DROP INDEX appeals_similar_street;
ALTER TABLE appeals DROP COLUMN similar_text, DROP COLUMN address_key, DROP COLUMN street_key;
