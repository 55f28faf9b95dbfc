-- +goose Up
-- A version number for each account's group tree, bumped in the same
-- transaction as any change to its groups (create, rename, move, delete,
-- by any code path: the triggers see every statement). A server keeps the
-- decoded tree in memory and reuses it while the account's version is the
-- one it read the tree at, so several servers behind a load balancer never
-- show a tree older than the database's.
ALTER TABLE accounts ADD COLUMN groups_version bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION bump_groups_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE accounts SET groups_version = groups_version + 1 WHERE id IN (SELECT DISTINCT account_id FROM old_groups);
    ELSE
        UPDATE accounts SET groups_version = groups_version + 1 WHERE id IN (SELECT DISTINCT account_id FROM new_groups);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER groups_version_insert AFTER INSERT ON groups REFERENCING NEW TABLE AS new_groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_groups_version();
CREATE TRIGGER groups_version_update AFTER UPDATE ON groups REFERENCING NEW TABLE AS new_groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_groups_version();
CREATE TRIGGER groups_version_delete AFTER DELETE ON groups REFERENCING OLD TABLE AS old_groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_groups_version();

-- +goose Down
DROP TRIGGER groups_version_delete ON groups;
DROP TRIGGER groups_version_update ON groups;
DROP TRIGGER groups_version_insert ON groups;
DROP FUNCTION bump_groups_version();
ALTER TABLE accounts DROP COLUMN groups_version;
