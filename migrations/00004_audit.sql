-- +goose Up
-- The audit log pages newest first by (at, id) under every filter: each
-- filter's index ends with the same two keys, so a page at any depth is
-- one index range scan (keyset), never a sort of the matching events.
DROP INDEX audit_events_actor_idx;
DROP INDEX audit_events_target_idx;
CREATE INDEX audit_events_actor_idx ON audit_events (account_id, actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_events_target_idx ON audit_events (account_id, target_user_id, at DESC, id DESC) WHERE target_user_id IS NOT NULL;
-- Filtering by action, and listing the actions an account has (a skip scan).
CREATE INDEX audit_events_action_idx ON audit_events (account_id, action, at DESC, id DESC);

-- +goose Down
DROP INDEX audit_events_action_idx;
DROP INDEX audit_events_target_idx;
DROP INDEX audit_events_actor_idx;
CREATE INDEX audit_events_target_idx ON audit_events (account_id, target_user_id, at DESC) WHERE target_user_id IS NOT NULL;
CREATE INDEX audit_events_actor_idx ON audit_events (account_id, actor_id, at DESC) WHERE actor_id IS NOT NULL;
