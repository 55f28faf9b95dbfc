-- +goose Up
-- "Select all N matching this view" (issue 4, item 2): one action applied
-- to every person a People view matches, by a background job in batches.
-- The view is kept as its query string and re-read batch by batch along
-- the name order (cursor), so a retried job carries on where it stopped.
CREATE TABLE bulk_jobs (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    actor_id    bigint,
    action      text NOT NULL CHECK (action IN ('add_group', 'remove_group', 'grant_role', 'revoke_role', 'deactivate', 'reactivate')),
    group_id    bigint,
    role_id     bigint,
    view        text NOT NULL DEFAULT '',  -- the People view's query string
    scope       bigint[],                  -- a group administrator's groups; NULL for the whole account
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    total       bigint NOT NULL DEFAULT 0, -- people matching when the job started
    done        bigint NOT NULL DEFAULT 0, -- people gone through
    changed     bigint NOT NULL DEFAULT 0, -- people the action changed
    refused     bigint NOT NULL DEFAULT 0, -- people it may not change (the last administrator, out of reach)
    cursor      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, actor_id) REFERENCES users (account_id, id) ON DELETE SET NULL (actor_id)
);

-- +goose Down
DROP TABLE bulk_jobs;
