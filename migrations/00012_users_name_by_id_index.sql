-- +goose Up
-- The people of a group's subtree are found by id (through memberships) and
-- shown by name: this index gives each one's name key without reading the
-- person's row, so a team of 2,500 is sorted from the index and only the
-- page's 50 rows are read.
CREATE INDEX users_name_by_id_idx ON users (account_id, id) INCLUDE (name_key);

-- +goose Down
DROP INDEX users_name_by_id_idx;
