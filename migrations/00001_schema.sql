-- +goose Up
-- The whole data model of PRODUCT.md. Every tenant table carries account_id
-- and its keys and foreign keys include it, so a cross-account join cannot be
-- written and the schema can later be distributed by account.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- roster_normalize folds case and accents so that "Zoë" is found by "zoe".
-- unaccent() is only STABLE (its dictionary could change); pinning the
-- dictionary makes this wrapper safe to mark IMMUTABLE for indexes.
-- +goose StatementBegin
CREATE FUNCTION roster_normalize(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN lower(public.unaccent('public.unaccent'::regdictionary, t));
-- +goose StatementEnd

CREATE TABLE accounts (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at              timestamptz NOT NULL DEFAULT now(),
    -- settings (PRODUCT.md "Defaults")
    invite_validity_days    int NOT NULL DEFAULT 90 CHECK (invite_validity_days BETWEEN 1 AND 180),
    reminders_enabled       boolean NOT NULL DEFAULT true,
    expiring_soon_days      int NOT NULL DEFAULT 7 CHECK (expiring_soon_days BETWEEN 1 AND 30),
    link_validity_hours     int NOT NULL DEFAULT 720 CHECK (link_validity_hours BETWEEN 1 AND 4320),
    link_max_uses           int NOT NULL DEFAULT 50 CHECK (link_max_uses BETWEEN 1 AND 5000),
    default_locale          text NOT NULL DEFAULT 'en-US'
);

CREATE TABLE groups (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    parent_id   bigint,            -- NULL only for the account's root group
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- path holds the ids from the root down to and including this group, so
    -- "G and its subgroups" is path @> ARRAY[G] (GIN) and the display path
    -- is a lookup of names.
    path        bigint[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, parent_id) REFERENCES groups (account_id, id)
);
CREATE UNIQUE INDEX groups_root_key ON groups (account_id) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX groups_sibling_name_key ON groups (account_id, coalesce(parent_id, 0), lower(name));
CREATE INDEX groups_path_idx ON groups USING gin (path);

CREATE TABLE roles (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    -- key names a built-in role (administrator, requisitioner, approver,
    -- finance, analyst) whose name and description come from the message
    -- catalogue; custom roles have a NULL key and their own text.
    key         text,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '',
    position    int NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX roles_key_key ON roles (account_id, key) WHERE key IS NOT NULL;
CREATE UNIQUE INDEX roles_name_key ON roles (account_id, lower(name));

CREATE TABLE users (
    account_id        bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                bigint GENERATED ALWAYS AS IDENTITY,
    email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
    password_hash     text,
    locale            text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at   timestamptz,
    invited_by        bigint,
    invitation_id     bigint,
    -- bumped to end every open session (sign out everywhere, deactivation,
    -- losing the Administrator role)
    session_version   int NOT NULL DEFAULT 1,
    -- kept by triggers: memberships held, and Administrator roles held
    group_count       int NOT NULL DEFAULT 0 CHECK (group_count >= 0),
    admin_grants      int NOT NULL DEFAULT 0 CHECK (admin_grants >= 0),
    -- derived columns for search and keyset paging
    search            text GENERATED ALWAYS AS (roster_normalize(name || ' ' || email)) STORED,
    name_key          text COLLATE "C" GENERATED ALWAYS AS (roster_normalize(name)) STORED,
    email_key         text COLLATE "C" GENERATED ALWAYS AS (lower(email)) STORED,
    last_sign_in_key  timestamptz GENERATED ALWAYS AS (coalesce(last_sign_in_at, '-infinity')) STORED,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, invited_by) REFERENCES users (account_id, id) ON DELETE SET NULL (invited_by)
);
-- One person is one sign-in: an address belongs to at most one account.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_search_trgm ON users USING gin (search gin_trgm_ops);
CREATE INDEX users_name_idx ON users (account_id, name_key, id);
CREATE INDEX users_email_idx ON users (account_id, email_key, id);
CREATE INDEX users_created_idx ON users (account_id, created_at, id);
CREATE INDEX users_sign_in_idx ON users (account_id, last_sign_in_key, id);
CREATE INDEX users_without_group_idx ON users (account_id, name_key, id) WHERE group_count = 0;
CREATE INDEX users_invited_by_idx ON users (account_id, invited_by) WHERE invited_by IS NOT NULL;

CREATE TABLE memberships (
    account_id  bigint NOT NULL,
    user_id     bigint NOT NULL,
    group_id    bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id, group_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE,
    -- cascades only when a whole account is deleted: the app refuses to
    -- delete a group that still has members
    FOREIGN KEY (account_id, group_id) REFERENCES groups (account_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_group_idx ON memberships (account_id, group_id, user_id);

-- Roles are held in a group: (user, group, role). A row needs its membership.
CREATE TABLE role_assignments (
    account_id  bigint NOT NULL,
    user_id     bigint NOT NULL,
    group_id    bigint NOT NULL,
    role_id     bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id, group_id, role_id),
    FOREIGN KEY (account_id, user_id, group_id) REFERENCES memberships (account_id, user_id, group_id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, role_id) REFERENCES roles (account_id, id) ON DELETE CASCADE
);
CREATE INDEX role_assignments_role_idx ON role_assignments (account_id, role_id, user_id);

CREATE TABLE invitations (
    account_id        bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                bigint GENERATED ALWAYS AS IDENTITY,
    kind              text NOT NULL CHECK (kind IN ('email', 'link')),
    email             text,                      -- email invitations
    label             text,                      -- invite links
    token_hash        bytea NOT NULL,            -- SHA-256 of the 32 random bytes in the link
    -- pending until accepted or revoked; a pending row past expires_at reads
    -- as expired, and a sweeper later writes 'expired' so counts stay cheap.
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'expired', 'revoked')),
    group_ids         bigint[] NOT NULL DEFAULT '{}',
    role_ids          bigint[] NOT NULL DEFAULT '{}',
    message           text,
    locale            text,
    invited_by        bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,               -- last time the email was (re)issued
    expires_at        timestamptz NOT NULL,
    accepted_at       timestamptz,
    accepted_user_id  bigint,
    revoked_at        timestamptz,
    revoked_by        bigint,
    -- email delivery
    delivery          text CHECK (delivery IN ('queued', 'sent', 'failed')),
    delivery_error    text,
    reminders_sent    int NOT NULL DEFAULT 0,
    -- invite links
    max_uses          int CHECK (max_uses BETWEEN 1 AND 5000),
    use_count         int NOT NULL DEFAULT 0,
    allowed_domains   text[] NOT NULL DEFAULT '{}',
    approval_required boolean NOT NULL DEFAULT true,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, invited_by) REFERENCES users (account_id, id) ON DELETE SET NULL (invited_by),
    CHECK ((kind = 'email') = (email IS NOT NULL)),
    CHECK (max_uses IS NULL OR use_count <= max_uses)
);
CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash);
CREATE INDEX invitations_created_idx ON invitations (account_id, created_at, id);
CREATE INDEX invitations_status_idx ON invitations (account_id, status, expires_at);
CREATE INDEX invitations_email_idx ON invitations (account_id, lower(email)) WHERE kind = 'email';
CREATE INDEX invitations_email_trgm ON invitations USING gin (lower(coalesce(email, label, '')) gin_trgm_ops);

ALTER TABLE users ADD FOREIGN KEY (account_id, invitation_id) REFERENCES invitations (account_id, id) ON DELETE SET NULL (invitation_id);

CREATE TABLE join_requests (
    account_id      bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    invitation_id   bigint NOT NULL,
    email           text NOT NULL,
    name            text NOT NULL,
    password_hash   text,
    locale          text,
    -- unconfirmed: waiting for the email code; pending: waiting for an admin
    status          text NOT NULL DEFAULT 'unconfirmed' CHECK (status IN ('unconfirmed', 'pending', 'approved', 'denied')),
    confirm_hash    bytea,
    confirm_expires_at timestamptz,
    group_ids       bigint[] NOT NULL DEFAULT '{}',
    role_ids        bigint[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      bigint,
    user_id         bigint,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, invitation_id) REFERENCES invitations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX join_requests_status_idx ON join_requests (account_id, status, created_at);
CREATE UNIQUE INDEX join_requests_open_email_key ON join_requests (account_id, lower(email)) WHERE status IN ('unconfirmed', 'pending');

CREATE TABLE audit_events (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_id        bigint,
    action          text NOT NULL,
    target_user_id  bigint,
    invitation_id   bigint,
    group_id        bigint,
    detail          jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (account_id, id)
);
CREATE INDEX audit_events_at_idx ON audit_events (account_id, at DESC, id DESC);
CREATE INDEX audit_events_target_idx ON audit_events (account_id, target_user_id, at DESC) WHERE target_user_id IS NOT NULL;
CREATE INDEX audit_events_actor_idx ON audit_events (account_id, actor_id, at DESC) WHERE actor_id IS NOT NULL;

-- Append-only: the audit trail cannot be edited, only added to (an account's
-- deletion cascades through TRUNCATE-free DELETE of the account itself).
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_events is append-only';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) THEN
        RETURN OLD; -- the account itself is being deleted
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Sessions: the cookie carries id + version; both are checked here on every
-- request, so sign-out-everywhere and deactivation act on the next request.
CREATE TABLE sessions (
    account_id    bigint NOT NULL,
    id_hash       bytea NOT NULL,
    user_id       bigint NOT NULL,
    user_version  int NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id_hash),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (account_id, user_id);

-- Keys shared by every server process (cookie signing), made on first start.
CREATE TABLE app_secrets (
    name        text PRIMARY KEY,
    value       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Dashboard counters, kept by triggers in the same transaction as the change
-- so that a million-person account never scans users to draw its cards.
CREATE TABLE account_counters (
    account_id          bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    users_total         bigint NOT NULL DEFAULT 0,
    users_active        bigint NOT NULL DEFAULT 0,
    users_deactivated   bigint NOT NULL DEFAULT 0,
    users_never_signed_in bigint NOT NULL DEFAULT 0,
    users_without_group bigint NOT NULL DEFAULT 0,
    administrators      bigint NOT NULL DEFAULT 0
);

-- Each person counts towards the cards by their own row: group_count and
-- admin_grants are kept on users by the membership and role triggers, and
-- the users trigger moves the account's counters by the difference between
-- the old and new row. Per-row arithmetic stays right for bulk statements
-- and for cascades (a membership deleted with its person finds no row).
-- +goose StatementBegin
CREATE FUNCTION counters_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_total int := 0; d_active int := 0; d_deact int := 0; d_never int := 0; d_nogroup int := 0; d_admin int := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_total := -1;
        d_active := -(OLD.status = 'active')::int;
        d_deact := -(OLD.status = 'deactivated')::int;
        d_never := -(OLD.last_sign_in_at IS NULL)::int;
        d_nogroup := -(OLD.group_count = 0)::int;
        d_admin := -(OLD.admin_grants > 0)::int;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        d_total := d_total + 1;
        d_active := d_active + (NEW.status = 'active')::int;
        d_deact := d_deact + (NEW.status = 'deactivated')::int;
        d_never := d_never + (NEW.last_sign_in_at IS NULL)::int;
        d_nogroup := d_nogroup + (NEW.group_count = 0)::int;
        d_admin := d_admin + (NEW.admin_grants > 0)::int;
    END IF;
    IF d_total <> 0 OR d_active <> 0 OR d_deact <> 0 OR d_never <> 0 OR d_nogroup <> 0 OR d_admin <> 0 THEN
        UPDATE account_counters SET
            users_total = users_total + d_total,
            users_active = users_active + d_active,
            users_deactivated = users_deactivated + d_deact,
            users_never_signed_in = users_never_signed_in + d_never,
            users_without_group = users_without_group + d_nogroup,
            administrators = administrators + d_admin
        WHERE account_id = coalesce(NEW.account_id, OLD.account_id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counters_users AFTER INSERT OR DELETE OR UPDATE OF status, last_sign_in_at, group_count, admin_grants ON users
    FOR EACH ROW EXECUTE FUNCTION counters_users();

-- +goose StatementBegin
CREATE FUNCTION counters_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET group_count = group_count + 1 WHERE account_id = NEW.account_id AND id = NEW.user_id;
    ELSE
        UPDATE users SET group_count = group_count - 1 WHERE account_id = OLD.account_id AND id = OLD.user_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counters_memberships AFTER INSERT OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION counters_memberships();

-- +goose StatementBegin
CREATE FUNCTION counters_role_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'INSERT' THEN r := NEW; ELSE r := OLD; END IF;
    IF EXISTS (SELECT 1 FROM roles WHERE account_id = r.account_id AND id = r.role_id AND key = 'administrator') THEN
        UPDATE users SET admin_grants = admin_grants + CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END
        WHERE account_id = r.account_id AND id = r.user_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counters_role_assignments AFTER INSERT OR DELETE ON role_assignments
    FOR EACH ROW EXECUTE FUNCTION counters_role_assignments();

-- account_counters_recount computes the counters from scratch: the seeder
-- uses it after bulk loads, and tests compare it with the kept values.
-- +goose StatementBegin
CREATE FUNCTION account_counters_recount(acc bigint) RETURNS account_counters LANGUAGE sql STABLE AS $$
SELECT acc,
    count(*),
    count(*) FILTER (WHERE u.status = 'active'),
    count(*) FILTER (WHERE u.status = 'deactivated'),
    count(*) FILTER (WHERE u.last_sign_in_at IS NULL),
    count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = u.account_id AND m.user_id = u.id)),
    (SELECT count(DISTINCT ra.user_id) FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
      WHERE ra.account_id = acc AND r.key = 'administrator')
FROM users u WHERE u.account_id = acc
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE app_secrets, sessions, audit_events, join_requests, role_assignments, memberships, account_counters CASCADE;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_account_id_invitation_id_fkey;
DROP TABLE invitations, users, roles, groups, accounts CASCADE;
DROP FUNCTION IF EXISTS account_counters_recount(bigint), counters_role_assignments(), counters_memberships(), counters_users(), audit_events_append_only(), roster_normalize(text);
