-- +goose Up
-- accounts.groups_version now versions the role catalogue too: a change
-- to an account's roles bumps it in the same transaction, as a change to
-- its groups does. A server keeps the roles with the tree it read at that
-- version, and the session lookup reads the version with the account, so
-- a page that only reads needs no statement of its own for either.
-- +goose StatementBegin
CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE accounts SET groups_version = groups_version + 1 WHERE id IN (SELECT DISTINCT account_id FROM old_rows);
    ELSE
        UPDATE accounts SET groups_version = groups_version + 1 WHERE id IN (SELECT DISTINCT account_id FROM new_rows);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER roles_version_insert AFTER INSERT ON roles REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER roles_version_update AFTER UPDATE ON roles REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER roles_version_delete AFTER DELETE ON roles REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();

-- +goose Down
DROP TRIGGER roles_version_delete ON roles;
DROP TRIGGER roles_version_update ON roles;
DROP TRIGGER roles_version_insert ON roles;
DROP FUNCTION bump_catalogue_version();
