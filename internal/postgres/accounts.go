package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// AccountStore creates accounts and keeps sign-in sessions.
type AccountStore struct {
	pool *pgxpool.Pool
}

// NewAccountStore returns an AccountStore on pool.
func NewAccountStore(pool *pgxpool.Pool) *AccountStore { return &AccountStore{pool: pool} }

// builtinRoleText is the stored English name and description of each
// built-in role; pages show the catalogue's translation by key.
var builtinRoleText = map[string][2]string{
	roster.RoleAdministrator: {"Administrator", "Manages people, groups, roles and invitations"},
	roster.RoleRequisitioner: {"Requisitioner", "Searches, requests and buys for the group"},
	roster.RoleApprover:      {"Approver", "Approves or rejects requests and orders"},
	roster.RoleFinance:       {"Finance", "Pays invoices and reconciles spending"},
	roster.RoleAnalyst:       {"Analyst", "Sees reports and spending analytics"},
}

// CreateAccount makes an account with its root group, the five built-in
// roles and its first administrator (Administrator on the root group).
// ECONFLICT when the email already belongs to someone.
func (s *AccountStore) CreateAccount(ctx context.Context, su roster.Signup) (roster.Account, roster.User, error) {
	var acc roster.Account
	var u roster.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		acc, u, err = createAccount(ctx, tx, su, time.Now())
		if err != nil {
			return err
		}
		return audit(ctx, tx, acc.ID, u.ID, "account_created", &u.ID, nil)
	})
	return acc, u, mapError(err, "an account with this email")
}

func createAccount(ctx context.Context, tx pgx.Tx, su roster.Signup, now time.Time) (roster.Account, roster.User, error) {
	acc := roster.Account{Name: su.AccountName, CreatedAt: now}
	locale := su.Locale
	if locale == "" {
		locale = "en-US"
	}
	err := tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at, default_locale) VALUES ($1, $2, $3) RETURNING id`, su.AccountName, now, locale).Scan(&acc.ID)
	if err != nil {
		return acc, roster.User{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO account_counters (account_id) VALUES ($1)`, acc.ID); err != nil {
		return acc, roster.User{}, err
	}
	var rootID int64
	err = tx.QueryRow(ctx, `INSERT INTO groups (account_id, name, path, created_at) VALUES ($1, $2, '{}', $3) RETURNING id`, acc.ID, su.AccountName, now).Scan(&rootID)
	if err != nil {
		return acc, roster.User{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE groups SET path = ARRAY[id] WHERE account_id = $1 AND id = $2`, acc.ID, rootID); err != nil {
		return acc, roster.User{}, err
	}
	var adminRole int64
	for i, key := range roster.BuiltinRoles {
		var id int64
		t := builtinRoleText[key]
		if err := tx.QueryRow(ctx, `INSERT INTO roles (account_id, key, name, description, position) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			acc.ID, key, t[0], t[1], i).Scan(&id); err != nil {
			return acc, roster.User{}, err
		}
		if key == roster.RoleAdministrator {
			adminRole = id
		}
	}
	u := roster.User{AccountID: acc.ID, Email: su.Email, Name: su.Name, Status: roster.StatusActive, CreatedAt: now, Locale: su.Locale}
	err = tx.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash, locale, created_at) VALUES ($1, $2, $3, $4, nullif($5, ''), $6) RETURNING id`,
		acc.ID, su.Email, su.Name, su.PasswordHash, su.Locale, now).Scan(&u.ID)
	if err != nil {
		return acc, u, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id, created_at) VALUES ($1, $2, $3, $4)`, acc.ID, u.ID, rootID, now); err != nil {
		return acc, u, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id, created_at) VALUES ($1, $2, $3, $4, $5)`, acc.ID, u.ID, rootID, adminRole, now); err != nil {
		return acc, u, err
	}
	u.Memberships = []roster.Membership{{GroupID: rootID, RoleIDs: []int64{adminRole}}}
	return acc, u, nil
}

// Account returns the account with its settings. ENOTFOUND if none.
func (s *AccountStore) Account(ctx context.Context, id int64) (roster.Account, error) {
	var a roster.Account
	err := s.pool.QueryRow(ctx, `SELECT id, name, created_at, invite_validity_days, reminders_enabled, expiring_soon_days,
	       link_validity_hours, link_max_uses, invites_per_admin_per_day, default_locale FROM accounts WHERE id = $1`, id).
		Scan(&a.ID, &a.Name, &a.CreatedAt, &a.Settings.InviteValidityDays, &a.Settings.RemindersEnabled, &a.Settings.ExpiringSoonDays,
			&a.Settings.LinkValidityHours, &a.Settings.LinkMaxUses, &a.Settings.InvitesPerAdminPerDay, &a.Settings.DefaultLocale)
	return a, mapError(err, "account")
}

// Credentials returns the person who signs in with email and their password
// hash ("" when they have none yet). ENOTFOUND when no one has that email.
func (s *AccountStore) Credentials(ctx context.Context, email string) (roster.User, string, error) {
	var u roster.User
	var hash *string
	err := s.pool.QueryRow(ctx, `SELECT account_id, id, email, name, status, password_hash FROM users WHERE lower(email) = lower($1)`, email).
		Scan(&u.AccountID, &u.ID, &u.Email, &u.Name, &u.Status, &hash)
	if err != nil {
		return u, "", mapError(err, "person")
	}
	if hash == nil {
		return u, "", nil
	}
	return u, *hash, nil
}

// CreateSession starts a session for the person, records the sign-in and
// returns the session token for the cookie (only its hash is stored).
func (s *AccountStore) CreateSession(ctx context.Context, accountID, userID int64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO sessions (account_id, id_hash, user_id, user_version)
		SELECT account_id, $3, id, session_version FROM users WHERE account_id = $1 AND id = $2 AND status = 'active'`, accountID, userID, sum[:])
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return roster.Errorf(roster.EFORBIDDEN, "person cannot sign in")
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_sign_in_at = now() WHERE account_id = $1 AND id = $2`, accountID, userID); err != nil {
			return err
		}
		return audit(ctx, tx, accountID, userID, "signed_in", &userID, nil)
	})
	return token, err
}

// SessionActor returns who holds the session token and their account.
// The session must be within its idle and absolute limits and made at the
// person's current session version, and the person active; otherwise
// ENOTFOUND (the caller treats that as signed out).
func (s *AccountStore) SessionActor(ctx context.Context, token string, idle, absolute time.Duration) (roster.Actor, roster.Account, error) {
	var a roster.Actor
	var acc roster.Account
	sum := sha256.Sum256([]byte(token))
	var lastSeen time.Time
	u := &a.User
	err := s.pool.QueryRow(ctx, `SELECT u.account_id, u.id, u.email, u.name, u.status, coalesce(u.locale, ''), u.created_at, u.last_sign_in_at, s.last_seen_at,
	       ac.name, ac.expiring_soon_days, ac.invite_validity_days, ac.reminders_enabled, ac.link_validity_hours, ac.link_max_uses, ac.invites_per_admin_per_day, ac.default_locale, ac.groups_version,
	       coalesce((SELECT array_agg(ra.group_id) FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
	                 WHERE ra.account_id = u.account_id AND ra.user_id = u.id AND r.key = 'administrator'), '{}'),
	       EXISTS (SELECT 1 FROM role_assignments ra JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id
	               JOIN groups g ON g.account_id = ra.account_id AND g.id = ra.group_id
	               WHERE ra.account_id = u.account_id AND ra.user_id = u.id AND r.key = 'administrator' AND g.parent_id IS NULL)
	FROM sessions s
	JOIN users u ON u.account_id = s.account_id AND u.id = s.user_id
	JOIN accounts ac ON ac.id = u.account_id
	WHERE s.id_hash = $1 AND u.status = 'active' AND u.session_version = s.user_version
	  AND s.last_seen_at > now() - $2::interval AND s.created_at > now() - $3::interval`, sum[:], idle, absolute).
		Scan(&u.AccountID, &u.ID, &u.Email, &u.Name, &u.Status, &u.Locale, &u.CreatedAt, &u.LastSignInAt, &lastSeen,
			&acc.Name, &acc.Settings.ExpiringSoonDays, &acc.Settings.InviteValidityDays, &acc.Settings.RemindersEnabled,
			&acc.Settings.LinkValidityHours, &acc.Settings.LinkMaxUses, &acc.Settings.InvitesPerAdminPerDay, &acc.Settings.DefaultLocale, &acc.CatalogueVersion, &a.AdminGroups, &a.AccountAdmin)
	if err != nil {
		return a, acc, mapError(err, "session")
	}
	acc.ID = u.AccountID
	// Sliding idle expiry without a write per request.
	if time.Since(lastSeen) > time.Minute {
		s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1`, sum[:])
	}
	return a, acc, nil
}

// DeleteSession ends one session (sign out).
func (s *AccountStore) DeleteSession(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, sum[:])
	return err
}

// SignOutEverywhere ends every session of the person.
func (s *AccountStore) SignOutEverywhere(ctx context.Context, accountID, userID int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET session_version = session_version + 1 WHERE account_id = $1 AND id = $2`, accountID, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND user_id = $2`, accountID, userID); err != nil {
			return err
		}
		return audit(ctx, tx, accountID, userID, "signed_out_everywhere", &userID, nil)
	})
}

// Secret returns the named secret shared by every server process, making
// a random one of size bytes on first use.
func (s *AccountStore) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	var v []byte
	var err error
	// A racing first start may insert between our statement's snapshot and
	// its conflict check: the second try then reads the winner's value.
	for range 2 {
		err = s.pool.QueryRow(ctx, `WITH ins AS (INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
		SELECT value FROM ins UNION ALL SELECT value FROM app_secrets WHERE name = $1 LIMIT 1`, name, b).Scan(&v)
		if err != pgx.ErrNoRows {
			break
		}
	}
	return v, err
}

// audit appends an audit event inside tx.
func audit(ctx context.Context, tx pgx.Tx, accountID, actorID int64, action string, target *int64, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, actor_id, action, target_user_id, detail) VALUES ($1, $2, $3, $4, $5)`,
		accountID, actor, action, target, detail)
	return err
}
