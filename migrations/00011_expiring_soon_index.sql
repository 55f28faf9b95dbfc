-- +goose Up
-- "Expiring soon": the pending invitations whose expiry falls in the next
-- few days, newest first. Their ids and creation times come from this index
-- alone (no heap row for the ~4,000 of a 200,000-invitation account), so
-- the page is sorted from the index and only its 51 rows are read.
CREATE INDEX invitations_pending_expiry_created_idx ON invitations (account_id, expires_at) INCLUDE (created_at, id)
    WHERE status = 'pending';

-- +goose Down
DROP INDEX invitations_pending_expiry_created_idx;
