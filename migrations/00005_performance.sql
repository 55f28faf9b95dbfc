-- +goose Up
-- A million people and 200,000 invitations in one account (issue 5): the
-- dashboard's invitation numbers and its weekly chart are kept by triggers
-- like the people counters, instead of counting tens of thousands of
-- invitations on every hub page.

-- invitations_pending counts rows whose status is 'pending', including those
-- past their expiry that the sweeper has not marked yet (the dashboard
-- subtracts those with an index range scan the sweeper keeps short).
CREATE TABLE invitation_counters (
    account_id           bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    invitations_pending  bigint NOT NULL DEFAULT 0
);

-- Email invitations sent and accepted per week (Monday, UTC): the chart.
CREATE TABLE invitation_weeks (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    week        date NOT NULL,
    sent        bigint NOT NULL DEFAULT 0,
    accepted    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, week)
);

-- +goose StatementBegin
CREATE FUNCTION invitation_week(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN date_trunc('week', t AT TIME ZONE 'UTC')::date;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION counters_invitations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_pending int := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_pending := -(OLD.status = 'pending')::int;
        IF OLD.kind = 'email' THEN
            INSERT INTO invitation_weeks AS w (account_id, week, sent) VALUES (OLD.account_id, invitation_week(OLD.created_at), -1)
            ON CONFLICT (account_id, week) DO UPDATE SET sent = w.sent - 1;
            IF OLD.accepted_at IS NOT NULL THEN
                INSERT INTO invitation_weeks AS w (account_id, week, accepted) VALUES (OLD.account_id, invitation_week(OLD.accepted_at), -1)
                ON CONFLICT (account_id, week) DO UPDATE SET accepted = w.accepted - 1;
            END IF;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        d_pending := d_pending + (NEW.status = 'pending')::int;
        IF NEW.kind = 'email' THEN
            INSERT INTO invitation_weeks AS w (account_id, week, sent) VALUES (NEW.account_id, invitation_week(NEW.created_at), 1)
            ON CONFLICT (account_id, week) DO UPDATE SET sent = w.sent + 1;
            IF NEW.accepted_at IS NOT NULL THEN
                INSERT INTO invitation_weeks AS w (account_id, week, accepted) VALUES (NEW.account_id, invitation_week(NEW.accepted_at), 1)
                ON CONFLICT (account_id, week) DO UPDATE SET accepted = w.accepted + 1;
            END IF;
        END IF;
    END IF;
    IF d_pending <> 0 THEN
        INSERT INTO invitation_counters AS c (account_id, invitations_pending) VALUES (coalesce(NEW.account_id, OLD.account_id), d_pending)
        ON CONFLICT (account_id) DO UPDATE SET invitations_pending = c.invitations_pending + d_pending;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- Only changes that move a count fire it (delivery updates, reminders and
-- use counts do not). A whole account's deletion cascades to the counter
-- tables too, so the trigger's writes there are harmless.
CREATE TRIGGER counters_invitations_insert_delete AFTER INSERT OR DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION counters_invitations();
CREATE TRIGGER counters_invitations_update AFTER UPDATE OF status, kind, created_at, accepted_at, account_id ON invitations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.accepted_at IS DISTINCT FROM NEW.accepted_at)
    EXECUTE FUNCTION counters_invitations();

-- invitation_counters_recount sets both tables from scratch for one
-- account: after bulk loads, and in tests against the kept values.
-- +goose StatementBegin
CREATE FUNCTION invitation_counters_recount(acc bigint) RETURNS void LANGUAGE sql AS $$
INSERT INTO invitation_counters AS c (account_id, invitations_pending)
SELECT acc, count(*) FROM invitations WHERE account_id = acc AND status = 'pending'
ON CONFLICT (account_id) DO UPDATE SET invitations_pending = excluded.invitations_pending;
DELETE FROM invitation_weeks WHERE account_id = acc;
INSERT INTO invitation_weeks (account_id, week, sent, accepted)
SELECT acc, week, sum(s), sum(a) FROM (
    SELECT invitation_week(created_at) AS week, 1 AS s, 0 AS a FROM invitations WHERE account_id = acc AND kind = 'email'
    UNION ALL
    SELECT invitation_week(accepted_at), 0, 1 FROM invitations WHERE account_id = acc AND kind = 'email' AND accepted_at IS NOT NULL
) x GROUP BY week;
$$;
-- +goose StatementEnd

SELECT invitation_counters_recount(id) FROM accounts;

-- The Invitations table walks invitations newest first within a status
-- ("accepted", "revoked", ...) and stops at a page: without the status in
-- front it filters its way through the other statuses.
CREATE INDEX invitations_status_created_idx ON invitations (account_id, status, created_at, id);

-- Deleting an invitation (RemoveExpired, an account's cleanup) sets
-- users.invitation_id to NULL and deletes its join requests through foreign
-- keys; without an index on the referencing columns each deleted
-- invitation scanned every person of the database (measured: 3,500
-- invitations took minutes at a million people).
CREATE INDEX users_invitation_idx ON users (account_id, invitation_id) WHERE invitation_id IS NOT NULL;
CREATE INDEX join_requests_invitation_idx ON join_requests (account_id, invitation_id);

-- +goose Down
DROP INDEX join_requests_invitation_idx;
DROP INDEX users_invitation_idx;
DROP INDEX invitations_status_created_idx;
DROP TRIGGER counters_invitations_update ON invitations;
DROP TRIGGER counters_invitations_insert_delete ON invitations;
DROP FUNCTION invitation_counters_recount(bigint), counters_invitations(), invitation_week(timestamptz);
DROP TABLE invitation_weeks, invitation_counters;
