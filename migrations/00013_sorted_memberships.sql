-- +goose Up
-- The People table filtered by one role or by a team is shown by name.
-- Until now each person's name had to be read from their row: a role held by
-- 6 % of a million people walked ~800 people by name, probing each one's
-- roles, and a team of 2,500 looked up 2,500 names. Here the name's sort key
-- is kept next to the membership and next to each role's holder, so both
-- views read their page (and a team all its members) from one index range.
--
-- memberships.name_key: the member's users.name_key, set on insert and kept
-- when the person is renamed.
ALTER TABLE memberships ADD COLUMN name_key text COLLATE "C";
UPDATE memberships m SET name_key = u.name_key FROM users u WHERE u.account_id = m.account_id AND u.id = m.user_id;
ALTER TABLE memberships ALTER COLUMN name_key SET NOT NULL;
-- replaces memberships_group_idx (account_id, group_id, user_id): the same
-- lookups by group, and a team's members in name order
CREATE INDEX memberships_group_name_idx ON memberships (account_id, group_id, name_key, user_id);
DROP INDEX memberships_group_idx;

-- role_holders: one row per person and role they hold in at least one group
-- (grants: in how many), kept by the role_assignments trigger; its name
-- index lists a role's people in name order, and counting them counts
-- people, not assignments.
CREATE TABLE role_holders (
    account_id  bigint NOT NULL,
    role_id     bigint NOT NULL,
    user_id     bigint NOT NULL,
    grants      int NOT NULL CHECK (grants > 0),
    name_key    text COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, user_id, role_id)
);
INSERT INTO role_holders (account_id, role_id, user_id, grants, name_key)
SELECT ra.account_id, ra.role_id, ra.user_id, count(*), min(u.name_key)
FROM role_assignments ra JOIN users u ON u.account_id = ra.account_id AND u.id = ra.user_id
GROUP BY ra.account_id, ra.role_id, ra.user_id;
CREATE INDEX role_holders_name_idx ON role_holders (account_id, role_id, name_key, user_id);

-- +goose StatementBegin
CREATE FUNCTION memberships_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- no such person: '' lets the foreign key refuse the row as before
    NEW.name_key := coalesce((SELECT name_key FROM users WHERE account_id = NEW.account_id AND id = NEW.user_id), '');
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER memberships_name_key BEFORE INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_name_key();

-- Holders follow assignments: the first grant of a role to a person adds
-- them, the last one removed takes them away. The upsert's row lock makes
-- concurrent grants and removals of one person's role count right.
-- +goose StatementBegin
CREATE FUNCTION role_holders_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_ int;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO role_holders AS h (account_id, role_id, user_id, grants, name_key)
        SELECT NEW.account_id, NEW.role_id, NEW.user_id, 1, u.name_key
        FROM users u WHERE u.account_id = NEW.account_id AND u.id = NEW.user_id
        ON CONFLICT (account_id, user_id, role_id) DO UPDATE SET grants = h.grants + 1;
    ELSE
        UPDATE role_holders SET grants = grants - 1
        WHERE account_id = OLD.account_id AND role_id = OLD.role_id AND user_id = OLD.user_id AND grants > 1
        RETURNING grants INTO left_;
        IF left_ IS NULL THEN
            DELETE FROM role_holders WHERE account_id = OLD.account_id AND role_id = OLD.role_id AND user_id = OLD.user_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER role_holders_keep AFTER INSERT OR DELETE ON role_assignments
    FOR EACH ROW EXECUTE FUNCTION role_holders_keep();

-- A renamed person keeps their place in both.
-- +goose StatementBegin
CREATE FUNCTION users_name_key_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name_key IS DISTINCT FROM OLD.name_key THEN
        UPDATE memberships SET name_key = NEW.name_key WHERE account_id = NEW.account_id AND user_id = NEW.id;
        UPDATE role_holders SET name_key = NEW.name_key WHERE account_id = NEW.account_id AND user_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER users_name_key_follow AFTER UPDATE OF name ON users
    FOR EACH ROW EXECUTE FUNCTION users_name_key_follow();

-- +goose Down
DROP TRIGGER users_name_key_follow ON users;
DROP FUNCTION users_name_key_follow();
DROP TRIGGER role_holders_keep ON role_assignments;
DROP FUNCTION role_holders_keep();
DROP TRIGGER memberships_name_key ON memberships;
DROP FUNCTION memberships_name_key();
DROP TABLE role_holders;
CREATE INDEX memberships_group_idx ON memberships (account_id, group_id, user_id);
DROP INDEX memberships_group_name_idx;
ALTER TABLE memberships DROP COLUMN name_key;
