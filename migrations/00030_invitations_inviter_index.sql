-- +goose NO TRANSACTION
-- +goose Up
-- Removing a person sets invited_by to NULL on the invitations they sent
-- (the foreign key's ON DELETE SET NULL), which PostgreSQL found by
-- reading every invitation of the table without an index there: 47-119
-- ms a person at 200,000 invitations, 1 s for twenty. The same index
-- serves the Invitations table filtered by who invited: with a status, a
-- range in date order for the page and, with the expiry carried, an
-- index-only count (an administrator's 10,000 pending invitations: 21 ms
-- through a bitmap of the table, 3.8 so).
CREATE INDEX CONCURRENTLY IF NOT EXISTS invitations_inviter_idx ON invitations (account_id, invited_by, status, created_at, id) INCLUDE (expires_at);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS invitations_inviter_idx;
