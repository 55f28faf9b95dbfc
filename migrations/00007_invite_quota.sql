-- +goose Up
-- Hardening (issue 6, item 5): how many invitations (email invitations,
-- invite links, CSV rows) one administrator may send per rolling 24 hours.
-- A stolen administrator session, or a mistake, cannot mail the world.
ALTER TABLE accounts ADD COLUMN invites_per_admin_per_day int NOT NULL DEFAULT 1000
    CHECK (invites_per_admin_per_day BETWEEN 1 AND 100000);
-- The quota counts an administrator's invitations of the last day.
CREATE INDEX invitations_inviter_created_idx ON invitations (account_id, invited_by, created_at) WHERE invited_by IS NOT NULL;

-- +goose Down
DROP INDEX invitations_inviter_created_idx;
ALTER TABLE accounts DROP COLUMN invites_per_admin_per_day;
