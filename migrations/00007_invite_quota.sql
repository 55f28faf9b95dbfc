-- +goose Up
-- Hardening (issue 6, item 5): how many invitations (email invitations,
-- invite links, CSV rows) one administrator may make per day (UTC). A
-- misused administrator session, or a mistake, cannot mail the world.
ALTER TABLE accounts ADD COLUMN invites_per_admin_per_day int NOT NULL DEFAULT 1000
    CHECK (invites_per_admin_per_day BETWEEN 1 AND 100000);

-- What each administrator spent per day: one row per administrator and
-- day, updated in the transaction that invites (and locked by it, so two
-- submits at once cannot both spend the rest). A counter, not a count of
-- invitations, so a 100,000-row import checks it in constant time.
CREATE TABLE invite_quota_usage (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL,
    day         date NOT NULL,
    used        int NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (account_id, user_id, day),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE invite_quota_usage;
ALTER TABLE accounts DROP COLUMN invites_per_admin_per_day;
