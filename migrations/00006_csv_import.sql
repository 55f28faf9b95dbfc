-- +goose Up
-- CSV import (issue 4, item 5): an upload is parsed and checked once (the
-- dry run), kept here until the administrator confirms, then a job invites
-- its rows in batches. Kept in the database, not in one process's memory,
-- so any server process can take the confirm and any worker the job.
CREATE TABLE csv_imports (
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    actor_id     bigint,                 -- who uploaded, then who confirmed
    file_name    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'dry_run' CHECK (status IN ('dry_run', 'queued', 'running', 'done')),
    ignored      text[] NOT NULL DEFAULT '{}', -- header columns not read
    -- the dry run
    total        int NOT NULL DEFAULT 0,
    to_invite    int NOT NULL DEFAULT 0,
    skipped      int NOT NULL DEFAULT 0,
    errors       int NOT NULL DEFAULT 0,
    -- the import: rows of to_invite processed, invited, and not invited
    done         int NOT NULL DEFAULT 0,
    invited      int NOT NULL DEFAULT 0,
    failed       int NOT NULL DEFAULT 0,
    confirmed_at timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, actor_id) REFERENCES users (account_id, id) ON DELETE SET NULL (actor_id),
    CHECK (done <= to_invite AND invited + failed = done)
);
CREATE INDEX csv_imports_created_idx ON csv_imports (account_id, status, created_at);

-- One row per line of the file (a 100,000-row file is 100,000 rows here,
-- written with COPY); line is the file's line number.
CREATE TABLE csv_import_rows (
    account_id    bigint NOT NULL,
    import_id     bigint NOT NULL,
    line          int NOT NULL,
    email         text NOT NULL DEFAULT '',
    name          text NOT NULL DEFAULT '',
    groups        text NOT NULL DEFAULT '',
    roles         text NOT NULL DEFAULT '',
    group_ids     bigint[] NOT NULL DEFAULT '{}',
    role_ids      bigint[] NOT NULL DEFAULT '{}',
    outcome       text NOT NULL CHECK (outcome IN ('invite', 'skip', 'error')),
    reason        text NOT NULL DEFAULT '',  -- message key
    detail        text NOT NULL DEFAULT '',  -- its argument
    result        text,                      -- what the import did (NULL before)
    result_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, import_id, line),
    FOREIGN KEY (account_id, import_id) REFERENCES csv_imports (account_id, id) ON DELETE CASCADE
);
-- The dry run's table lists the problem rows first.
CREATE INDEX csv_import_rows_problems_idx ON csv_import_rows (account_id, import_id, line) WHERE outcome <> 'invite';

-- +goose Down
DROP TABLE csv_import_rows;
DROP TABLE csv_imports;
