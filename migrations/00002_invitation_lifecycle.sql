-- +goose Up
-- Invitation links are HMAC(key, nonce): the nonce names the current issue
-- of a link, so resending or regenerating (a new nonce) kills the old one.
ALTER TABLE invitations ADD COLUMN token_nonce bytea;
UPDATE invitations SET token_nonce = decode(md5(random()::text || id::text), 'hex') WHERE token_nonce IS NULL;
ALTER TABLE invitations ALTER COLUMN token_nonce SET NOT NULL;
ALTER TABLE invitations ALTER COLUMN token_nonce SET DEFAULT decode(md5(random()::text || clock_timestamp()::text), 'hex');
ALTER TABLE invitations ADD COLUMN resent_count int NOT NULL DEFAULT 0;

-- At most one pending email invitation per address and account. Expired
-- rows are marked 'expired' before a new invitation is made.
CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (account_id, lower(email))
    WHERE kind = 'email' AND status = 'pending';
-- Reminder and expiry sweeps.
CREATE INDEX invitations_pending_expiry_idx ON invitations (expires_at) WHERE status = 'pending';

-- Joining through a link: the address is confirmed by a 6-digit code or a
-- link, both derived from confirm_nonce.
ALTER TABLE join_requests ADD COLUMN confirm_nonce bytea;
ALTER TABLE join_requests ADD COLUMN confirm_attempts int NOT NULL DEFAULT 0;
ALTER TABLE join_requests ADD COLUMN confirmed_at timestamptz;
CREATE UNIQUE INDEX join_requests_confirm_key ON join_requests (confirm_hash) WHERE confirm_hash IS NOT NULL;

-- +goose Down
DROP INDEX join_requests_confirm_key;
ALTER TABLE join_requests DROP COLUMN confirmed_at, DROP COLUMN confirm_attempts, DROP COLUMN confirm_nonce;
DROP INDEX invitations_pending_expiry_idx;
DROP INDEX invitations_pending_email_key;
ALTER TABLE invitations DROP COLUMN resent_count, DROP COLUMN token_nonce;
