-- +goose Up
-- How many people each People filter without a search has, kept: the
-- people of a group's subtree (or of the whole account, or in no group),
-- holding a role (or whatever their roles), by status and by whether they
-- ever signed in. A view that combines filters (a department's
-- deactivated, the Approvers who never signed in) counted its people by
-- reading the smaller side whole: 30-150 ms at 1,000,000 people. A count
-- is now a few rows: the folded numbers plus the deltas since, as the
-- role holder and group counts are kept (00016, 00024).
CREATE TABLE people_counts (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 0: every person of the account; -1: those in no group; else the
    -- people of the group or any group below it.
    group_id    bigint NOT NULL,
    -- 0: whatever their roles; else the people holding the role in some group.
    role_id     bigint NOT NULL,
    deactivated boolean NOT NULL,
    never       boolean NOT NULL, -- never signed in
    people      bigint NOT NULL,
    PRIMARY KEY (account_id, group_id, role_id, deactivated, never)
);
-- No foreign keys: a group or role deleted leaves counts of 0.
CREATE TABLE people_count_deltas (
    account_id  bigint NOT NULL,
    group_id    bigint NOT NULL,
    role_id     bigint NOT NULL,
    deactivated boolean NOT NULL,
    never       boolean NOT NULL,
    delta       int NOT NULL
);
CREATE INDEX people_count_deltas_key_idx ON people_count_deltas (account_id, group_id, role_id);

-- The groups a person counts towards, from their groups (member_of):
-- every group on those groups' paths and 0, or -1 and 0 when they have
-- none. Each of them with 0 and each role the person holds (the role half
-- of roles_held: people_count_roles) is a key of theirs.
CREATE FUNCTION people_count_groups(account bigint, member_of bigint[]) RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT 0::bigint
    UNION SELECT -1 WHERE cardinality(member_of) = 0
    UNION SELECT p.id FROM unnest(member_of) m(id) JOIN groups g ON g.account_id = account AND g.id = m.id CROSS JOIN LATERAL unnest(g.path) p(id)
$$;
CREATE FUNCTION people_count_roles(roles_held bigint[]) RETURNS SETOF bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT 0::bigint UNION SELECT unnest(roles_held[cardinality(roles_held) / 2 + 1:])
$$;

-- An account's counts from its people's rows, the plain way (the
-- migration's first numbers, the consistency check): the people grouped by
-- what decides their keys, then by group, then by role (expanding each
-- person's groups and roles at once made 6,800,000 rows at 1,000,000
-- people, twice as slow).
CREATE FUNCTION people_counts_recount(account bigint)
RETURNS TABLE (group_id bigint, role_id bigint, deactivated boolean, never boolean, people bigint) LANGUAGE sql STABLE AS $$
    WITH s AS (SELECT u.member_of, u.roles_held[cardinality(u.roles_held) / 2 + 1:] AS roles,
                      u.status = 'deactivated' AS deactivated, u.last_sign_in_at IS NULL AS never, count(*) AS n
               FROM users u WHERE u.account_id = account
               GROUP BY 1, 2, 3, 4),
    g AS (SELECT k.id AS group_id, s.roles, s.deactivated, s.never, sum(s.n) AS n
          FROM s CROSS JOIN LATERAL people_count_groups(account, s.member_of) k(id)
          GROUP BY 1, 2, 3, 4)
    SELECT g.group_id, r.id, g.deactivated, g.never, sum(g.n)::bigint
    FROM g CROSS JOIN LATERAL (SELECT 0::bigint UNION SELECT unnest(g.roles)) r(id)
    GROUP BY 1, 2, 3, 4
$$;

-- The counts of a few groups only (after a group move, MoveGroup): each
-- group's people found by the groups of its subtree (users_member_of_idx).
-- For the two departments a 151,000-people team moves between: 0.8 s,
-- where people_counts_recount's way took 4.4.
CREATE FUNCTION people_counts_of_groups(account bigint, ids bigint[])
RETURNS TABLE (group_id bigint, role_id bigint, deactivated boolean, never boolean, people bigint) LANGUAGE sql STABLE AS $$
    SELECT a.id, r.id, s.deactivated, s.never, sum(s.n)::bigint
    FROM unnest(ids) a(id)
    CROSS JOIN LATERAL (
        SELECT u.roles_held[cardinality(u.roles_held) / 2 + 1:] AS roles, u.status = 'deactivated' AS deactivated, u.last_sign_in_at IS NULL AS never, count(*) AS n
        FROM users u
        WHERE u.account_id = account AND u.member_of && ARRAY(SELECT x.id FROM groups x WHERE x.account_id = account AND x.path @> ARRAY[a.id])
        GROUP BY 1, 2, 3) s
    CROSS JOIN LATERAL (SELECT 0::bigint UNION SELECT unnest(s.roles)) r(id)
    GROUP BY 1, 2, 3, 4
$$;

INSERT INTO people_counts (account_id, group_id, role_id, deactivated, never, people)
SELECT a.id, r.group_id, r.role_id, r.deactivated, r.never, r.people
FROM accounts a CROSS JOIN LATERAL people_counts_recount(a.id) r;

-- After each statement that adds, changes or removes people: the people
-- whose keys or status changed move their counts, summed per key. The
-- membership and role triggers keep member_of and roles_held, so a change
-- of groups or roles comes here too. The account's group counts lock is
-- taken shared first, in a statement of its own (the next one must see
-- the groups as they are once it is held), as the memberships take it: a
-- group move, which changes which groups count a person, recounts while
-- it holds it alone.
-- +goose StatementBegin
CREATE FUNCTION people_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock_shared(24, a::int) FROM (SELECT DISTINCT account_id FROM new_rows ORDER BY 1) t(a);
        INSERT INTO people_count_deltas (account_id, group_id, role_id, deactivated, never, delta)
        SELECT n.account_id, g.id, r.id, n.status = 'deactivated', n.last_sign_in_at IS NULL, count(*)
        FROM new_rows n
        CROSS JOIN LATERAL people_count_groups(n.account_id, n.member_of) g(id) CROSS JOIN LATERAL people_count_roles(n.roles_held) r(id)
        GROUP BY 1, 2, 3, 4, 5;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_advisory_xact_lock_shared(24, a::int) FROM (SELECT DISTINCT account_id FROM old_rows ORDER BY 1) t(a);
        INSERT INTO people_count_deltas (account_id, group_id, role_id, deactivated, never, delta)
        SELECT o.account_id, g.id, r.id, o.status = 'deactivated', o.last_sign_in_at IS NULL, -count(*)
        FROM old_rows o
        CROSS JOIN LATERAL people_count_groups(o.account_id, o.member_of) g(id) CROSS JOIN LATERAL people_count_roles(o.roles_held) r(id)
        GROUP BY 1, 2, 3, 4, 5;
    ELSE
        PERFORM pg_advisory_xact_lock_shared(24, a::int) FROM (SELECT DISTINCT account_id FROM new_rows ORDER BY 1) t(a);
        -- Each person's old row counts -1 and their new row +1, summed
        -- by what decides their keys first: a person whose keys do not
        -- change (a sign-in that is not the first) cancels out before
        -- their keys are made. (No join of the old rows with the new: its
        -- plan, kept from a first call of one row, was a nested loop.)
        WITH c AS MATERIALIZED (
            SELECT x.account_id, x.member_of, x.roles_held, x.deactivated, x.never, sum(x.sign) AS n
            FROM (SELECT o.account_id, o.member_of, o.roles_held, o.status = 'deactivated' AS deactivated, o.last_sign_in_at IS NULL AS never, -1 AS sign
                  FROM old_rows o
                  UNION ALL
                  SELECT n.account_id, n.member_of, n.roles_held, n.status = 'deactivated', n.last_sign_in_at IS NULL, 1
                  FROM new_rows n) x
            GROUP BY 1, 2, 3, 4, 5
            HAVING sum(x.sign) <> 0)
        INSERT INTO people_count_deltas (account_id, group_id, role_id, deactivated, never, delta)
        SELECT c.account_id, g.id, r.id, c.deactivated, c.never, sum(c.n)
        FROM c
        CROSS JOIN LATERAL people_count_groups(c.account_id, c.member_of) g(id) CROSS JOIN LATERAL people_count_roles(c.roles_held) r(id)
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(c.n) <> 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER people_counts_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION people_counts_keep();
CREATE TRIGGER people_counts_update AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION people_counts_keep();
CREATE TRIGGER people_counts_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION people_counts_keep();

-- +goose Down
DROP TRIGGER people_counts_delete ON users;
DROP TRIGGER people_counts_update ON users;
DROP TRIGGER people_counts_insert ON users;
DROP FUNCTION people_counts_keep();
DROP FUNCTION people_counts_of_groups(bigint, bigint[]);
DROP FUNCTION people_counts_recount(bigint);
DROP FUNCTION people_count_roles(bigint[]);
DROP FUNCTION people_count_groups(bigint, bigint[]);
DROP TABLE people_count_deltas;
DROP TABLE people_counts;
