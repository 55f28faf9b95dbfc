-- +goose NO TRANSACTION
-- +goose Up
-- The search parts of migration 00019 move to a narrow table of their
-- own: one row per person (account, id, name key, email key, and the
-- tails and email lead those give), about 150 bytes against the 290 of a
-- person's row. A common term's bounded count reads 10,001 matches
-- through the trigram index and rechecks each on its row: for "smith"
-- that read 5,184 pages of people's rows, and reads 3,242 here, and the
-- tails and lead are rechecked as stored columns instead of computed
-- again for each candidate (the count of "smith": 37-50 ms against 25,
-- of "garcia": 39 against 21, side by side on 1,200,000 people). Its name
-- index carries the email key, so a search can walk the names in order
-- without reading a row ("smith": 2,900 entries, about 1.3 ms, against
-- 2,000 people's rows in 5-7 ms).
CREATE TABLE IF NOT EXISTS people_search (
    account_id bigint NOT NULL,
    user_id bigint NOT NULL,
    name_key text COLLATE "C",
    email_key text COLLATE "C",
    -- roster_search_rest and roster_email_lead of the keys, written with
    -- them (by the trigger below, or by the seed, which computes them as
    -- these functions do; CheckSortKeys compares them).
    rest text COLLATE "C" NOT NULL,
    lead int NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);

-- The last word of a name key: most often the person's surname. Its index
-- (below) counts a common surname's people without reading a row: the
-- people whose last word starts with a term match it, so when they (and
-- those whose name starts with it) pass the count's bound, the count is
-- "10,000+" without reading 10,001 matches through the trigram index
-- ("smith": 55,177 people; 18 surnames pass the bound in the benchmark's
-- million).
CREATE OR REPLACE FUNCTION roster_last_word(name_key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN reverse(split_part(reverse(name_key), ' ', 1));

-- Kept by trigger: a person's row is written with them, and follows a
-- change of name or email (the keys are the person's generated columns).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION people_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO people_search (account_id, user_id, name_key, email_key, rest, lead)
    VALUES (NEW.account_id, NEW.id, NEW.name_key, NEW.email_key, roster_search_rest(NEW.name_key, NEW.email_key), roster_email_lead(NEW.name_key, NEW.email_key))
    ON CONFLICT (account_id, user_id) DO UPDATE SET name_key = EXCLUDED.name_key, email_key = EXCLUDED.email_key, rest = EXCLUDED.rest, lead = EXCLUDED.lead
    WHERE (people_search.name_key, people_search.email_key) IS DISTINCT FROM (EXCLUDED.name_key, EXCLUDED.email_key);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE OR REPLACE TRIGGER people_search_keep AFTER INSERT OR UPDATE OF name, email ON users
    FOR EACH ROW EXECUTE FUNCTION people_search_keep();

-- The people already there (the trigger keeps those added or renamed
-- meanwhile: a row it wrote first is left as it is).
INSERT INTO people_search (account_id, user_id, name_key, email_key, rest, lead)
SELECT account_id, id, name_key, email_key, roster_search_rest(name_key, email_key), roster_email_lead(name_key, email_key) FROM users
ON CONFLICT (account_id, user_id) DO NOTHING;

-- Built CONCURRENTLY like 00019's, so each step can run again after a
-- failure.
DROP INDEX CONCURRENTLY IF EXISTS people_search_rest_trgm;
CREATE INDEX CONCURRENTLY people_search_rest_trgm ON people_search USING gin (rest gin_trgm_ops);
DROP INDEX CONCURRENTLY IF EXISTS people_search_lead_idx;
CREATE INDEX CONCURRENTLY people_search_lead_idx ON people_search (account_id, lead, email_key);
DROP INDEX CONCURRENTLY IF EXISTS people_search_name_idx;
CREATE INDEX CONCURRENTLY people_search_name_idx ON people_search (account_id, name_key, user_id) INCLUDE (email_key);
DROP INDEX CONCURRENTLY IF EXISTS people_search_last_idx;
CREATE INDEX CONCURRENTLY people_search_last_idx ON people_search (account_id, roster_last_word(name_key)) INCLUDE (name_key);
DROP INDEX CONCURRENTLY IF EXISTS users_search_rest_trgm;
DROP INDEX CONCURRENTLY IF EXISTS users_email_lead_idx;
ANALYZE people_search;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_search_rest_trgm ON users USING gin (roster_search_rest(name_key, email_key) gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_lead_idx ON users (account_id, roster_email_lead(name_key, email_key), lower(email_key));
DROP TRIGGER IF EXISTS people_search_keep ON users;
DROP FUNCTION IF EXISTS people_search_keep();
DROP TABLE IF EXISTS people_search;
DROP FUNCTION IF EXISTS roster_last_word(text);
