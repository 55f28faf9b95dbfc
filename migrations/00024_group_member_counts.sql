-- +goose Up
-- How many people each group has, kept as the role holders are (00016):
-- direct, the members of the group itself, and subtree, the people in the
-- group or any group below it, each once. The Groups page counted them
-- from every membership at every level of its path (7,000,000 pairs, 10 s
-- at 1,000,000 people). A change of memberships appends deltas, a
-- periodic job folds them into group_member_counts, and a count is the
-- folded number plus the deltas since: exact at once, and no transaction
-- waits on another's counter.
CREATE TABLE group_member_counts (
    account_id bigint NOT NULL,
    group_id   bigint NOT NULL,
    direct     bigint NOT NULL,
    subtree    bigint NOT NULL,
    PRIMARY KEY (account_id, group_id),
    FOREIGN KEY (account_id, group_id) REFERENCES groups (account_id, id) ON DELETE CASCADE
);
-- No foreign key: a group deleted leaves deltas that the fold drops.
CREATE TABLE group_member_deltas (
    account_id bigint NOT NULL,
    group_id   bigint NOT NULL,
    direct     int NOT NULL,
    subtree    int NOT NULL
);
CREATE INDEX group_member_deltas_account_idx ON group_member_deltas (account_id);

-- The counts from the rows: people grouped by the groups they are in
-- (users.member_of, kept by the membership triggers; 137,000 distinct
-- sets at 1,000,000 people), each set's people counted once towards every
-- group on the paths of its groups.
WITH sets AS (SELECT account_id, member_of, count(*) AS n FROM users WHERE group_count > 0 GROUP BY account_id, member_of)
INSERT INTO group_member_counts (account_id, group_id, direct, subtree)
SELECT s.account_id, c.id, coalesce(sum(s.n) FILTER (WHERE c.id = ANY(s.member_of)), 0), sum(s.n)
FROM sets s
CROSS JOIN LATERAL (SELECT DISTINCT p.id FROM groups g CROSS JOIN LATERAL unnest(g.path) p(id)
                    WHERE g.account_id = s.account_id AND g.id = ANY(s.member_of)) c
GROUP BY s.account_id, c.id;

-- After each statement that adds or removes memberships (the rows it
-- changed are "changed"): the groups' direct counts move by one per row,
-- and a person changes the subtree count of each group on the changed
-- groups' paths that none of their other groups lies below. Their other
-- groups are users.member_of, which the row trigger (counters_memberships)
-- has already brought up to date, less the changed ones; a person deleted
-- (the cascade removing their memberships) has none.
-- +goose StatementBegin
CREATE FUNCTION group_member_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign int := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    INSERT INTO group_member_deltas (account_id, group_id, direct, subtree)
    SELECT d.account_id, d.group_id, sum(d.direct), sum(d.subtree)
    FROM (
        SELECT c.account_id, c.group_id, sign AS direct, 0 AS subtree FROM changed c
        UNION ALL
        SELECT p.account_id, x.id, 0, sign
        FROM (SELECT ch.account_id, ch.groups,
                     ARRAY(SELECT unnest(coalesce(u.member_of, '{}')) EXCEPT SELECT unnest(ch.groups)) AS others
              FROM (SELECT c.account_id, c.user_id, array_agg(c.group_id) AS groups FROM changed c GROUP BY c.account_id, c.user_id) ch
              LEFT JOIN users u ON u.account_id = ch.account_id AND u.id = ch.user_id) p
        CROSS JOIN LATERAL (
            SELECT q.id FROM groups g CROSS JOIN LATERAL unnest(g.path) q(id) WHERE g.account_id = p.account_id AND g.id = ANY(p.groups)
            EXCEPT
            SELECT q.id FROM groups g CROSS JOIN LATERAL unnest(g.path) q(id) WHERE g.account_id = p.account_id AND g.id = ANY(p.others)
        ) x
    ) d
    GROUP BY d.account_id, d.group_id
    HAVING sum(d.direct) <> 0 OR sum(d.subtree) <> 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- Before each membership is written, the account's group counts lock,
-- shared: a group move (MoveGroup) takes it alone while it rewrites paths
-- and recounts. Taken before the row's foreign keys lock anything, so a
-- move never waits on a row whose holder waits on the move.
-- +goose StatementBegin
CREATE FUNCTION group_member_counts_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock_shared(24, NEW.account_id::int);
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(24, OLD.account_id::int);
    RETURN OLD;
END $$;
-- +goose StatementEnd

CREATE TRIGGER group_member_counts_lock BEFORE INSERT OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION group_member_counts_lock();
CREATE TRIGGER group_member_counts_insert AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION group_member_counts_keep();
CREATE TRIGGER group_member_counts_delete AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION group_member_counts_keep();

-- +goose Down
DROP TRIGGER group_member_counts_lock ON memberships;
DROP FUNCTION group_member_counts_lock();
DROP TRIGGER group_member_counts_delete ON memberships;
DROP TRIGGER group_member_counts_insert ON memberships;
DROP FUNCTION group_member_counts_keep();
DROP TABLE group_member_deltas;
DROP TABLE group_member_counts;
