-- +goose Up
-- How many people a search's two index ranges hold, kept: the names that
-- start with a term, and the last words that start with it (the name not).
-- A search counted them by reading the ranges, up to the count's bound:
-- "hannah", 4,963 names, and "dubois", 5,096 last words, about 1.5 ms
-- each at 1,000,000 people, and "james" or "smith" 10,001 entries each
-- (3 ms): the part of a search that grew with the account. A count is now
-- a row and its deltas, as the people counts are kept (00026).
CREATE TABLE name_prefix_counts (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 0: the people whose name key starts with the prefix; 1: those whose
    -- name key's last word starts with it and whose name key does not.
    part       smallint NOT NULL,
    prefix     text COLLATE "C" NOT NULL,
    people     bigint NOT NULL,
    PRIMARY KEY (account_id, part, prefix)
);
CREATE TABLE name_prefix_deltas (
    account_id bigint NOT NULL,
    part       smallint NOT NULL,
    prefix     text COLLATE "C" NOT NULL,
    delta      int NOT NULL
);
CREATE INDEX name_prefix_deltas_key_idx ON name_prefix_deltas (account_id, part, prefix);

-- A name key's prefixes of three characters or more (a search's shortest
-- term that reads these ranges): those of its first word, which are the
-- name key's own prefixes without a space (a term without one starts the
-- name exactly when it starts its first word), and those of its last word
-- (roster_last_word) that do not start the name key. A term with a space
-- starts no last word and is counted from the name index.
CREATE FUNCTION name_prefixes(name_key text) RETURNS TABLE (part smallint, prefix text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 0::smallint, left(w.w, n) FROM (SELECT split_part(name_key, ' ', 1)) w(w) CROSS JOIN generate_series(3, length(w.w)) n
    UNION ALL
    SELECT 1::smallint, left(w.w, n) FROM (SELECT roster_last_word(name_key)) w(w) CROSS JOIN generate_series(3, length(w.w)) n
    WHERE NOT starts_with(name_key, left(w.w, n))
$$;

-- An account's counts from its people's rows, the plain way (the
-- migration's first numbers, the consistency check): each name key once.
CREATE FUNCTION name_prefix_recount(account bigint) RETURNS TABLE (part smallint, prefix text, people bigint) LANGUAGE sql STABLE AS $$
    SELECT p.part, p.prefix, sum(s.n)::bigint
    FROM (SELECT u.name_key, count(*) AS n FROM users u WHERE u.account_id = account GROUP BY 1) s
    CROSS JOIN LATERAL name_prefixes(s.name_key) p
    GROUP BY 1, 2
$$;

INSERT INTO name_prefix_counts (account_id, part, prefix, people)
SELECT a.id, r.part, r.prefix, r.people
FROM accounts a CROSS JOIN LATERAL name_prefix_recount(a.id) r;

-- After each statement that adds, renames or removes people: each
-- person's old name key counts -1 and their new one +1, summed by name
-- key first (an update that leaves names alone, a sign-in, cancels out
-- before any prefix is made).
-- +goose StatementBegin
CREATE FUNCTION name_prefixes_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO name_prefix_deltas (account_id, part, prefix, delta)
        SELECT n.account_id, p.part, p.prefix, count(*)
        FROM new_rows n CROSS JOIN LATERAL name_prefixes(n.name_key) p
        GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO name_prefix_deltas (account_id, part, prefix, delta)
        SELECT o.account_id, p.part, p.prefix, -count(*)
        FROM old_rows o CROSS JOIN LATERAL name_prefixes(o.name_key) p
        GROUP BY 1, 2, 3;
    ELSE
        WITH c AS MATERIALIZED (
            SELECT x.account_id, x.name_key, sum(x.sign) AS n
            FROM (SELECT o.account_id, o.name_key, -1 AS sign FROM old_rows o
                  UNION ALL
                  SELECT n.account_id, n.name_key, 1 FROM new_rows n) x
            GROUP BY 1, 2
            HAVING sum(x.sign) <> 0)
        INSERT INTO name_prefix_deltas (account_id, part, prefix, delta)
        SELECT c.account_id, p.part, p.prefix, sum(c.n)
        FROM c CROSS JOIN LATERAL name_prefixes(c.name_key) p
        GROUP BY 1, 2, 3
        HAVING sum(c.n) <> 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER name_prefixes_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION name_prefixes_keep();
CREATE TRIGGER name_prefixes_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION name_prefixes_keep();
CREATE TRIGGER name_prefixes_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION name_prefixes_keep();

-- +goose Down
DROP TRIGGER name_prefixes_delete ON users;
DROP TRIGGER name_prefixes_update ON users;
DROP TRIGGER name_prefixes_insert ON users;
DROP FUNCTION name_prefixes_keep();
DROP FUNCTION name_prefix_recount(bigint);
DROP FUNCTION name_prefixes(text);
DROP TABLE name_prefix_deltas;
DROP TABLE name_prefix_counts;
