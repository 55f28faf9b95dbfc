-- +goose NO TRANSACTION
-- +goose Up
-- A search matches a person whose name key or email key contains the
-- term. The match is found through three indexes, each exact for its
-- part, instead of one trigram index over "name email":
--
--   1. the name key starts with the term: a range of users_name_idx, in
--      name order;
--   2. the term occurs after the first character of the name key or of
--      the email key: the trigram index below over both tails;
--   3. the email key starts with the term and the term is longer than
--      the prefix the email key shares with the name key (the "lead"):
--      users_email_lead_idx, one range a lead shorter than the term.
--
-- An email that starts the way the name does ("james.smith@" for James
-- Smith) found by a term no longer than that shared start is found by 1
-- already. So a common first name ("james": 71,712 people, all with an
-- email starting "james") is a range of the name index, read in order as
-- far as a page needs, plus the few people found by 2 and 3 — not 86,000
-- rows read through the old index and sorted (146 ms) to show 51.
--
-- A term is text without control characters (the server drops them), so
-- it cannot span the tails' \x01 joint; the search text over the whole
-- "name email" went, and with it the match of a term spanning the name's
-- end and the email's start, which no one meant.
CREATE OR REPLACE FUNCTION roster_search_rest(name_key text, email_key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN substr(name_key, 2) || E'\x01' || substr(email_key, 2);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION roster_email_lead(name_key text, email_key text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n int := coalesce(least(length(name_key), length(email_key)), 0);
    i int := 0;
BEGIN
    WHILE i < n AND substr(name_key, i + 1, 1) = substr(email_key, i + 1, 1) LOOP
        i := i + 1;
    END LOOP;
    RETURN i;
END $$;
-- +goose StatementEnd

-- The indexes are built CONCURRENTLY (about 20 s each on 1.2 million
-- people, while people are still added and renamed), so this migration
-- runs outside a transaction; each step can run again after a failure
-- (an interrupted build leaves an invalid index, dropped first).
DROP INDEX CONCURRENTLY IF EXISTS users_search_rest_trgm;
CREATE INDEX CONCURRENTLY users_search_rest_trgm ON users USING gin (roster_search_rest(name_key, email_key) gin_trgm_ops);
-- lower() of the email key (already lower case) is the same text under an
-- expression only this index has: the planner cannot answer "starts the
-- email" from users_email_idx instead, whose range for "hannah" is every
-- Hannah (4,963 rows read to keep none, 62 ms against 1.5).
DROP INDEX CONCURRENTLY IF EXISTS users_email_lead_idx;
CREATE INDEX CONCURRENTLY users_email_lead_idx ON users (account_id, roster_email_lead(name_key, email_key), lower(email_key));
DROP INDEX CONCURRENTLY IF EXISTS users_search_trgm;
ALTER TABLE users DROP COLUMN IF EXISTS search;

-- +goose Down
ALTER TABLE users ADD COLUMN IF NOT EXISTS search text GENERATED ALWAYS AS (roster_normalize(name || ' ' || email)) STORED;
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_search_trgm ON users USING gin (search gin_trgm_ops);
DROP INDEX CONCURRENTLY IF EXISTS users_email_lead_idx;
DROP INDEX CONCURRENTLY IF EXISTS users_search_rest_trgm;
DROP FUNCTION IF EXISTS roster_email_lead(text, text);
DROP FUNCTION IF EXISTS roster_search_rest(text, text);
