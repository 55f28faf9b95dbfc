package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// SettingsStore changes an account's settings (AccountStore.Account and
// the session read them).
type SettingsStore struct {
	pool *pgxpool.Pool
}

// NewSettingsStore returns a SettingsStore on pool.
func NewSettingsStore(pool *pgxpool.Pool) *SettingsStore { return &SettingsStore{pool: pool} }

// UpdateSettings saves the account defaults of the settings screen
// (the default language included) and, in the same
// transaction, records a settings_changed event whose detail lists each
// changed setting with its old and new value. Saving the same values
// writes nothing. EINVALID for a value out of bounds (the database checks
// them); ENOTFOUND for an unknown account.
func (s *SettingsStore) UpdateSettings(ctx context.Context, accountID, actorID int64, n roster.Settings) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var old roster.Settings
		err := tx.QueryRow(ctx, `SELECT invite_validity_days, reminders_enabled, expiring_soon_days, link_validity_hours, link_max_uses,
		       invites_per_admin_per_day, default_locale
		FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, accountID). // not FOR UPDATE: see UserStore.change
			Scan(&old.InviteValidityDays, &old.RemindersEnabled, &old.ExpiringSoonDays, &old.LinkValidityHours, &old.LinkMaxUses, &old.InvitesPerAdminPerDay,
				&old.DefaultLocale)
		if err != nil {
			return mapError(err, "account")
		}
		if n.DefaultLocale == "" {
			n.DefaultLocale = old.DefaultLocale
		}
		changes := old.Changes(n)
		if len(changes) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET invite_validity_days = $2, reminders_enabled = $3, expiring_soon_days = $4,
		    link_validity_hours = $5, link_max_uses = $6, invites_per_admin_per_day = $7, default_locale = $8
		WHERE id = $1`, accountID, n.InviteValidityDays, n.RemindersEnabled, n.ExpiringSoonDays, n.LinkValidityHours, n.LinkMaxUses, n.InvitesPerAdminPerDay,
			n.DefaultLocale)
		if err != nil {
			return mapError(err, "settings")
		}
		list := make([]map[string]any, len(changes))
		for i, c := range changes {
			list[i] = map[string]any{"setting": c.Setting, "old": c.Old, "new": c.New}
		}
		return audit(ctx, tx, accountID, actorID, "settings_changed", nil, map[string]any{"changes": list})
	})
}
